import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, it } from 'node:test';
import { convertObjects } from '../../src/k8s/convert.ts';
import { PREDICATES } from '../../src/k8s/derive.ts';
import { generateCluster, writeList } from '../../src/k8s/generate.ts';
import { parseDump } from '../../src/k8s/read.ts';
import type { JsonObject } from '../../src/store/index.ts';
import { countBy } from './helpers.ts';

const options = {
  nodes: 4,
  deployments: 12,
  replicasPerDeployment: 3,
  services: 15,
  pvcs: 5,
  namespaces: 3,
  seed: 7,
};

/** Converts generated objects the way an import does. */
function convert(objects: JsonObject[]) {
  return convertObjects(objects.map((object, i) => ({ object, source: `generated[${i}]` })));
}

const meta = (object: JsonObject) =>
  object.metadata as JsonObject & { name: string; namespace?: string; uid: string };

describe('generateCluster', () => {
  it('should yield the same objects for the same seed and different ones for another seed', () => {
    const a = JSON.stringify([...generateCluster(options)]);
    assert.equal(JSON.stringify([...generateCluster(options)]), a);
    assert.notEqual(JSON.stringify([...generateCluster({ ...options, seed: 8 })]), a);
  });

  it('should yield the requested numbers of each kind', () => {
    const kinds = countBy(generateCluster(options), (object) => object.kind as string);
    assert.equal(kinds.Node, 4);
    assert.equal(kinds.Namespace, 3);
    assert.equal(kinds.Deployment, 12);
    assert.equal(kinds.Pod, 36);
    assert.equal(kinds.Service, 15);
    assert.equal(kinds.PersistentVolumeClaim, 5);
    assert.equal(kinds.PersistentVolume, 5);
    assert.ok(kinds.ReplicaSet! >= 12 && kinds.ReplicaSet! <= 24, `ReplicaSets: ${kinds.ReplicaSet}`);
  });

  it('should give every object a unique uid and a unique ref', () => {
    const objects = [...generateCluster(options)];
    assert.equal(new Set(objects.map((o) => meta(o).uid)).size, objects.length);
    const refs = objects.map((o) => `${o.apiVersion}/${o.kind}/${meta(o).namespace ?? ''}/${meta(o).name}`);
    assert.equal(new Set(refs).size, objects.length);
  });

  it('should build a consistent graph: owners resolve, pods sit on nodes, claims are bound, services select pods', () => {
    const conversion = convert([...generateCluster(options)]);
    assert.deepEqual(conversion.danglingOwners, []);
    assert.deepEqual(conversion.warnings, []);
    const stored = new Set(conversion.objects.map(({ resource: { ref } }) => JSON.stringify(ref)));
    const edges = conversion.objects.flatMap((o) => o.relationships);
    for (const edge of edges) {
      assert.ok(stored.has(JSON.stringify(edge.subject)), `missing subject ${JSON.stringify(edge.subject)}`);
      assert.ok(stored.has(JSON.stringify(edge.object)), `missing object ${JSON.stringify(edge.object)}`);
    }
    const byType = countBy(edges, (edge) => edge.predicate.type);
    const replicaSets = conversion.objects.filter((o) => o.resource.ref.kind === 'ReplicaSet').length;
    assert.equal(byType[PREDICATES.ownerReference], replicaSets + 36);
    assert.equal(byType[PREDICATES.podNodeBinding], 36);
    assert.equal(byType[PREDICATES.volumeClaimBinding], 5);
    assert.equal(byType[PREDICATES.podVolumeClaim], 5 * 3);
    assert.equal(byType[PREDICATES.serviceSelector], 15 * 3);
  });

  it('should label pods like a Deployment does', () => {
    const pod = [...generateCluster(options)].find((o) => o.kind === 'Pod')!;
    const labels = meta(pod).labels as Record<string, string>;
    for (const key of ['app.kubernetes.io/name', 'app.kubernetes.io/instance', 'pod-template-hash']) {
      assert.ok(key in labels, `pod lacks ${key}`);
    }
    assert.match(labels['pod-template-hash']!, /^[bcdfghjklmnpqrstvwxz2456789]{10}$/);
    assert.match(meta(pod).name, new RegExp(`-${labels['pod-template-hash']}-[a-z0-9]{5}$`));
  });

  it('should stream: the first objects of a huge cluster come without building the rest', () => {
    const started = performance.now();
    const iterator = generateCluster({ nodes: 10, deployments: 10_000_000, replicasPerDeployment: 100 });
    for (let i = 0; i < 1000; i++) assert.equal(iterator.next().done, false);
    assert.ok(performance.now() - started < 2000);
  });

  it('should check options at once', () => {
    assert.throws(() => generateCluster({ nodes: 0 }), /nodes must be an integer of at least 1/);
    assert.throws(() => generateCluster({ deployments: 1.5 }), RangeError);
  });
});

describe('writeList', () => {
  it('should write a List that reads back as the same objects', async () => {
    const objects = [...generateCluster({ deployments: 3, seed: 2 })];
    const out = new PassThrough();
    const [written, body] = await Promise.all([writeList(objects, out).finally(() => out.end()), text(out)]);
    assert.equal(written, objects.length);
    assert.deepEqual(
      parseDump(body, 'list.json').map((entry) => entry.object),
      objects,
    );
  });
});
