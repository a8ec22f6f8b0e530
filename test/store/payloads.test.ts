/**
 * Payloads apart from metadata: reads of metadata alone never touch a payload, the stored JSON text is
 * handed out as it is, every logged state keeps its payload while the log holds it, and compaction
 * leaves none behind.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openDatabases } from '../../src/store/db.ts';
import { openStore, type ResourceEvent } from '../../src/store/index.ts';
import { payloadKey, refKey } from '../../src/store/keys.ts';
import { codeOf, pod, take, tempDir, tempStore } from './helpers.ts';

/** Overwrites the stored payload of `ref`'s state at `revision` with bytes that are not JSON. */
async function corruptPayload(path: string, ref: ReturnType<typeof pod>, revision: number): Promise<void> {
  const dbs = openDatabases(path);
  try {
    await dbs.payloads.put(payloadKey(refKey(ref), revision), Buffer.from('{not json'));
  } finally {
    await dbs.env.close();
  }
}

describe('resource payloads', () => {
  it('should read metadata alone without reading the payload, and the payload with it otherwise', async () => {
    const path = tempDir();
    const store = await openStore({ path });
    try {
      const { revision } = await store.add({
        ref: pod('a'),
        labels: { app: 'x' },
        data: { big: 'x'.repeat(5000) },
      });
      await corruptPayload(path, pod('a'), revision);
      const read = store.get(pod('a'), { data: false });
      assert.equal(read?.labels.app, 'x');
      assert.equal('data' in read!, false);
      assert.equal(store.list({ type: { kind: 'Pod' } }, { data: false }).items[0]?.version, 1);
      assert.equal(store.getByUid(read!.uid, { data: false })?.revision, revision);
      assert.equal(store.getMany([pod('a')], { data: false })[0]?.uid, read!.uid);
      assert.throws(() => store.get(pod('a')), SyntaxError, 'a whole read parses the payload');
      assert.throws(() => store.list({ type: { kind: 'Pod' } }), SyntaxError);
    } finally {
      await store.close();
    }
  });

  it('should hand out the stored JSON text of a state', async () => {
    const store = await tempStore();
    const data = { spec: { containers: [{ name: 'c', image: 'i' }] }, n: 1.5, s: 'é\u2028' };
    await store.add({ ref: pod('a'), data });
    await store.add({ ref: pod('empty') });
    const read = store.get(pod('a'), { data: false })!;
    assert.equal(store.storedJson(read), JSON.stringify(data));
    assert.deepEqual(store.get(pod('a'))!.data, data);
    assert.equal(store.storedJson(store.get(pod('empty'), { data: false })!), 'null');
    assert.equal(store.get(pod('empty'))!.data, null);
  });

  it("should keep each logged state's payload, also of a resource written twice in one commit", async () => {
    const store = await tempStore();
    const watch = store.watch({ since: 0 });
    await store.add({ ref: pod('a'), data: { step: 0 } });
    await store.transaction([
      { op: 'update', resource: { ref: pod('a'), data: { step: 1 } }, expectedVersion: 1 },
      { op: 'update', resource: { ref: pod('a'), data: { step: 2 } }, expectedVersion: 2 },
      { op: 'delete', ref: pod('a') },
      { op: 'add', resource: { ref: pod('a'), data: { step: 3 } } },
    ]);
    const live = await take(watch, 5);
    await watch.return();
    const replayed = await take(store.watch({ since: 0 }), 5);
    for (const events of [live, replayed]) {
      assert.deepEqual(
        events.map((e: ResourceEvent) => [e.type, e.resource?.data, e.previous?.data ?? null]),
        [
          ['ADDED', { step: 0 }, null],
          ['UPDATED', { step: 1 }, { step: 0 }],
          ['UPDATED', { step: 2 }, { step: 1 }],
          ['DELETED', { step: 2 }, { step: 2 }],
          ['ADDED', { step: 3 }, null],
        ],
      );
    }
    assert.deepEqual(store.checkIntegrity(), []);
  });

  it('should remove replaced payloads with the log entries that replaced them', async () => {
    const path = tempDir();
    const store = await openStore({ path, retention: { minRevisions: 0, minAgeMs: 0, intervalMs: 0 } });
    try {
      await store.add({ ref: pod('a'), data: { v: 1 } });
      const old = store.get(pod('a'), { data: false })!;
      for (let v = 2; v <= 10; v++) await store.apply({ ref: pod('a'), data: { v } });
      await store.add({ ref: pod('b'), data: { v: 1 } });
      await store.delete(pod('b'));
      assert.deepEqual(store.checkIntegrity(), []);
      assert.equal(await store.compact(), 12);
      assert.deepEqual(store.checkIntegrity(), []);
      assert.equal(await codeOf(() => store.storedJson(old)), 'REVISION_COMPACTED');
      assert.deepEqual(store.get(pod('a'))!.data, { v: 10 });
    } finally {
      await store.close();
    }
    const dbs = openDatabases(path);
    try {
      assert.equal(dbs.payloads.getKeysCount(), 1, 'only the current payload is left');
    } finally {
      await dbs.env.close();
    }
  });
});
