/**
 * Bulk loads (`Store.load`): a batch leaves the store, its log and its watchers exactly as a
 * transaction of the same applies and relationship adds would, in one revision; a bad batch writes
 * nothing and names the input at fault; a sequence stops at its first failing batch.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type {
  LoadBatch,
  Operation,
  RelationshipInput,
  ResourceEvent,
  ResourceInput,
  ResourceRef,
  Store,
} from '../../src/store/index.ts';
import { edge, node, owns, pod, take, tempStore } from './helpers.ts';

/** A batch of `size` pods (out of key order), each bound to one of three nodes, with the nodes. */
function clusterBatch(size: number): LoadBatch {
  const resources: ResourceInput[] = [];
  const relationships: RelationshipInput[] = [];
  for (let i = 0; i < 3; i++) resources.push({ ref: node(`n${i}`), uid: `node-${i}`, data: { i } });
  for (let i = size - 1; i >= 0; i--) {
    const ref = pod(`p${(i * 7) % size}`, `ns${i % 4}`);
    resources.push({
      ref,
      uid: `pod-${ref.namespace}-${ref.name}`,
      labels: { app: `a${i % 5}`, tier: i % 2 ? 'web' : 'db' },
      annotations: { note: `pod ${i}` },
      data: { spec: { nodeName: `n${i % 3}`, list: [i, `${i}`, null, true] } },
      dataType: 'Pod',
    });
    relationships.push(edge(ref, node(`n${i % 3}`), 'RunsOn'));
  }
  relationships.push(owns(node('n0'), node('n1')));
  return { resources, relationships };
}

/** The same batch as a transaction's operations. */
function operationsOf(batch: LoadBatch): Operation[] {
  return [
    ...(batch.resources ?? []).map((resource): Operation => ({ op: 'apply', resource })),
    ...(batch.relationships ?? []).map(
      (relationship): Operation => ({ op: 'addRelationship', relationship }),
    ),
  ];
}

/** What a store holds, without the timestamps that differ between two stores. */
function contentOf(store: Store) {
  const resources = store
    .list({ limit: 1000 })
    .items.map(({ ref, uid, labels, annotations, data, dataType, version }) => ({
      ref,
      uid,
      labels,
      annotations,
      data,
      dataType,
      version,
    }));
  // In identity order: the relationship indexes list by term ids, which a load allocates in key order.
  const relationships = store
    .relationships({}, { limit: 1000 })
    .items.map(({ subject, predicate, object }) => JSON.stringify({ subject, predicate, object }))
    .sort();
  return { resources, relationships, types: store.types(), revision: store.revision };
}

