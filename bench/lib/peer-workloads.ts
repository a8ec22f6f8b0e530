/**
 * The workloads both servers of the peer comparison answer: the same requests on the same objects,
 * the targets taken from the peer (`peer.info`, `peer.writeUids`). Before anything is timed, each
 * workload is sent once to both sides and the answers are held against each other (the same resource,
 * as many Pods, as many descendants), so that both do the same work.
 */
import type { Peer } from './peer-harness.ts';
import { type Data, postGraphQL, requestBody, resourceByUid } from './peer-store.ts';
import { type WriteBodies, writeBodies } from './peer-writes.ts';

/** One comparison: what each side is sent, and how it is reported. */
export interface PeerWorkload {
  /** The last part of the result's id. */
  readonly key: string;
  readonly name: string;
  /** What one request is (`requests`, `writes`). */
  readonly unit: string;
  readonly connections: number;
  /** The rate the store should reach, as a multiple of the peer's. */
  readonly target: number;
  /** The request bodies of job `n` (0, 1, ...) of each side; the load generator cycles through them. */
  readonly store: (job: number) => readonly string[];
  readonly peer: (job: number) => readonly string[];
  readonly size: Record<string, number>;
}

/** Connections of the read workloads. */
export const READ_CONNECTIONS = 10;
/** Connections of the write workload. */
export const WRITE_CONNECTIONS = 50;
/** Rates the store should reach, as multiples of the peer's. */
const READ_TARGET = 2;
const WRITE_TARGET = 3;

const POINT_READ = `query PointRead($ref: ResourceRefInput!) { resource(ref: $ref) { uid labels version } }`;
const LIST_PODS = `query ListPods($type: TypeFilter!, $first: Int!) {
  resources(type: $type, first: $first) { edges { node { uid labels } } }
}`;
const DESCENDANTS = `query Descendants($ref: ResourceRefInput!, $first: Int!) {
  resource(ref: $ref) {
    descendants(maxDepth: 10, first: $first) { edges { node { depth resource { uid ref { kind name } } } } }
  }
}`;

/** The same answer from both sides, or an error naming what differs. */
function expectSame(what: string, store: unknown, peer: unknown, expected: unknown): void {
  if (store !== expected || peer !== expected) {
    throw new Error(`${what}: resource-store answered ${store}, the peer ${peer}, expected ${expected}`);
  }
}

/** Reads one resource by its natural key (`peer.info.pointRead`). */
async function pointReadWorkload(peer: Peer, storeUrl: string): Promise<PeerWorkload> {
  const { uid, grp, version, kind, namespace, name } = peer.info.pointRead;
  const body = requestBody(POINT_READ, { ref: { group: grp, version, kind, namespace, name } });
  const stored = (await postGraphQL(storeUrl, body)).resource as Data | null;
  const served = (await postGraphQL(peer.url, peer.queries.pointRead)).resource as Data | null;
  expectSame('point read uid', stored?.uid, served?.uid, uid);
  return {
    key: 'point-read',
    name: `point read of a ${kind} by ref`,
    unit: 'requests',
    connections: READ_CONNECTIONS,
    target: READ_TARGET,
    store: () => [body],
    peer: () => [peer.queries.pointRead],
    size: {},
  };
}

/** Lists every Pod of the dump, with uid and labels. */
async function listWorkload(peer: Peer, storeUrl: string): Promise<PeerWorkload> {
  const n = peer.info.podCount;
  const body = requestBody(LIST_PODS, { type: { group: '', version: 'v1', kind: 'Pod' }, first: n });
  const stored = (await postGraphQL(storeUrl, body)).resources as { edges: unknown[] };
  const served = (await postGraphQL(peer.url, peer.queries.list(n))).allResources as { nodes: unknown[] };
  expectSame('listed Pods', stored.edges.length, served.nodes.length, n);
  return {
    key: 'list',
    name: `list all ${n} Pods (uid, labels)`,
    unit: 'requests',
    connections: READ_CONNECTIONS,
    target: READ_TARGET,
    store: () => [body],
    peer: () => [peer.queries.list(n)],
    size: { pods: n },
  };
}

/** Every OwnerReference descendant of `peer.info.descendantsRoot`, at most 10 hops down. */
async function descendantsWorkload(peer: Peer, storeUrl: string): Promise<PeerWorkload> {
  const root = peer.info.descendantsRoot;
  if (!root) throw new Error('the peer found no resource with OwnerReference descendants');
  const { ref } = await resourceByUid(storeUrl, root.uid);
  const body = requestBody(DESCENDANTS, { ref: { ...ref }, first: Math.max(1000, root.total * 2) });
  const stored = (await postGraphQL(storeUrl, body)).resource as { descendants: { edges: unknown[] } };
  const served = (await postGraphQL(peer.url, peer.queries.descendants)).descendants as { nodes: unknown[] };
  expectSame(
    `descendants of ${root.kind} ${root.namespace}/${root.name}`,
    stored.descendants.edges.length,
    served.nodes.length,
    root.total,
  );
  return {
    key: 'descendants',
    name: `descendants of ${root.kind} ${root.name} (${root.total}, maxDepth 10)`,
    unit: 'requests',
    connections: READ_CONNECTIONS,
    target: READ_TARGET,
    store: () => [body],
    peer: () => [peer.queries.descendants],
    size: { descendants: root.total },
  };
}

/** A labels merge on one of the 500 write targets per request, unconditional on both sides. */
async function writeWorkload(peer: Peer, storeUrl: string): Promise<PeerWorkload> {
  const bodies: WriteBodies = await writeBodies(peer, storeUrl);
  return {
    key: bodies.method === 'patchResource' ? 'write' : 'write-apply',
    name:
      bodies.method === 'patchResource'
        ? 'write: labels merge (patchResource)'
        : 'write: labels change (applyResource of the whole resource: FALLBACK, no patchResource yet)',
    unit: 'writes',
    connections: WRITE_CONNECTIONS,
    target: WRITE_TARGET,
    store: bodies.store,
    peer: bodies.peer,
    size: { targets: peer.writeUids.length, bodiesPerJob: bodies.perJob },
  };
}

/** Every workload, checked against both servers. */
export async function peerWorkloads(peer: Peer, storeUrl: string): Promise<PeerWorkload[]> {
  return [
    await pointReadWorkload(peer, storeUrl),
    await listWorkload(peer, storeUrl),
    await descendantsWorkload(peer, storeUrl),
    await writeWorkload(peer, storeUrl),
  ];
}
