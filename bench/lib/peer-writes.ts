/**
 * The write of the peer comparison: the peer merges `{"peer-bench-write": String(i)}` into the labels
 * of `peer.writeUids[i % 500]`, unconditionally. resource-store does the same with `patchResource`
 * (a JSON merge patch of the labels) when its schema has it; until then it falls back to
 * `applyResource` of the whole stored resource with the label changed, which sends and rewrites the
 * whole resource and is reported as the fallback it is.
 */
import type { JsonObject } from '../../src/store/types.ts';
import type { Peer } from './peer-harness.ts';
import {
  mutationFields,
  postGraphQL,
  requestBody,
  resourcesByUid,
  type StoredResource,
} from './peer-store.ts';

/** The label every write sets. */
export const WRITE_LABEL = 'peer-bench-write';
/**
 * Bodies per load job: two per write target, each job's label values its own, so that every write
 * changes the resource (a write that changes nothing costs resource-store no commit).
 */
const BODIES_PER_JOB = 1000;

/** How resource-store is written to. */
export type WriteMethod = 'patchResource' | 'applyResource';

const PATCH = `mutation PeerWrite($ref: ResourceRefInput!, $patch: ResourcePatch!) {
  patchResource(ref: $ref, patch: $patch) { version }
}`;
const APPLY = `mutation PeerWrite($input: ResourceInput!) { applyResource(input: $input) { version } }`;

/** The write bodies of both sides. */
export interface WriteBodies {
  readonly method: WriteMethod;
  readonly perJob: number;
  /** Bodies of load job `job`: write `i = job * perJob + k` for each k. */
  readonly store: (job: number) => readonly string[];
  readonly peer: (job: number) => readonly string[];
}

/** resource-store's body of write `i` on `target`. */
function storeWrite(method: WriteMethod, target: StoredResource, i: number): string {
  const label = { [WRITE_LABEL]: String(i) };
  if (method === 'patchResource')
    return requestBody(PATCH, { ref: { ...target.ref }, patch: { labels: label } });
  const { ref, uid, labels, annotations, dataType, data } = target;
  return requestBody(APPLY, {
    input: { ref: { ...ref }, uid, labels: { ...labels, ...label }, annotations, dataType, data },
  });
}

/** Bodies of job `job`: writes `job * perJob` up to the next job's first. */
function jobBodies(job: number, body: (i: number) => string): string[] {
  return Array.from({ length: BODIES_PER_JOB }, (_, k) => body(job * BODIES_PER_JOB + k));
}

/** Labels without the write label, in key order, for comparing. */
function otherLabels(labels: JsonObject): string {
  const { [WRITE_LABEL]: _written, ...others } = labels;
  return JSON.stringify(Object.entries(others).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * Writes `i` once on each side and checks resource-store's result: the label set, every other label
 * kept. (The peer's `labels || new_labels` is a merge by construction.)
 */
async function probeWrite(
  peer: Peer,
  storeUrl: string,
  method: WriteMethod,
  target: StoredResource,
  i: number,
): Promise<void> {
  await postGraphQL(peer.url, peer.queries.write(i));
  await postGraphQL(storeUrl, storeWrite(method, target, i));
  const [after] = await resourcesByUid(storeUrl, [target.uid], 1);
  if (after!.labels[WRITE_LABEL] !== String(i) || otherLabels(after!.labels) !== otherLabels(target.labels)) {
    throw new Error(`${method} on ${target.uid} left labels ${JSON.stringify(after!.labels)}`);
  }
}

/**
 * Finds how resource-store is written to (introspection), reads the write targets from it (each must
 * be stored: the same dump was imported) and checks one write on each side.
 */
export async function writeBodies(peer: Peer, storeUrl: string): Promise<WriteBodies> {
  const method: WriteMethod = (await mutationFields(storeUrl)).has('patchResource')
    ? 'patchResource'
    : 'applyResource';
  const targets = await resourcesByUid(storeUrl, peer.writeUids);
  // A write number no job uses, on the first target (i % 500 = 0).
  await probeWrite(peer, storeUrl, method, targets[0]!, 1_000_000_000);
  const target = (i: number) => targets[i % targets.length]!;
  return {
    method,
    perJob: BODIES_PER_JOB,
    store: (job) => jobBodies(job, (i) => storeWrite(method, target(i), i)),
    peer: (job) => jobBodies(job, (i) => peer.queries.write(i)),
  };
}
