import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Relationship, RelationshipPattern, ResourceRef, Store } from '../../src/store/index.ts';
import { apps, codeOf, node, pod, tempStore } from './helpers.ts';

const owner = (ref: ResourceRef, uid = 'uid') => ({
  type: 'OwnerReference',
  data: { kind: ref.kind, name: ref.name, uid },
});
const key = (r: Relationship) => JSON.stringify([r.subject, r.predicate.type, r.object]);

function allPages(store: Store, pattern: RelationshipPattern, limit: number): Relationship[] {
  const out: Relationship[] = [];
  let after: string | null = null;
  do {
    const page = store.relationships(pattern, { limit, after });
    out.push(...page.items);
    after = page.endCursor;
  } while (after);
  return out;
}

describe('relationships', () => {
  it('should store a triplet once and update its data when added again', async () => {
    const store = await tempStore();
    const edge = { subject: pod('a'), predicate: { type: 'Calls', data: { port: 80 } }, object: pod('b') };
    const first = await store.addRelationships([edge]);
    const again = await store.addRelationships([edge]);
    assert.equal(again.revision, first.revision, 'an identical add changes nothing');
    const updated = await store.addRelationships([
      { ...edge, predicate: { type: 'Calls', data: { port: 443 } } },
    ]);
    assert.equal(updated.revision, first.revision + 1);
    const all = store.relationships().items;
    assert.equal(all.length, 1);
    assert.deepEqual(all[0]!.predicate, { type: 'Calls', data: { port: 443 } });
    assert.equal(all[0]!.createdAt, first.relationships[0]!.createdAt);
    assert.deepEqual(store.checkIntegrity(), []);
  });

  it('should accept edges whose ends do not exist yet', async () => {
    const store = await tempStore();
    await store.addRelationships([
      {
        subject: pod('ghost'),
        predicate: { type: 'PodNodeBinding', data: { nodeName: 'n' } },
        object: node('n'),
      },
    ]);
    assert.equal(store.relationships({ object: node('n') }).items.length, 1);
    assert.equal(store.get(pod('ghost')), null);
  });

  it('should reject a self-loop, an invalid predicate type and data failing a built-in schema', async () => {
    const store = await tempStore();
    assert.equal(
      await codeOf(
        store.addRelationships([{ subject: pod('a'), predicate: { type: 'X' }, object: pod('a') }]),
      ),
      'BAD_USER_INPUT',
    );
    assert.equal(
      await codeOf(
        store.addRelationships([{ subject: pod('a'), predicate: { type: 'has space' }, object: pod('b') }]),
      ),
      'BAD_USER_INPUT',
    );
    assert.equal(
      await codeOf(
        store.addRelationships([
          {
            subject: pod('a'),
            predicate: { type: 'OwnerReference', data: { kind: 'Pod' } },
            object: pod('b'),
          },
        ]),
      ),
      'BAD_USER_INPUT',
    );
    assert.equal(
      await codeOf(
        store.addRelationships([
          {
            subject: pod('a'),
            predicate: { type: 'PodNodeBinding', data: { nodeName: 7 } },
            object: node('n'),
          },
        ]),
      ),
      'BAD_USER_INPUT',
    );
    assert.equal(store.relationships().items.length, 0);
    assert.equal(store.revision, 0);
  });

  it('should answer every pattern of bound terms exactly, in pages of any size', async () => {
    const store = await tempStore();
    const refs = [pod('a'), pod('b'), pod('c'), node('n1'), node('n2'), apps('ReplicaSet', 'rs')];
    const types = ['OwnerReference', 'PodNodeBinding', 'Selects'];
    const triples = fc.sample(
      fc.uniqueArray(
        fc
          .tuple(fc.nat(refs.length - 1), fc.nat(types.length - 1), fc.nat(refs.length - 1))
          .filter(([s, , o]) => s !== o),
        { selector: (t) => t.join(), minLength: 25, maxLength: 60 },
      ),
      { numRuns: 1, seed: 7 },
    )[0]!;
    const data = (type: string, s: ResourceRef) =>
      type === 'OwnerReference' ? owner(s).data : type === 'PodNodeBinding' ? { nodeName: 'n' } : null;
    await store.addRelationships(
      triples.map(([s, p, o]) => ({
        subject: refs[s]!,
        predicate: { type: types[p]!, data: data(types[p]!, refs[s]!) },
        object: refs[o]!,
      })),
    );
    const everything = allPages(store, {}, 1000);
    assert.equal(everything.length, triples.length);
    let checked = 0;
    for (const subject of [undefined, ...refs]) {
      for (const predicateType of [undefined, ...types]) {
        for (const object of [undefined, ...refs]) {
          const pattern = { subject, predicateType, object };
          const expected = everything
            .filter(
              (r) =>
                (!subject || key({ ...r, subject }) === key(r)) &&
                (!predicateType || r.predicate.type === predicateType) &&
                (!object || key({ ...r, object }) === key(r)),
            )
            .map(key)
            .sort();
          for (const limit of [1, 3, 100]) {
            assert.deepEqual(
              allPages(store, pattern, limit).map(key).sort(),
              expected,
              JSON.stringify({ pattern, limit }),
            );
          }
          checked++;
        }
      }
    }
    assert.equal(checked, 7 * 4 * 7);
  });

  it('should remove every edge of a deleted resource in the same commit, leaving exact indexes', async () => {
    const store = await tempStore();
    const rs = apps('ReplicaSet', 'rs');
    await store.add({ ref: rs });
    await store.add({ ref: pod('a') });
    await store.add({ ref: node('n') });
    await store.addRelationships([
      { subject: apps('Deployment', 'd'), predicate: owner(apps('Deployment', 'd')), object: rs },
      { subject: rs, predicate: owner(rs), object: pod('a') },
      { subject: rs, predicate: owner(rs), object: pod('b') },
      {
        subject: pod('a'),
        predicate: { type: 'PodNodeBinding', data: { nodeName: 'n' } },
        object: node('n'),
      },
    ]);
    const before = store.revision;
    const { removedRelationships, revision } = await store.delete(rs);
    assert.equal(revision, before + 1);
    assert.equal(removedRelationships.length, 3);
    assert.deepEqual(store.relationships({ subject: rs }).items, []);
    assert.deepEqual(store.relationships({ object: rs }).items, []);
    assert.deepEqual(store.relationships({ predicateType: 'OwnerReference' }).items, []);
    assert.equal(store.relationships().items.length, 1);
    assert.deepEqual(store.checkIntegrity(), []);
  });

  it('should delete triplets by identity and report how many existed', async () => {
    const store = await tempStore();
    const edge = { subject: pod('a'), predicate: { type: 'Calls' }, object: pod('b') };
    await store.addRelationships([edge, { ...edge, object: pod('c') }]);
    const { deleted } = await store.deleteRelationships([edge, edge, { ...edge, object: pod('z') }]);
    assert.equal(deleted, 1);
    assert.deepEqual(
      store.relationships().items.map((r) => r.object.name),
      ['c'],
    );
    assert.deepEqual(store.checkIntegrity(), []);
  });
});

