import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ConvertOptions, convertObjects } from '../../src/k8s/convert.ts';
import { PREDICATES } from '../../src/k8s/derive.ts';
import { dataTypeOf, splitApiVersion } from '../../src/k8s/objects.ts';
import { isStoreError, type JsonObject, type RelationshipInput } from '../../src/store/index.ts';

/** A minimal object. */
function obj(
  apiVersion: string,
  kind: string,
  name: string,
  metadata: JsonObject = {},
  rest: JsonObject = {},
) {
  return { apiVersion, kind, metadata: { name, ...metadata }, ...rest };
}

/** Converts objects and returns every relationship of the given predicate type. */
function convert(objects: unknown[], options?: ConvertOptions) {
  const conversion = convertObjects(
    objects.map((object, i) => ({ object, source: `test.json: items[${i}]` })),
    options,
  );
  const edges = (type: string): RelationshipInput[] =>
    conversion.objects.flatMap((o) => o.relationships).filter((r) => r.predicate.type === type);
  return { ...conversion, edges };
}

const deployment = obj('apps/v1', 'Deployment', 'web', { namespace: 'shop', uid: 'd-1' });
const replicaSet = obj('apps/v1', 'ReplicaSet', 'web-5d9f', {
  namespace: 'shop',
  uid: 'rs-1',
  ownerReferences: [
    {
      apiVersion: 'apps/v1',
      kind: 'deployment',
      name: 'web',
      uid: 'd-1',
      controller: true,
      blockOwnerDeletion: true,
    },
  ],
});
const pod = (name: string, labels: JsonObject, namespace = 'shop', spec: JsonObject = {}) =>
  obj('v1', 'Pod', name, { namespace, uid: `pod-${name}`, labels }, { spec });

describe('convertObjects: resources', () => {
  it('should map apiVersion, metadata, labels and annotations, keeping the whole object as data', () => {
    const service = obj('v1', 'Service', 'api', {
      namespace: 'shop',
      uid: 'svc-1',
      labels: { 'app.kubernetes.io/name': 'api' },
      annotations: { note: 'x' },
    });
    const [converted] = convert([service]).objects;
    assert.deepEqual(converted?.resource, {
      ref: { group: '', version: 'v1', kind: 'Service', namespace: 'shop', name: 'api' },
      uid: 'svc-1',
      labels: { 'app.kubernetes.io/name': 'api' },
      annotations: { note: 'x' },
      data: service,
      dataType: 'k8s.io/api/core/v1.Service',
    });
  });

  it('should give cluster-scoped objects namespace "" and generates no uid when metadata.uid is absent', () => {
    const [node] = convert([obj('v1', 'Node', 'n1')]).objects;
    assert.equal(node?.resource.ref.namespace, '');
    assert.equal(node?.resource.uid, null);
  });

  it('should name data types after the Go package of built-in groups and <group>/<version>.<Kind> otherwise', () => {
    assert.deepEqual(splitApiVersion('apps/v1'), { group: 'apps', version: 'v1' });
    assert.deepEqual(splitApiVersion('v1'), { group: '', version: 'v1' });
    assert.equal(dataTypeOf('', 'v1', 'Pod'), 'k8s.io/api/core/v1.Pod');
    assert.equal(dataTypeOf('apps', 'v1', 'Deployment'), 'k8s.io/api/apps/v1.Deployment');
    assert.equal(dataTypeOf('batch', 'v1', 'Job'), 'k8s.io/api/batch/v1.Job');
    assert.equal(dataTypeOf('rbac.authorization.k8s.io', 'v1', 'Role'), 'k8s.io/api/rbac/v1.Role');
    assert.equal(dataTypeOf('operator.openshift.io', 'v1', 'Network'), 'operator.openshift.io/v1.Network');
  });

  it('should leave invalid labels and non-string annotations out, with a warning naming the object', () => {
    const bad = obj('v1', 'ConfigMap', 'c', {
      labels: { ok: 'yes', 'bad key': 'v', long: 'x'.repeat(64) },
      annotations: { n: 1, s: 't' },
    });
    const { objects, warnings } = convert([bad]);
    assert.deepEqual(objects[0]?.resource.labels, { ok: 'yes' });
    assert.deepEqual(objects[0]?.resource.annotations, { s: 't' });
    assert.equal(warnings.length, 3);
    assert.match(warnings[0]!, /^test\.json: items\[0\]: label "bad key" left out/);
  });

  const malformed: Array<[unknown, RegExp]> = [
    [[], /must be a Kubernetes object/],
    [{ kind: 'Pod', metadata: { name: 'p' } }, /apiVersion must be a non-empty string/],
    [{ apiVersion: 'v1', kind: 'Pod', metadata: {} }, /metadata\.name must be a non-empty string/],
    [
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 3 } },
      /metadata\.namespace must be a string/,
    ],
    [
      obj('v1', 'Pod', 'p', { ownerReferences: [{ kind: 'X', name: 'x', uid: 'u' }] }),
      /ownerReferences\[0\]\.apiVersion/,
    ],
  ];
  for (const [value, pattern] of malformed) {
    it(`should reject a malformed object with BAD_USER_INPUT naming its source (${pattern.source.slice(0, 30)})`, () => {
      assert.throws(
        () => convert([value]),
        (error: unknown) =>
          isStoreError(error, 'BAD_USER_INPUT') &&
          /items\[0\]/.test(error.message) &&
          pattern.test(error.message),
      );
    });
  }
});

