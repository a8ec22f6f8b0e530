/**
 * Builders of the objects of a generated cluster (see `generate.ts`). The `Layout` derives every name
 * from indexes alone, so objects can refer to each other (a Service to its Deployment's labels, a pod
 * to its claims) without the generator keeping earlier objects in memory.
 */
import type { JsonObject } from '../store/index.ts';
import type { Layout } from './generate.ts';
import type { Random } from './random.ts';

const COMPONENTS = ['backend', 'frontend', 'worker', 'cache'];
const ZONES = ['zone-a', 'zone-b', 'zone-c'];
/** Makes `metadata` with a fresh uid, resourceVersion and creationTimestamp. */
export type Meta = (name: string, namespace?: string, extra?: JsonObject) => JsonObject;

/** A worker Node with realistic labels, capacity and addresses. */
export function nodeObject(name: string, random: Random, meta: Meta): JsonObject {
  const arch = random.chance(0.8) ? 'amd64' : 'arm64';
  const labels = {
    'kubernetes.io/hostname': name,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': arch,
    'node-role.kubernetes.io/worker': '',
    'topology.kubernetes.io/zone': random.pick(ZONES),
  };
  const capacity = {
    cpu: String(random.pick([4, 8, 16])),
    memory: `${random.pick([16, 32, 64])}Gi`,
    pods: '110',
  };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: meta(name, undefined, { labels }),
    spec: { podCIDR: `10.244.${random.int(256)}.0/24` },
    status: {
      capacity,
      allocatable: capacity,
      addresses: [
        { type: 'InternalIP', address: `10.0.${random.int(256)}.${random.int(256)}` },
        { type: 'Hostname', address: name },
      ],
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }],
      nodeInfo: { architecture: arch, operatingSystem: 'linux', kubeletVersion: 'v1.29.4' },
    },
  };
}

/** A PersistentVolume and the claim bound to it (dynamic provisioning names the volume after the claim's uid). */
export function* claimObjects(layout: Layout, k: number, meta: Meta): Generator<JsonObject> {
  const namespace = layout.namespaceOf(k % layout.deployments);
  const claimMeta = meta(layout.claim(k), namespace, { labels: layout.selector(k % layout.deployments) });
  const volumeName = ['pvc', claimMeta.uid].join('-');
  const common = { accessModes: ['ReadWriteMany'], storageClassName: 'standard' };
  yield {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: meta(volumeName, undefined, {
      annotations: { 'pv.kubernetes.io/provisioned-by': 'csi.example.com' },
    }),
    spec: {
      ...common,
      capacity: { storage: '10Gi' },
      claimRef: {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        namespace,
        name: claimMeta.name!,
        uid: claimMeta.uid!,
      },
      csi: { driver: 'csi.example.com', volumeHandle: volumeName },
      persistentVolumeReclaimPolicy: 'Delete',
    },
    status: { phase: 'Bound' },
  };
  yield {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: claimMeta,
    spec: { ...common, resources: { requests: { storage: '10Gi' } }, volumeName },
    status: { phase: 'Bound', capacity: { storage: '10Gi' } },
  };
}

/** A Deployment, its current ReplicaSet with pods, and sometimes an older ReplicaSet scaled to zero. */
export function* deploymentObjects(
  layout: Layout,
  d: number,
  random: Random,
  meta: Meta,
): Generator<JsonObject> {
  const namespace = layout.namespaceOf(d);
  const app = layout.app(d);
  const labels = {
    ...layout.selector(d),
    'app.kubernetes.io/component': random.pick(COMPONENTS),
    'app.kubernetes.io/part-of': namespace,
    'app.kubernetes.io/managed-by': random.pick(['Helm', 'kustomize']),
  };
  const claims: string[] = [];
  for (let k = d; k < layout.pvcs; k += layout.deployments) claims.push(layout.claim(k));
  const version = `1.${random.int(20)}.${random.int(10)}`;
  const template = podTemplate(app, { ...labels, 'app.kubernetes.io/version': version }, claims, version);
  const revisions = random.chance(1 / 3) ? 2 : 1;
  const metadata = meta(app, namespace, {
    labels,
    annotations: { 'deployment.kubernetes.io/revision': String(revisions) },
    generation: revisions,
  });
  const replicas = layout.replicas;
  yield {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata,
    spec: {
      replicas,
      selector: { matchLabels: layout.selector(d) },
      template,
      strategy: { type: 'RollingUpdate' },
    },
    status: { observedGeneration: revisions, replicas, readyReplicas: replicas, availableReplicas: replicas },
  };
  const owner = ownerReference('apps/v1', 'Deployment', metadata);
  for (let revision = 1; revision <= revisions; revision++) {
    const pods = revision === revisions ? replicas : 0;
    yield* replicaSetObjects({ layout, random, meta }, d, { owner, template, revision, pods });
  }
}

