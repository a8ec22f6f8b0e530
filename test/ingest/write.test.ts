import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CLUSTER_LABEL,
  checkImportOptions,
  emptySummary,
  type ImportItem,
  type ImportProgress,
  writeItems,
} from '../../src/ingest/index.ts';
import { isStoreError, type ResourceRef } from '../../src/store/index.ts';
import { memoryStore } from '../k8s/helpers.ts';

const pod = (name: string): ResourceRef => ({ group: '', version: 'v1', kind: 'Pod', namespace: 'a', name });
const node: ResourceRef = { group: '', version: 'v1', kind: 'Node', namespace: '', name: 'n1' };

/** A Pod bound to the node, from source `name`. */
function item(name: string, uid: string | null = null, predicate = 'RunsOn'): ImportItem {
  return {
    source: `items: ${name}`,
    resource: { ref: pod(name), uid, labels: {} },
    relationships: [{ subject: pod(name), predicate: { type: predicate }, object: node }],
  };
}

describe('writeItems', () => {
  it('should write batches of items in order and report progress after each', async () => {
    const store = await memoryStore();
    const progress: ImportProgress[] = [];
    const items = ['p1', 'p2', 'p3', 'p4', 'p5'].map((name) => item(name));
    const summary = await writeItems(
      store,
      items,
      { batchSize: 2, onProgress: (p) => progress.push(p), cluster: 'east' },
      emptySummary([], [], store.revision),
    );
    assert.deepEqual(
      progress.map(({ objects, totalObjects }) => [objects, totalObjects]),
      [
        [2, 5],
        [4, 5],
        [5, 5],
      ],
    );
    assert.deepEqual(
      progress.map(({ revision }) => revision),
      [1, 2, 3],
    );
    assert.equal(summary.objects, 5);
    assert.deepEqual(summary.objectsByKind, { Pod: 5 });
    assert.deepEqual(summary.relationshipsByPredicate, { RunsOn: 5 });
    assert.equal(summary.revision, store.revision);
    assert.equal(store.get(pod('p5'))?.labels[CLUSTER_LABEL], 'east');
  });

  it('should write nothing of a batch the store rejects, keep the batches before it and name the source', async () => {
    const store = await memoryStore();
    const items = [item('p1'), item('p2'), item('p3', null, 'not a type!'), item('p4')];
    await assert.rejects(
      writeItems(store, items, { batchSize: 2 }, emptySummary([], [], store.revision)),
      (error: unknown) => {
        assert.ok(isStoreError(error));
        assert.equal(error.code, 'BAD_USER_INPUT');
        assert.match(error.message, /^items: p3: /);
        assert.match(error.message, /nothing of this batch was written; 2 objects before it were imported/);
        return true;
      },
    );
    assert.deepEqual(
      ['p1', 'p2', 'p3', 'p4'].map((name) => store.get(pod(name)) !== null),
      [true, true, false, false],
    );
  });

  it('should replace a stored resource that an item holds under another uid', async () => {
    const store = await memoryStore();
    await store.add({ ref: pod('p1'), uid: 'old' });
    const summary = await writeItems(store, [item('p1', 'new')], {}, emptySummary([], [], store.revision));
    assert.equal(summary.replacedObjects, 1);
    assert.equal(store.get(pod('p1'))?.uid, 'new');
  });
});

describe('checkImportOptions', () => {
  it('should default the batch size and reject a bad one or a cluster that is not a label value', () => {
    assert.deepEqual(checkImportOptions({}), { batchSize: 500, clusterLabels: {} });
    assert.throws(() => checkImportOptions({ batchSize: 0 }), /batchSize: must be a positive integer/);
    assert.throws(
      () => checkImportOptions({ cluster: 'not valid!' }),
      /it becomes the label resource-store\/cluster/,
    );
  });
});