describe('bulk loads', () => {
  it('should leave the store as a transaction of the same applies and relationship adds would', async () => {
    const batch = clusterBatch(40);
    const loaded = await tempStore();
    const transacted = await tempStore();
    const result = await loaded.load(batch);
    await transacted.transaction(operationsOf(batch));
    assert.deepEqual(contentOf(loaded), contentOf(transacted));
    assert.deepEqual(result, { revision: 1, changedResources: 43, changedRelationships: 41 });
    assert.equal(loaded.count({ labelSelector: 'app=a1,tier=web' }), 4);
    assert.equal(loaded.getByUid('node-2')?.ref.name, 'n2');
    assert.deepEqual(loaded.checkIntegrity(), []);
  });

  it('should change nothing when the same batch is loaded again', async () => {
    const store = await tempStore();
    const batch = clusterBatch(20);
    await store.load(batch);
    const before = contentOf(store);
    assert.deepEqual(await store.load(batch), {
      revision: 1,
      changedResources: 0,
      changedRelationships: 0,
    });
    assert.deepEqual(contentOf(store), before);
  });

  it('should count only what a batch changes in a store that holds some of it', async () => {
    const store = await tempStore();
    const batch = clusterBatch(10);
    await store.load(batch);
    const first = batch.resources![3]!;
    const changed: LoadBatch = {
      resources: [...batch.resources!, { ...first, labels: { app: 'moved' } }],
      relationships: [...batch.relationships!, edge(pod('p1', 'ns1'), pod('p2', 'ns2'))],
    };
    const result = await store.load(changed);
    assert.deepEqual(result, { revision: 2, changedResources: 1, changedRelationships: 1 });
    assert.equal(store.get(first.ref)?.version, 2);
    assert.deepEqual(store.get(first.ref)?.labels, { app: 'moved' });
    assert.equal(store.count({ labelSelector: 'app=moved' }), 1);
    assert.deepEqual(store.checkIntegrity(), []);
  });

  it("should write a ref given twice in a batch in the batch's order", async () => {
    const loaded = await tempStore();
    const transacted = await tempStore();
    const ref = pod('twice');
    const batch: LoadBatch = {
      resources: [
        { ref: pod('z-last'), data: 1 },
        { ref, uid: 'twice', labels: { n: 'first' }, data: { n: 1 } },
        { ref: pod('a-first'), data: 2 },
        { ref, uid: 'twice', labels: { n: 'second' }, data: { n: 2 } },
      ],
    };
    await loaded.load(batch);
    await transacted.transaction(operationsOf(batch));
    assert.deepEqual(loaded.get(ref)?.data, { n: 2 });
    assert.equal(loaded.count({ labelSelector: 'n=first' }), 0);
    assert.equal(loaded.get(ref)?.version, transacted.get(ref)?.version);
    assert.deepEqual(loaded.checkIntegrity(), []);
  });

  it('should write nothing of a batch with bad input and name the input at fault', async () => {
    const store = await tempStore();
    await store.load(clusterBatch(5));
    const before = contentOf(store);
    const cases: [LoadBatch, string, string][] = [
      [
        { resources: [{ ref: pod('ok') }, { ref: pod('bad'), labels: { 'bad key!': 'x' } }] },
        'BAD_USER_INPUT',
        'resources[1].labels',
      ],
      [
        { resources: [{ ref: pod('ok') }, { ref: pod('nan'), data: { n: Number.NaN } }] },
        'BAD_USER_INPUT',
        'resources[1].data.n',
      ],
      [
        { resources: [{ ref: pod('ok') }], relationships: [edge(pod('ok'), pod('ok'))] },
        'BAD_USER_INPUT',
        'relationships[0]',
      ],
      [
        { resources: [{ ref: pod('ok') }, { ref: pod('thief'), uid: 'node-0' }] },
        'ALREADY_EXISTS',
        'resources[1]',
      ],
      [{ resources: [{ ref: node('n0'), uid: 'another' }] }, 'BAD_USER_INPUT', 'resources[0].uid'],
      [{ resources: 'not a list' as never }, 'BAD_USER_INPUT', 'resources'],
    ];
    for (const [batch, code, field] of cases) {
      const error = await store.load(batch).then(
        () => assert.fail(`${field}: loaded`),
        (error: unknown) => error,
      );
      assert.equal((error as { code?: string }).code, code, String(error));
      const details = (error as { details: { field?: string } }).details;
      assert.ok(details.field?.startsWith(field), `${details.field} names ${field}`);
    }
    assert.deepEqual(contentOf(store), before);
    assert.equal(store.get(pod('ok')), null);
  });

  it('should give watchers, and watchers resuming from before it, every change of a batch', async () => {
    const store = await tempStore();
    await store.add({ ref: pod('before'), data: 0 });
    const from = store.revision;
    const live = store.watch({ since: from });
    const batch = clusterBatch(30);
    const { revision } = await store.load(batch);
    const events = await take(live, 33);
    await live.return?.();
    assert.ok(events.every((event) => event.type === 'ADDED' && event.revision === revision));
    const resumed = store.watch({ since: from });
    const replayed = await take(resumed, 33);
    await resumed.return?.();
    const summary = (list: ResourceEvent[]) =>
      list.map((event) => [event.type, event.resource?.ref, event.resource?.data]);
    assert.deepEqual(summary(replayed), summary(events));
    const loadedPods = batch.resources!.filter((resource) => resource.ref.kind === 'Pod');
    const byName = new Map(replayed.map((event) => [event.resource?.ref.name, event.resource]));
    for (const resource of loadedPods) {
      assert.deepEqual(byName.get(resource.ref.name)?.data, resource.data);
    }
  });

  it('should stop a sequence at its first failing batch', async () => {
    const store = await tempStore();
    const sequence = {};
    const batches: LoadBatch[] = [
      { resources: [{ ref: pod('one') }] },
      { resources: [{ ref: pod('two'), labels: { 'bad key!': 'x' } }] },
      { resources: [{ ref: pod('three') }] },
    ];
    const results = await Promise.allSettled(batches.map((batch) => store.load(batch, { sequence })));
    assert.deepEqual(
      results.map((result) => result.status),
      ['fulfilled', 'rejected', 'rejected'],
    );
    const refs = store.list({ type: { kind: 'Pod' } }).items.map((item): ResourceRef => item.ref);
    assert.deepEqual(
      refs.map((ref) => ref.name),
      ['one'],
    );
  });
});
