/**
 * A synthetic cluster generator for examples and benchmarks. It yields objects shaped like
 * `kubectl get -o json` output: Nodes, Namespaces, PersistentVolumes with their bound claims,
 * Deployments → ReplicaSets (some with an old, scaled-down revision) → Pods with ownerReferences and
 * uids, pods bound to nodes and mounting their Deployment's claims, and Services selecting pods by the
 * `app.kubernetes.io/*` labels. The same options and seed always yield the same objects, one at a
 * time, so dumps of any size can be streamed.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { JsonObject } from '../store/index.ts';
import { claimObjects, deploymentObjects, type Meta, nodeObject, serviceObject } from './cluster-objects.ts';
import { Random } from './random.ts';

/** The size and seed of a generated cluster. */
export interface ClusterOptions {
  /** Nodes (default 3). */
  readonly nodes?: number;
  /** Deployments, spread round-robin over the namespaces (default 10). */
  readonly deployments?: number;
  /** Pods of each Deployment's current ReplicaSet (default 3). */
  readonly replicasPerDeployment?: number;
  /** Services, each selecting the pods of one Deployment, round-robin (default: one per Deployment). */
  readonly services?: number;
  /** PersistentVolumeClaims (each bound to its own PersistentVolume), mounted by one Deployment's pods (default 2). */
  readonly pvcs?: number;
  /** Namespaces (default: one per 25 Deployments). */
  readonly namespaces?: number;
  /** Seed of the random choices (default 1). */
  readonly seed?: number;
}

const APPS = [
  'api',
  'web',
  'checkout',
  'cart',
  'catalog',
  'payments',
  'search',
  'auth',
  'orders',
  'inventory',
];
const TEAMS = ['storefront', 'platform', 'billing', 'identity', 'data', 'media', 'logistics', 'support'];
const EPOCH_MS = Date.UTC(2024, 0, 15, 9, 0, 0);

/** Deterministic names and placement shared by every object builder. */
export class Layout {
  readonly nodes: number;
  readonly deployments: number;
  readonly replicas: number;
  readonly services: number;
  readonly pvcs: number;
  readonly namespaces: number;

  constructor(options: ClusterOptions) {
    this.nodes = count(options.nodes, 3, 'nodes', 1);
    this.deployments = count(options.deployments, 10, 'deployments', 1);
    this.replicas = count(options.replicasPerDeployment, 3, 'replicasPerDeployment', 0);
    this.services = count(options.services, this.deployments, 'services', 0);
    this.pvcs = count(options.pvcs, 2, 'pvcs', 0);
    this.namespaces = count(options.namespaces, Math.ceil(this.deployments / 25), 'namespaces', 1);
  }

  /** Name of node `i`. */
  node(i: number): string {
    return `worker-${String(i + 1).padStart(3, '0')}`;
  }

  /** Name of namespace `i`. */
  namespace(i: number): string {
    return roundName(TEAMS, i);
  }

  /** Name of Deployment `d` (unique within its namespace). */
  app(d: number): string {
    return roundName(APPS, Math.floor(d / this.namespaces));
  }

  /** Namespace of Deployment `d`. */
  namespaceOf(d: number): string {
    return this.namespace(d % this.namespaces);
  }

  /** Name of claim `k`, mounted by Deployment `k % deployments`. */
  claim(k: number): string {
    const round = Math.floor(k / this.deployments);
    return round === 0
      ? `${this.app(k % this.deployments)}-data`
      : `${this.app(k % this.deployments)}-data-${round}`;
  }

  /** Labels shared by a Deployment's pods and selected by its Services. */
  selector(d: number): Record<string, string> {
    return { 'app.kubernetes.io/name': this.app(d), 'app.kubernetes.io/instance': `${this.app(d)}-prod` };
  }
}

/**
 * The objects of a cluster, yielded one at a time, deterministically for a seed. Options are checked
 * at once (a RangeError names the bad one), before the first object is asked for.
 */
export function generateCluster(options: ClusterOptions = {}): Generator<JsonObject> {
  return clusterObjects(new Layout(options), options.seed ?? 1);
}

function* clusterObjects(layout: Layout, seed: number): Generator<JsonObject> {
  const random = new Random(seed);
  const meta = metadataFactory(random);
  for (let i = 0; i < layout.nodes; i++) yield nodeObject(layout.node(i), random, meta);
  for (let i = 0; i < layout.namespaces; i++) {
    yield {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: meta(layout.namespace(i)),
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    };
  }
  for (let k = 0; k < layout.pvcs; k++) yield* claimObjects(layout, k, meta);
  for (let d = 0; d < layout.deployments; d++) yield* deploymentObjects(layout, d, random, meta);
  for (let s = 0; s < layout.services; s++) yield serviceObject(layout, s, random, meta);
}

/** Metadata with a random uid, an increasing resourceVersion and creation times seconds to a minute apart. */
function metadataFactory(random: Random): Meta {
  const clock = { ms: EPOCH_MS, version: 1000 };
  return (name, namespace, extra = {}) => {
    clock.ms += 1000 * (1 + random.int(60));
    const base: JsonObject = {
      name,
      uid: random.uuid(),
      resourceVersion: String(clock.version++),
      creationTimestamp: new Date(clock.ms).toISOString().replace('.000Z', 'Z'),
    };
    return namespace === undefined ? { ...base, ...extra } : { name, namespace, ...base, ...extra };
  };
}

/**
 * Writes objects as one `kubectl`-style `List` document, honouring back-pressure; resolves to the
 * count, or rejects with the stream's error (EPIPE when the reader went away).
 */
export async function writeList(objects: Iterable<JsonObject>, out: Writable): Promise<number> {
  let failure: Error | null = null;
  const onError = (error: Error) => {
    failure = error;
  };
  out.on('error', onError);
  let written = 0;
  const write = async (chunk: string) => {
    if (failure) throw failure;
    if (!out.write(chunk)) await once(out, 'drain');
  };
  try {
    await write('{"apiVersion":"v1","kind":"List","metadata":{"resourceVersion":""},"items":[\n');
    for (const object of objects) await write(`${written++ === 0 ? '' : ',\n'}${JSON.stringify(object)}`);
    await write('\n]}\n');
    if (failure) throw failure;
    return written;
  } finally {
    out.off('error', onError);
  }
}

/** `words[i]`, with a round number appended after the first round. */
function roundName(words: readonly string[], i: number): string {
  const round = Math.floor(i / words.length);
  return round === 0 ? words[i % words.length]! : `${words[i % words.length]}-${round + 1}`;
}

/** Validates a count option. */
function count(value: number | undefined, fallback: number, name: string, min: number): number {
  const n = value ?? fallback;
  if (!Number.isSafeInteger(n) || n < min) {
    throw new RangeError(`${name} must be an integer of at least ${min}`);
  }
  return n;
}
