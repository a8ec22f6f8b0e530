import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CLUSTER_LABEL, type ImportProgress } from '../../src/ingest/index.ts';
import { PREDICATES } from '../../src/k8s/derive.ts';
import { generateCluster } from '../../src/k8s/generate.ts';
import { importFiles, importObjects } from '../../src/k8s/import.ts';
import { isStoreError, type JsonObject } from '../../src/store/index.ts';
import { allRelationships, countBy, memoryStore } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'k8s-import-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a file into the test directory and returns its path. */
function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const pod = (name: string, uid: string, extra: JsonObject = {}): JsonObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', uid },
  spec: { nodeName: 'n1' },
  ...extra,
});

describe('importObjects', () => {
  it('should store every object with its derived relationships, and says so in the summary', async () => {
    const store = await memoryStore();
    const objects = [...generateCluster({ nodes: 3, deployments: 8, pvcs: 3, seed: 3 })];
    const summary = await importObjects(store, objects, { batchSize: 16 });
    assert.equal(store.count(), objects.length);
    assert.equal(summary.objects, objects.length);
    assert.equal(summary.changedObjects, objects.length);
    assert.deepEqual(
      summary.objectsByKind,
      countBy(objects, (o) => (o.apiVersion === 'v1' ? `${o.kind}` : `${o.kind}.apps`)),
    );
    const stored = allRelationships(store);
    assert.equal(summary.relationships, stored.length);
    assert.deepEqual(
      summary.relationshipsByPredicate,
      countBy(stored, (r) => r.predicate.type),
    );
    assert.deepEqual(summary.danglingOwnerReferences, []);
    assert.equal(summary.revision, store.revision);
    const deployment = store.list({ type: { kind: 'Deployment' }, limit: 1 }).items[0]!;
    assert.equal(deployment.dataType, 'k8s.io/api/apps/v1.Deployment');
    assert.deepEqual(
      deployment.data,
      objects.find((o) => o.kind === 'Deployment'),
    );
  });

  it('should change nothing when the same objects are imported again', async () => {
    const store = await memoryStore();
    const objects = [...generateCluster({ deployments: 5, seed: 4 })];
    await importObjects(store, objects, { batchSize: 7 });
    const revision = store.revision;
    const again = await importObjects(store, objects, { batchSize: 3 });
    assert.equal(store.revision, revision);
    assert.equal(again.revision, revision);
    assert.equal(again.changedObjects, 0);
    assert.equal(again.changedRelationships, 0);
  });

  it('should commit in batches and reports progress after each', async () => {
    const store = await memoryStore();
    const objects = [...generateCluster({ deployments: 4, seed: 5 })];
    const progress: ImportProgress[] = [];
    await importObjects(store, objects, { batchSize: 10, onProgress: (p) => progress.push(p) });
    assert.equal(progress.length, Math.ceil(objects.length / 10));
    assert.deepEqual(
      progress.map((p) => p.objects),
      progress.map((_, i) => Math.min((i + 1) * 10, objects.length)),
    );
    assert.ok(progress.every((p, i) => i === 0 || p.revision === progress[i - 1]!.revision + 1));
  });

  it('should reject an object whose ref the store cannot take before writing anything', async () => {
    const store = await memoryStore();
    const objects = [pod('a', 'u-a'), pod('x'.repeat(300), 'u-x')];
    await assert.rejects(
      importObjects(store, objects),
      /^StoreError: objects\[1\]: ref\.name: must be at most 253 bytes/,
    );
    assert.equal(store.count(), 0);
  });

  it('should write nothing of a failing batch and names the object at fault', async () => {
    const store = await memoryStore();
    const huge = {
      metadata: { name: 'd', namespace: 'default', uid: 'u-d', annotations: { big: 'x'.repeat(300_000) } },
    };
    const objects = [pod('a', 'u-a'), pod('b', 'u-b'), pod('c', 'u-c'), pod('d', 'u-d', huge)];
    await assert.rejects(importObjects(store, objects, { batchSize: 2 }), (error: unknown) => {
      assert.ok(isStoreError(error, 'BAD_USER_INPUT'));
      assert.match(
        error.message,
        /^objects\[3\]: .*annotations.*nothing of this batch was written; 2 objects before it/,
      );
      return true;
    });
    assert.deepEqual(
      store.list().items.map((r) => r.ref.name),
      ['a', 'b'],
    );
  });

  it('should keep the batches before a batch that fails in flight, and writes none after it', async () => {
    const store = await memoryStore();
    await store.add({
      ref: { version: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'x' },
      uid: 'taken',
    });
    const objects = Array.from({ length: 16 }, (_, i) => pod(`p${i}`, i === 7 ? 'taken' : `u-${i}`));
    const progress: ImportProgress[] = [];
    const onProgress = (p: ImportProgress) => progress.push(p);
    await assert.rejects(importObjects(store, objects, { batchSize: 2, onProgress }), (error: unknown) => {
      assert.ok(isStoreError(error, 'ALREADY_EXISTS'));
      assert.match(
        error.message,
        /^objects\[7\]: .*uid taken is already used.*; 6 objects before it were imported\)$/,
      );
      return true;
    });
    assert.deepEqual(
      progress.map((p) => p.objects),
      [2, 4, 6],
    );
    assert.deepEqual(
      store.list({ type: { kind: 'Pod' } }).items.map((r) => r.ref.name),
      ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'],
    );
    assert.deepEqual(store.checkIntegrity(), []);
  });

  it('should keep the batches before a batch whose object fails its checks, and writes none after it', async () => {
    const store = await memoryStore();
    const big = {
      metadata: { name: 'p9', namespace: 'default', uid: 'u-9', annotations: { a: 'x'.repeat(300_000) } },
    };
    const objects = Array.from({ length: 16 }, (_, i) => pod(`p${i}`, `u-${i}`, i === 9 ? big : {}));
    await assert.rejects(
      importObjects(store, objects, { batchSize: 3 }),
      /^StoreError: objects\[9\]: .*annotations.*; 9 objects before it were imported\)$/,
    );
    assert.equal(store.count({ type: { kind: 'Pod' } }), 9);
    assert.deepEqual(store.checkIntegrity(), []);
  });

  it('should reject a malformed object before writing anything', async () => {
    const store = await memoryStore();
    const objects = [pod('a', 'u-a'), { apiVersion: 'v1', kind: 'Pod', metadata: {} }];
    await assert.rejects(
      importObjects(store, objects),
      /objects\[1\]: metadata\.name must be a non-empty string/,
    );
    assert.equal(store.count(), 0);
  });

  it('should replace an object recreated under a new uid, with fresh relationships', async () => {
    const store = await memoryStore();
    await importObjects(store, [pod('web-0', 'old-uid')]);
    const summary = await importObjects(store, [pod('web-0', 'new-uid', { spec: { nodeName: 'n2' } })]);
    assert.equal(summary.replacedObjects, 1);
    assert.equal(
      store.get({ version: 'v1', kind: 'Pod', namespace: 'default', name: 'web-0' })?.uid,
      'new-uid',
    );
    assert.deepEqual(
      allRelationships(store).map((r) => r.object.name),
      ['n2'],
    );
  });

  it('should resolve owners imported earlier through the store, so they are not dangling', async () => {
    const store = await memoryStore();
    const [node, , , , deployment, replicaSet] = [...generateCluster({ deployments: 1, pvcs: 0, seed: 6 })];
    assert.equal(deployment?.kind, 'Deployment');
    await importObjects(store, [node!, deployment!]);
    const summary = await importObjects(store, [replicaSet!]);
    assert.deepEqual(summary.danglingOwnerReferences, []);
    const [edge] = allRelationships(store, { predicateType: PREDICATES.ownerReference });
    assert.equal(edge?.subject.kind, 'Deployment');
  });

  it('should label every resource with the cluster name when one is given', async () => {
    const store = await memoryStore();
    await importObjects(store, [pod('a', 'u-a')], { cluster: 'prod-eu' });
    assert.equal(store.count({ labelSelector: `${CLUSTER_LABEL}=prod-eu` }), 1);
    await assert.rejects(importObjects(store, [], { cluster: 'not valid' }), /cluster: /);
  });
});

