/**
 * The streamed import reads its objects twice and must end exactly where `importObjects` ends: the
 * same resources, relationships, summary and a clean integrity check.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ImportProgress } from '../../src/ingest/index.ts';
import { generateCluster } from '../../src/k8s/generate.ts';
import { importObjects } from '../../src/k8s/import.ts';
import { importObjectStream } from '../../src/k8s/stream.ts';
import { isStoreError, type JsonObject, type Store } from '../../src/store/index.ts';
import { allRelationships, memoryStore } from './helpers.ts';

const options = { nodes: 3, deployments: 12, pvcs: 3, seed: 11 };

/** Every stored resource and relationship, without timestamps and revisions. */
function contents(store: Store) {
  const resources = store
    .list({ limit: 10_000 })
    .items.map(({ ref, uid, labels, data }) => ({ ref, uid, labels, data }));
  const relationships = allRelationships(store).map(({ subject, predicate, object }) => ({
    subject,
    predicate,
    object,
  }));
  return { resources, relationships };
}

const pod = (name: string, uid: string, extra: JsonObject = {}): JsonObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', uid },
  spec: { nodeName: 'n1' },
  ...extra,
});

describe('importObjectStream', () => {
  it('should import what importObjects imports, without holding the dump', async () => {
    const [streamed, whole] = [await memoryStore(), await memoryStore()];
    const progress: ImportProgress[] = [];
    let passes = 0;
    const summary = await importObjectStream(
      streamed,
      () => {
        passes++;
        return generateCluster(options);
      },
      { batchSize: 7, onProgress: (p) => progress.push(p) },
    );
    const expected = await importObjects(whole, generateCluster(options), { batchSize: 7 });
    assert.equal(passes, 2);
    assert.deepEqual(contents(streamed), contents(whole));
    assert.deepEqual({ ...summary, revision: 0 }, { ...expected, revision: 0 });
    assert.deepEqual(streamed.checkIntegrity(), []);
    assert.deepEqual(
      progress.map((p) => p.objects),
      progress.map((_, i) => Math.min((i + 1) * 7, expected.objects)),
    );
    assert.ok(progress.every((p) => p.totalObjects === expected.objects));
  });

  it('should replace objects stored under another uid, and changes nothing when run again', async () => {
    const store = await memoryStore();
    await importObjects(store, [pod('web-0', 'old-uid')]);
    const objects = [pod('web-0', 'new-uid'), pod('web-1', 'u-1')];
    const summary = await importObjectStream(store, () => objects);
    assert.equal(summary.replacedObjects, 1);
    assert.equal(
      store.get({ version: 'v1', kind: 'Pod', namespace: 'default', name: 'web-0' })?.uid,
      'new-uid',
    );
    const again = await importObjectStream(store, () => objects);
    assert.equal(again.changedObjects, 0);
    assert.equal(again.revision, summary.revision);
  });

  it('should write nothing when an object is malformed', async () => {
    const store = await memoryStore();
    const objects = [pod('a', 'u-a'), { apiVersion: 'v1', kind: 'Pod', metadata: {} }];
    await assert.rejects(
      importObjectStream(store, () => objects),
      /objects\[1\]: metadata\.name/,
    );
    assert.equal(store.count(), 0);
  });

  it('should keep the batches before a failing batch and names the object at fault', async () => {
    const store = await memoryStore();
    await store.add({
      ref: { version: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'x' },
      uid: 'taken',
    });
    const objects = Array.from({ length: 12 }, (_, i) => pod(`p${i}`, i === 5 ? 'taken' : `u-${i}`));
    await assert.rejects(
      importObjectStream(store, () => objects, { batchSize: 2 }),
      (error: unknown) => {
        assert.ok(isStoreError(error, 'ALREADY_EXISTS'));
        assert.match(error.message, /^objects\[5\]: .*; 4 objects before it were imported\)$/);
        return true;
      },
    );
    assert.equal(store.count({ type: { kind: 'Pod' } }), 4);
  });
});