describe('convertObjects: OwnerReference', () => {
  it('should link owner to dependent by uid with the owner’s real kind, keeping the reference as data', () => {
    const { edges, danglingOwners } = convert([deployment, replicaSet]);
    assert.deepEqual(edges(PREDICATES.ownerReference), [
      {
        subject: { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop', name: 'web' },
        predicate: {
          type: 'OwnerReference',
          data: {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: 'web',
            uid: 'd-1',
            controller: true,
            blockOwnerDeletion: true,
          },
        },
        object: { group: 'apps', version: 'v1', kind: 'ReplicaSet', namespace: 'shop', name: 'web-5d9f' },
      },
    ]);
    assert.deepEqual(danglingOwners, []);
  });

  it('should find cluster-scoped owners in other groups by uid (a Pod owned by a Node)', () => {
    const node = obj('v1', 'Node', 'n1', { uid: 'node-1' });
    const mirror = pod('etcd-n1', {}, 'kube-system');
    (mirror.metadata as JsonObject).ownerReferences = [
      { apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'node-1' },
    ];
    const [edge] = convert([mirror, node]).edges(PREDICATES.ownerReference);
    assert.deepEqual(edge?.subject, { group: '', version: 'v1', kind: 'Node', namespace: '', name: 'n1' });
  });

  it('should still link an owner that is not in the dump, re-cased and scoped from what the dump knows, and counts it', () => {
    const daemonSet = obj('apps/v1', 'DaemonSet', 'other', { namespace: 'kube-system', uid: 'ds-0' });
    const orphan = pod('agent', {}, 'kube-system');
    (orphan.metadata as JsonObject).ownerReferences = [
      { apiVersion: 'apps/v1', kind: 'daemonset', name: 'agent', uid: 'gone-1' },
      { apiVersion: 'v1', kind: 'Node', name: 'n9', uid: 'gone-2' },
    ];
    const { edges, danglingOwners } = convert([daemonSet, orphan]);
    assert.deepEqual(
      edges(PREDICATES.ownerReference).map((e) => e.subject),
      [
        { group: 'apps', version: 'v1', kind: 'DaemonSet', namespace: 'kube-system', name: 'agent' },
        { group: '', version: 'v1', kind: 'Node', namespace: '', name: 'n9' },
      ],
    );
    assert.deepEqual(
      danglingOwners.map((d) => d.uid),
      ['gone-1', 'gone-2'],
    );
  });

  it('should resolve owners missing from the dump through resolveUid before calling them dangling', () => {
    const known = { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop', name: 'web' };
    const { edges, danglingOwners } = convert([replicaSet], {
      resolveUid: (uid) => (uid === 'd-1' ? known : null),
    });
    assert.deepEqual(edges(PREDICATES.ownerReference)[0]?.subject, known);
    assert.equal(danglingOwners.length, 0);
  });
});

describe('convertObjects: pods, volumes and services', () => {
  it('should bind a pod to its node and to each distinct claim (named or ephemeral)', () => {
    const p = pod('web-1', {}, 'shop', {
      nodeName: 'n1',
      volumes: [
        { name: 'data', persistentVolumeClaim: { claimName: 'data-pvc', readOnly: true } },
        { name: 'again', persistentVolumeClaim: { claimName: 'data-pvc' } },
        { name: 'scratch', ephemeral: { volumeClaimTemplate: {} } },
        { name: 'cfg', configMap: { name: 'c' } },
      ],
    });
    const { edges } = convert([p]);
    assert.deepEqual(edges(PREDICATES.podNodeBinding), [
      {
        subject: { group: '', version: 'v1', kind: 'Pod', namespace: 'shop', name: 'web-1' },
        predicate: { type: 'PodNodeBinding', data: { nodeName: 'n1' } },
        object: { group: '', version: 'v1', kind: 'Node', namespace: '', name: 'n1' },
      },
    ]);
    assert.deepEqual(
      edges(PREDICATES.podVolumeClaim).map((e) => [e.object.name, e.predicate.data]),
      [
        ['data-pvc', { volume: 'data', readOnly: true }],
        ['web-1-scratch', { volume: 'scratch' }],
      ],
    );
  });

  it('should bind a claim to its volume by spec.volumeName', () => {
    const claim = obj(
      'v1',
      'PersistentVolumeClaim',
      'data-pvc',
      { namespace: 'shop' },
      { spec: { volumeName: 'pv-7' } },
    );
    assert.deepEqual(convert([claim]).edges(PREDICATES.volumeClaimBinding)[0]?.object, {
      group: '',
      version: 'v1',
      kind: 'PersistentVolume',
      namespace: '',
      name: 'pv-7',
    });
  });

  it('should link a service to the pods of its namespace whose labels include its whole selector', () => {
    const selector = { app: 'web', tier: 'front' };
    const objects = [
      obj('v1', 'Service', 'web', { namespace: 'shop' }, { spec: { selector } }),
      obj('v1', 'Service', 'ext', { namespace: 'shop' }, { spec: { type: 'ExternalName', selector } }),
      obj('v1', 'Service', 'none', { namespace: 'shop' }, { spec: { selector: {} } }),
      pod('a', { app: 'web', tier: 'front', extra: 'x' }),
      pod('b', { app: 'web' }),
      pod('c', { app: 'web', tier: 'front' }, 'other'),
      pod('d', { app: 'web', tier: 'front' }),
    ];
    const edges = convert(objects).edges(PREDICATES.serviceSelector);
    assert.deepEqual(
      edges.map((e) => `${e.subject.name}->${e.object.name}`),
      ['web->a', 'web->d'],
    );
    assert.deepEqual(edges[0]?.predicate.data, { selector });
  });
});