describe('importFiles', () => {
  it('should read a JSON List, a single JSON object and multi-document YAML in one import', async () => {
    const store = await memoryStore();
    const list = file(
      'list.json',
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [pod('a', 'u-a')] }),
    );
    const single = file('single.json', JSON.stringify(pod('b', 'u-b')));
    const yaml = file(
      'pods.yaml',
      '---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: c\n  namespace: default\n  uid: u-c\n---\n' +
        'apiVersion: v1\nkind: PodList\nitems:\n- metadata:\n    name: d\n    namespace: default\n    uid: u-d\n',
    );
    const summary = await importFiles(store, [list, single, yaml]);
    assert.equal(summary.objects, 4);
    assert.deepEqual(
      store.list().items.map((r) => r.ref.name),
      ['a', 'b', 'c', 'd'],
    );
  });

  const malformed: Array<[string, string, RegExp]> = [
    [
      'broken.json',
      '{\n  "kind": "List",\n  "items": [\n    {"a": 1,}\n  ]\n}',
      /broken\.json: invalid JSON at line 4, column 13/,
    ],
    ['truncated.json', '{"kind": "List", "items": [', /truncated\.json: invalid JSON at line 1, column 28/],
    [
      'broken.yaml',
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: [a\n',
      /broken\.yaml: invalid YAML at line \d+, column \d+/,
    ],
    [
      'object.yaml',
      'apiVersion: v1\nkind: Pod\n---\nkind: Pod\n',
      /object\.yaml: document 1 \(line 1\): metadata must be an object/,
    ],
  ];
  for (const [name, content, pattern] of malformed) {
    it(`should name the file and position of malformed input (${name})`, async () => {
      const store = await memoryStore();
      await assert.rejects(importFiles(store, [file(name, content)]), (error: unknown) => {
        assert.ok(isStoreError(error, 'BAD_USER_INPUT'));
        assert.match(error.message, pattern);
        return true;
      });
      assert.equal(store.count(), 0);
    });
  }

  it('should name a file that cannot be read', async () => {
    const store = await memoryStore();
    await assert.rejects(
      importFiles(store, [join(dir, 'missing.json')]),
      /missing\.json: cannot be read \(ENOENT\)/,
    );
  });
});