describe('transactions', () => {
  it('should apply many operations atomically at one revision', async () => {
    const store = await tempStore();
    await store.add({ ref: pod('old') });
    const { results, revision } = await store.transaction([
      { op: 'add', resource: { ref: apps('Deployment', 'd') } },
      { op: 'add', resource: { ref: apps('ReplicaSet', 'rs') } },
      {
        op: 'addRelationship',
        relationship: {
          subject: apps('Deployment', 'd'),
          predicate: owner(apps('Deployment', 'd')),
          object: apps('ReplicaSet', 'rs'),
        },
      },
      { op: 'update', resource: { ref: pod('old'), data: 1 }, expectedVersion: 1 },
      { op: 'delete', ref: pod('old'), expectedVersion: 2 },
    ]);
    assert.equal(revision, 2);
    assert.equal(results.length, 5);
    assert.deepEqual(
      store.list().items.map((r) => [r.ref.name, r.revision]),
      [
        ['d', 2],
        ['rs', 2],
      ],
    );
    assert.deepEqual(store.checkIntegrity(), []);
  });

  it('should roll back everything, emit nothing and keep the revision when one precondition fails', async () => {
    const store = await tempStore();
    await store.add({ ref: pod('a') });
    const watch = store.watch();
    const before = store.revision;
    await assert.rejects(
      store.transaction([
        { op: 'add', resource: { ref: pod('b'), labels: { app: 'x' } } },
        {
          op: 'addRelationship',
          relationship: { subject: pod('a'), predicate: { type: 'T' }, object: pod('b') },
        },
        { op: 'update', resource: { ref: pod('a'), data: 1 }, expectedVersion: 9 },
      ]),
      (error: { code: string; details: { operationIndex: number; currentVersion: number } }) => {
        assert.equal(error.code, 'VERSION_CONFLICT');
        assert.equal(error.details.operationIndex, 2);
        assert.equal(error.details.currentVersion, 1);
        return true;
      },
    );
    assert.equal(store.revision, before);
    assert.equal(store.get(pod('b')), null);
    assert.equal(store.list({ labelSelector: 'app=x' }).items.length, 0);
    assert.equal(store.relationships().items.length, 0);
    assert.deepEqual(store.checkIntegrity(), []);
    await store.add({ ref: pod('c') });
    const next = await watch.next();
    assert.equal(next.value?.resource?.ref.name, 'c', 'the first event after the rollback is the next write');
    assert.equal(next.value?.revision, before + 1, 'the failed transaction used no revision');
    await watch.return();
  });

  it('should reject a malformed operation before writing anything', async () => {
    const store = await tempStore();
    assert.equal(
      await codeOf(
        store.transaction([{ op: 'add', resource: { ref: pod('a') } }, { op: 'explode' } as never]),
      ),
      'BAD_USER_INPUT',
    );
    assert.equal(store.get(pod('a')), null);
  });
});