/** What the builders of one cluster share. */
interface Builder {
  readonly layout: Layout;
  readonly random: Random;
  readonly meta: Meta;
}

/** One revision of a Deployment: its ReplicaSet's owner, pod template, revision number and pod count. */
interface Revision {
  readonly owner: JsonObject;
  readonly template: { metadata: { labels: Record<string, string> }; spec: JsonObject };
  readonly revision: number;
  readonly pods: number;
}

/** A ReplicaSet of Deployment `d` and its pods, each bound to a random node. */
function* replicaSetObjects(builder: Builder, d: number, revision: Revision): Generator<JsonObject> {
  const { layout, random, meta } = builder;
  const namespace = layout.namespaceOf(d);
  const hash = random.suffix(10);
  const labels = { ...revision.template.metadata.labels, 'pod-template-hash': hash };
  const metadata = meta([layout.app(d), hash].join('-'), namespace, {
    labels,
    annotations: { 'deployment.kubernetes.io/revision': String(revision.revision) },
    ownerReferences: [revision.owner],
  });
  const replicas = revision.pods;
  yield {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata,
    spec: {
      replicas,
      selector: { matchLabels: { ...layout.selector(d), 'pod-template-hash': hash } },
      template: { ...revision.template, metadata: { labels } },
    },
    status: { replicas, readyReplicas: replicas, availableReplicas: replicas },
  };
  const owner = ownerReference('apps/v1', 'ReplicaSet', metadata);
  for (let p = 0; p < replicas; p++) {
    const nodeName = layout.node(random.int(layout.nodes));
    yield {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: meta([metadata.name, random.suffix(5)].join('-'), namespace, {
        labels,
        ownerReferences: [owner],
      }),
      spec: { ...revision.template.spec, nodeName },
      status: {
        phase: 'Running',
        podIP: `10.244.${random.int(256)}.${random.int(256)}`,
        qosClass: 'Burstable',
      },
    };
  }
}

/** A controller's owner reference to the object with `metadata`. */
function ownerReference(apiVersion: string, kind: string, metadata: JsonObject): JsonObject {
  return {
    apiVersion,
    kind,
    name: metadata.name!,
    uid: metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** A pod template running one container of `app`, mounting `claims`. */
function podTemplate(app: string, labels: Record<string, string>, claims: string[], version: string) {
  const volumes = claims.map((claimName, i) => ({ name: `data-${i}`, persistentVolumeClaim: { claimName } }));
  const container: JsonObject = {
    name: app,
    image: `registry.example.com/shop/${app}:${version}`,
    ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
    volumeMounts: volumes.map((volume) => ({
      name: volume.name,
      mountPath: `/var/lib/${app}/${volume.name}`,
    })),
  };
  return {
    metadata: { labels },
    spec: { containers: [container], volumes, restartPolicy: 'Always', terminationGracePeriodSeconds: 30 },
  };
}

/** Service `s`, selecting the pods of Deployment `s % deployments`. */
export function serviceObject(layout: Layout, s: number, random: Random, meta: Meta): JsonObject {
  const d = s % layout.deployments;
  const round = Math.floor(s / layout.deployments);
  const name = round === 0 ? layout.app(d) : `${layout.app(d)}-${round === 1 ? 'metrics' : `alt-${round}`}`;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(name, layout.namespaceOf(d), { labels: layout.selector(d) }),
    spec: {
      type: 'ClusterIP',
      clusterIP: `10.96.${random.int(256)}.${random.int(256)}`,
      selector: layout.selector(d),
      ports: [{ name: 'http', port: round === 1 ? 9090 : 80, targetPort: 8080, protocol: 'TCP' }],
    },
  };
}
