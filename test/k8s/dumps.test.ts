/**
 * Imports the real cluster dumps kept beside the project (`../shared/k8s/`) and checks the result
 * against what this test computes from the raw JSON on its own. Skipped when the dumps are absent.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ImportSummary } from '../../src/ingest/index.ts';
import { PREDICATES } from '../../src/k8s/derive.ts';
import { importFiles } from '../../src/k8s/import.ts';
import { openStore, type ResourceRef, type Store } from '../../src/store/index.ts';
import { allRelationships } from './helpers.ts';

interface RawObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; uid: string; ownerReferences?: { uid: string }[] };
}

const DUMPS = ['kind.json', 'openshift-metal.json'];

/** Descendants of `root` over ownerReferences, computed from the raw objects (uids). */
function rawDescendants(root: string, dependentsOf: Map<string, string[]>): Set<string> {
  const seen = new Set<string>();
  const queue = [root];
  while (queue.length > 0) {
    for (const child of dependentsOf.get(queue.shift()!) ?? []) {
      if (seen.has(child)) continue;
      seen.add(child);
      queue.push(child);
    }
  }
  return seen;
}

/** Descendants of `root` following OwnerReference triplets in the store (uids of stored resources). */
function storedDescendants(store: Store, root: ResourceRef): Set<string> {
  const seen = new Map<string, ResourceRef>();
  const queue = [root];
  while (queue.length > 0) {
    const subject = queue.shift()!;
    for (const { object } of allRelationships(store, { subject, predicateType: PREDICATES.ownerReference })) {
      const key = JSON.stringify(object);
      if (seen.has(key)) continue;
      seen.set(key, object);
      queue.push(object);
    }
  }
  return new Set([...seen.values()].map((ref) => store.get(ref)?.uid ?? `missing ${JSON.stringify(ref)}`));
}

for (const dump of DUMPS) {
  const path = fileURLToPath(new URL(`../../../shared/k8s/${dump}`, import.meta.url));
  const skip = existsSync(path) ? false : `${path} is absent: the real cluster dumps live beside the project`;

  describe(`importing the real dump ${dump}`, { skip }, () => {
    const raw = skip ? [] : (JSON.parse(readFileSync(path, 'utf8')).items as RawObject[]);
    const ownerReferences = raw.flatMap((o) =>
      (o.metadata.ownerReferences ?? []).map((r) => ({ owner: r.uid, dependent: o.metadata.uid })),
    );
    const dependentsOf = new Map<string, string[]>();
    for (const { owner, dependent } of ownerReferences)
      dependentsOf.set(owner, [...(dependentsOf.get(owner) ?? []), dependent]);
    let store: Store;
    let summary: ImportSummary;
    before(async () => {
      store = await openStore({ inMemory: true });
      summary = await importFiles(store, [path], { batchSize: 400 });
    });
    after(() => store?.close());

    it('should import every object under its uid and ref', () => {
      assert.equal(summary.objects, raw.length);
      assert.equal(store.count(), raw.length);
      for (const object of raw) {
        const resource = store.getByUid(object.metadata.uid);
        assert.equal(resource?.ref.name, object.metadata.name);
        assert.equal(resource?.ref.namespace, object.metadata.namespace ?? '');
        assert.equal(resource?.ref.kind, object.kind);
      }
      assert.deepEqual(summary.warnings, []);
    });

    it('should turn every ownerReference into exactly one OwnerReference triplet between the right resources', () => {
      const page = store.relationships({ predicateType: PREDICATES.ownerReference }, { limit: 10_000 });
      assert.equal(page.hasNextPage, false);
      assert.equal(page.items.length, ownerReferences.length);
      const pairs = new Set(
        page.items.map((t) => `${store.get(t.subject)?.uid}>${store.get(t.object)?.uid}`),
      );
      for (const { owner, dependent } of ownerReferences)
        assert.ok(pairs.has(`${owner}>${dependent}`), `${owner}>${dependent}`);
    });

    it('should page through the OwnerReference triplets without repeating one', () => {
      const paged = allRelationships(store, { predicateType: PREDICATES.ownerReference });
      assert.equal(new Set(paged.map((t) => JSON.stringify([t.subject, t.object]))).size, paged.length);
      assert.equal(paged.length, ownerReferences.length);
    });

    it('should give each Deployment the descendants its raw ownerReferences imply', () => {
      const deployments = raw.filter((o) => o.kind === 'Deployment');
      assert.ok(deployments.length > 0);
      for (const deployment of deployments) {
        const ref = store.getByUid(deployment.metadata.uid)!.ref;
        const expected = rawDescendants(deployment.metadata.uid, dependentsOf);
        assert.deepEqual(
          storedDescendants(store, ref),
          expected,
          `descendants of ${deployment.metadata.name}`,
        );
      }
    });

    it('should bind every scheduled pod to its node', () => {
      const scheduled = raw.filter(
        (o) => o.kind === 'Pod' && (o as { spec?: { nodeName?: string } }).spec?.nodeName,
      );
      assert.equal(
        allRelationships(store, { predicateType: PREDICATES.podNodeBinding }).length,
        scheduled.length,
      );
    });

    it('should change nothing when imported again', async () => {
      const revision = store.revision;
      const again = await importFiles(store, [path]);
      assert.equal(again.changedObjects, 0);
      assert.equal(again.changedRelationships, 0);
      assert.equal(store.revision, revision);
    });
  });
}
