import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openStore } from '../../src/store/index.ts';
import { apps, codeOf, node, pod, tempDir, tempStore } from './helpers.ts';

describe('resources', () => {
  it('should add a resource at version 1 with a generated uid and timestamps', async () => {
    const store = await tempStore();
    const { resource, changed, revision } = await store.add({
      ref: pod('a'),
      labels: { app: 'web' },
      data: { x: 1 },
    });
    assert.equal(changed, true);
    assert.equal(resource.version, 1);
    assert.equal(resource.revision, revision);
    assert.match(resource.uid, /^[0-9a-f-]{36}$/);
    assert.equal(resource.createdAt, resource.updatedAt);
    assert.equal(resource.deletedAt, null);
    assert.deepEqual(store.get(pod('a'))?.data, { x: 1 });
    assert.deepEqual(store.getByUid(resource.uid)?.ref, pod('a'));
  });

  it('should default group and namespace to the empty string', async () => {
    const store = await tempStore();
    await store.add({ ref: { version: 'v1', kind: 'Node', name: 'n1' } });
    assert.ok(store.get(node('n1')));
    assert.ok(store.get({ group: '', version: 'v1', kind: 'Node', namespace: '', name: 'n1' }));
  });

  it('should reject a second add of the same ref with ALREADY_EXISTS', async () => {
    const store = await tempStore();
    await store.add({ ref: pod('a') });
    assert.equal(await codeOf(store.add({ ref: pod('a') })), 'ALREADY_EXISTS');
  });

  it('should reject a second resource with the same uid', async () => {
    const store = await tempStore();
    await store.add({ ref: pod('a'), uid: 'u-1' });
    await assert.rejects(store.add({ ref: pod('b'), uid: 'u-1' }), {
      code: 'ALREADY_EXISTS',
      details: { field: 'resource.uid' },
    });
    assert.equal(store.get(pod('b')), null);
  });

  it('should update with the expected version and bump version and revision', async () => {
    const store = await tempStore();
    const created = await store.add({ ref: pod('a'), labels: { app: 'web' } });
    const updated = await store.update({ ref: pod('a'), labels: { app: 'api' } }, 1);
    assert.equal(updated.resource.version, 2);
    assert.equal(updated.revision, created.revision + 1);
    assert.equal(updated.resource.uid, created.resource.uid);
    assert.equal(updated.resource.createdAt, created.resource.createdAt);
    assert.deepEqual(store.get(pod('a'))?.labels, { app: 'api' });
    assert.deepEqual(store.list({ labelSelector: 'app=web' }).items, []);
    assert.deepEqual(store.checkIntegrity(), []);
  });

  it('should fail an update with a stale version with VERSION_CONFLICT carrying the current version', async () => {
    const store = await tempStore();
    await store.add({ ref: pod('a') });
    await store.update({ ref: pod('a'), data: 1 }, 1);
    await assert.rejects(
      store.update({ ref: pod('a'), data: 2 }, 1),
      (error: { code: string; details: object }) => {
        assert.equal(error.code, 'VERSION_CONFLICT');
        assert.deepEqual(error.details, { currentVersion: 2 });
        return true;
      },
    );
    assert.equal(store.get(pod('a'))?.data, 1);
  });

  it('should fail an update of a missing resource with NOT_FOUND', async () => {
    const store = await tempStore();
    assert.equal(await codeOf(store.update({ ref: pod('missing') }, 1)), 'NOT_FOUND');
  });

  it('should keep the version and revision when an update or apply changes nothing', async () => {
    const store = await tempStore();
    await store.add({ ref: pod('a'), labels: { a: '1', b: '2' }, data: { x: { y: [1, 2] }, z: 'q' } });
    const before = store.revision;
    const same = await store.update(
      { ref: pod('a'), labels: { b: '2', a: '1' }, data: { z: 'q', x: { y: [1, 2] } } },
      1,
    );
    assert.equal(same.changed, false);
    assert.equal(same.resource.version, 1);
    const applied = await store.apply({
      ref: pod('a'),
      labels: { a: '1', b: '2' },
      data: { x: { y: [1, 2] }, z: 'q' },
    });
    assert.equal(applied.changed, false);
    assert.equal(store.revision, before);
  });

  it('should create on apply when absent and replace when present', async () => {
    const store = await tempStore();
    const created = await store.apply({ ref: pod('a'), data: 1 });
    assert.equal(created.resource.version, 1);
    const replaced = await store.apply({ ref: pod('a'), data: 2 }, 1);
    assert.equal(replaced.resource.version, 2);
    assert.equal(await codeOf(store.apply({ ref: pod('a'), data: 3 }, 1)), 'VERSION_CONFLICT');
    assert.equal(await codeOf(store.apply({ ref: pod('b'), data: 3 }, 4)), 'NOT_FOUND');
  });

  it('should refuse to change a uid', async () => {
    const store = await tempStore();
    await store.add({ ref: pod('a'), uid: 'one' });
    assert.equal(await codeOf(store.apply({ ref: pod('a'), uid: 'two' })), 'BAD_USER_INPUT');
    assert.equal((await store.apply({ ref: pod('a'), uid: 'one', data: 1 })).resource.version, 2);
  });

  it('should delete with an optional version precondition', async () => {
    const store = await tempStore();
    await store.add({ ref: pod('a') });
    await store.update({ ref: pod('a'), data: 1 }, 1);
    assert.equal(await codeOf(store.delete(pod('a'), 1)), 'VERSION_CONFLICT');
    const { deleted } = await store.delete(pod('a'), 2);
    assert.ok(deleted.deletedAt);
    assert.equal(store.get(pod('a')), null);
    assert.equal(store.getByUid(deleted.uid), null);
    assert.equal(await codeOf(store.delete(pod('a'))), 'NOT_FOUND');
  });

  it("should never mutate the caller's objects or share them with the store", async () => {
    const store = await tempStore();
    const labels = { app: 'web' };
    const data = { spec: { containers: [{ name: 'c' }] } };
    const input = { ref: pod('a'), labels, data };
    const snapshot = structuredClone(input);
    await store.add(input);
    assert.deepEqual(input, snapshot);
    data.spec.containers[0]!.name = 'changed';
    labels.app = 'changed';
    assert.deepEqual(store.get(pod('a'))?.data, { spec: { containers: [{ name: 'c' }] } });
    const read = store.get(pod('a'))!;
    read.labels.app = 'mutated';
    assert.equal(store.get(pod('a'))?.labels.app, 'web');
  });

  it('should let exactly one of many concurrent updates with the same expected version win', async () => {
    const store = await tempStore();
    await store.add({ ref: pod('a') });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => store.update({ ref: pod('a'), data: i }, 1)),
    );
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.filter((o) => o.status === 'rejected');
    assert.equal(won.length, 1);
    assert.ok(lost.every((o) => (o as PromiseRejectedResult).reason.code === 'VERSION_CONFLICT'));
    assert.equal(store.get(pod('a'))?.version, 2);
  });

  it('should lose no update when concurrent writers retry on conflict', async () => {
    const store = await tempStore();
    await store.add({ ref: pod('counter'), data: 0 });
    const increment = async () => {
      for (;;) {
        const current = store.get(pod('counter'))!;
        try {
          await store.update({ ref: pod('counter'), data: (current.data as number) + 1 }, current.version);
          return;
        } catch (error) {
          if ((error as { code?: string }).code !== 'VERSION_CONFLICT') throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: 20 }, increment));
    const final = store.get(pod('counter'))!;
    assert.equal(final.data, 20);
    assert.equal(final.version, 21);
  });

  describe('input validation', () => {
    const invalid: [string, object][] = [
      ['an empty kind', { ref: { version: 'v1', kind: '', name: 'a' } }],
      ['an empty name', { ref: { version: 'v1', kind: 'Pod', name: '' } }],
      ['an empty version', { ref: { version: '', kind: 'Pod', name: 'a' } }],
      ['a name over 253 bytes', { ref: { version: 'v1', kind: 'Pod', name: 'x'.repeat(254) } }],
      ['a multi-byte name over 253 bytes', { ref: { version: 'v1', kind: 'Pod', name: 'é'.repeat(127) } }],
      ['a NUL in a name', { ref: { version: 'v1', kind: 'Pod', name: 'a\u0000b' } }],
      [
        'a control character in a namespace',
        { ref: { version: 'v1', kind: 'Pod', namespace: 'a\nb', name: 'a' } },
      ],
      ['a lone surrogate', { ref: { version: 'v1', kind: 'Pod', name: 'a\ud800' } }],
      ['a non-string kind', { ref: { version: 'v1', kind: 5, name: 'a' } }],
      ['a missing ref', {}],
      ['an invalid label key', { ref: pod('a'), labels: { 'bad key': 'x' } }],
      ['a label value over 63 characters', { ref: pod('a'), labels: { a: 'x'.repeat(64) } }],
      ['a non-string annotation', { ref: pod('a'), annotations: { a: 1 } }],
      ['a non-JSON number in data', { ref: pod('a'), data: { x: Number.NaN } }],
      ['a function in data', { ref: pod('a'), data: { f: () => 1 } }],
      ['a Date in data', { ref: pod('a'), data: { d: new Date() } }],
      ['an empty uid', { ref: pod('a'), uid: '' }],
      ['a uid over 128 bytes', { ref: pod('a'), uid: 'u'.repeat(129) }],
    ];
    for (const [what, input] of invalid) {
      it(`should reject ${what} with BAD_USER_INPUT and write nothing`, async () => {
        const store = await tempStore();
        const before = store.revision;
        assert.equal(await codeOf(store.add(input as never)), 'BAD_USER_INPUT');
        assert.equal(store.revision, before);
        assert.equal(store.list().items.length, 0);
      });
    }

    it('should accept the longest valid ref and labels (keys stay within LMDB limits)', async () => {
      const store = await tempStore();
      const ref = {
        group: 'g'.repeat(253),
        version: 'v'.repeat(128),
        kind: 'K'.repeat(128),
        namespace: 'n'.repeat(253),
        name: 'x'.repeat(253),
      };
      const labels = { [`${'p'.repeat(253)}/${'k'.repeat(63)}`]: 'v'.repeat(63) };
      await store.add({ ref, labels });
      assert.equal(store.list({ labelSelector: `${'p'.repeat(253)}/${'k'.repeat(63)}` }).items.length, 1);
      await store.addRelationships([
        { subject: ref, predicate: { type: 'T' }, object: { ...ref, name: 'y'.repeat(253) } },
      ]);
      assert.equal(store.relationships({ subject: ref }).items.length, 1);
      await store.delete(ref);
    });

    it('should reject a data payload that fails a registered schema', async () => {
      const store = await tempStore({
        types: {
          resources: [
            {
              kind: 'Widget',
              schema: { type: 'object', required: ['size'], properties: { size: { type: 'integer' } } },
            },
          ],
        },
      });
      const widget = { group: 'example.com', version: 'v1', kind: 'Widget', name: 'w' };
      await assert.rejects(
        store.add({ ref: widget, data: { size: 'big' } }),
        (error: { code: string; message: string }) => {
          assert.equal(error.code, 'BAD_USER_INPUT');
          assert.match(error.message, /size/);
          return true;
        },
      );
      await store.add({ ref: widget, data: { size: 3 } });
    });
  });

  describe('persistence', () => {
    it('should keep resources, relationships and the revision across close and reopen', async () => {
      const path = tempDir();
      const first = await openStore({ path });
      await first.add({ ref: apps('Deployment', 'd'), labels: { app: 'web' } });
      await first.add({ ref: pod('p') });
      await first.addRelationships([
        { subject: apps('Deployment', 'd'), predicate: { type: 'Manages' }, object: pod('p') },
      ]);
      const revision = first.revision;
      await first.close();
      await first.close();
      assert.equal(await codeOf(() => first.get(pod('p'))), 'STORE_CLOSED');
      assert.equal(await codeOf(first.add({ ref: pod('q') })), 'STORE_CLOSED');

      const second = await openStore({ path });
      try {
        assert.equal(second.revision, revision);
        assert.deepEqual(second.get(apps('Deployment', 'd'))?.labels, { app: 'web' });
        assert.equal(second.relationships({ object: pod('p') }).items.length, 1);
        assert.equal(second.list({ labelSelector: 'app=web' }).items.length, 1);
        const next = await second.update({ ref: pod('p'), data: 1 }, 1);
        assert.equal(next.revision, revision + 1);
      } finally {
        await second.close();
      }
    });

    it('should wait for in-flight writes before closing', async () => {
      const store = await openStore({ inMemory: true });
      const writes = Array.from({ length: 100 }, (_, i) => store.add({ ref: pod(`p${i}`) }));
      await store.close();
      const outcomes = await Promise.allSettled(writes);
      assert.ok(outcomes.every((o) => o.status === 'fulfilled'));
    });
  });
});
