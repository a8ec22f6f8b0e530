/**
 * An integrity check (like `fsck`): recomputes every secondary index from the primary data and reports
 * each difference. Indexes must stay exact through every write; this is how tests and operators prove
 * it. It reads the whole store, so it is for tests, maintenance and diagnosis, not for request paths.
 */
import { allKeys, type Databases, readCounter } from './db.ts';
import {
  decodeRefKey,
  decodeRevisionKey,
  decodeTripleKey,
  labelKey,
  META,
  nsTypeKey,
  payloadKey,
  refKey,
  termIdKey,
  tripleKey,
  typeCountKey,
} from './keys.ts';
import { asBuffer, decodeStoredResource, type StoredResourceChange } from './records.ts';

/** Every inconsistency found, as readable lines; empty when the store is consistent. */
export function checkIntegrity(dbs: Databases): string[] {
  return [...checkResourceIndexes(dbs), ...checkPayloads(dbs), ...checkTripleIndexes(dbs), ...checkLog(dbs)];
}

/**
 * Every payload a current resource or a logged state points at is stored and parses; every stored
 * payload is one of them (compaction leaves none behind).
 */
function checkPayloads(dbs: Databases): string[] {
  const problems: string[] = [];
  const expected = new Map<string, ''>();
  for (const { key, value } of dbs.resources.getRange(allKeys())) {
    expected.set(payloadKey(key, value.revision).toString('hex'), '');
  }
  for (const { value: entry } of dbs.log.getRange(allKeys())) {
    for (const change of entry.resources) {
      for (const hex of loggedPayloads(dbs, change)) expected.set(hex, '');
    }
  }
  const actual = Array.from(dbs.payloads.getRange(allKeys()), ({ key, value }): [string, ''] => {
    try {
      JSON.parse(value.toString('utf8'));
    } catch {
      problems.push(`payloads: entry ${key.toString('hex')} is not JSON`);
    }
    return [key.toString('hex'), ''];
  });
  compare(problems, 'payloads', expected, actual);
  return problems;
}

/** The keys (hex) of the payloads in `payloads` a logged change points at. */
function loggedPayloads(dbs: Databases, change: StoredResourceChange): string[] {
  const ref = asBuffer(change.ref);
  const state = decodeStoredResource(dbs, change.resource);
  const previous = change.previous && decodeStoredResource(dbs, change.previous);
  const found: string[] = [];
  if (previous && change.previousPayload === null)
    found.push(payloadKey(ref, previous.revision).toString('hex'));
  if (change.type !== 'DELETED' && change.payload === null) {
    found.push(payloadKey(ref, state.revision).toString('hex'));
  }
  return found;
}

function checkResourceIndexes(dbs: Databases): string[] {
  const problems: string[] = [];
  const uids = new Map<string, string>();
  const labels = new Set<string>();
  const types = new Map<string, number>();
  const nsTypes = new Map<string, number>();
  const count = (map: Map<string, number>, key: Buffer) =>
    map.set(key.toString('hex'), (map.get(key.toString('hex')) ?? 0) + 1);
  for (const { key, value } of dbs.resources.getRange(allKeys())) {
    const ref = decodeRefKey(key);
    if (!key.equals(refKey(ref)))
      problems.push(`resource stored under a malformed key: ${key.toString('hex')}`);
    uids.set(value.uid, key.toString('hex'));
    for (const [label, labelValue] of Object.entries(value.labels))
      labels.add(labelKey(label, labelValue, key).toString('hex'));
    count(types, typeCountKey(ref.group, ref.version, ref.kind));
    count(nsTypes, nsTypeKey(ref.namespace, ref.group, ref.version, ref.kind));
  }
  compare(
    problems,
    'uids',
    uids,
    Array.from(dbs.uids.getRange(allKeys()), ({ key, value }) => [key.toString(), value.toString('hex')]),
  );
  compare(
    problems,
    'labels',
    new Map([...labels].map((k) => [k, ''])),
    Array.from(dbs.labels.getKeys(allKeys()), (k) => [k.toString('hex'), '']),
  );
  compare(
    problems,
    'types',
    types,
    Array.from(dbs.types.getRange(allKeys()), ({ key, value }) => [key.toString('hex'), value]),
  );
  compare(
    problems,
    'nsTypes',
    nsTypes,
    Array.from(dbs.nsTypes.getRange(allKeys()), ({ key, value }) => [key.toString('hex'), value]),
  );
  return problems;
}

function checkTripleIndexes(dbs: Databases): string[] {
  const problems: string[] = [];
  const expected: Record<'pos' | 'osp', Map<string, string>> = { pos: new Map(), osp: new Map() };
  for (const { key, value } of dbs.spo.getRange(allKeys())) {
    const ids = decodeTripleKey('spo', key);
    if (ids.s === ids.o) problems.push(`spo: self-loop on term ${ids.s}`);
    for (const index of ['pos', 'osp'] as const)
      expected[index].set(tripleKey(index, ids).toString('hex'), JSON.stringify(value));
    for (const id of [ids.s, ids.o]) {
      if (dbs.idRefs.get(termIdKey(id)) === undefined) problems.push(`spo: term ${id} has no ref`);
    }
  }
  for (const index of ['pos', 'osp'] as const) {
    const actual = Array.from(dbs[index].getRange(allKeys()), ({ key, value }): [string, string] => [
      key.toString('hex'),
      JSON.stringify(value),
    ]);
    compare(problems, index, expected[index], actual);
  }
  return problems;
}

function checkLog(dbs: Databases): string[] {
  const problems: string[] = [];
  let expected = readCounter(dbs, META.compactedRevision) + 1;
  for (const key of dbs.log.getKeys(allKeys())) {
    const revision = decodeRevisionKey(key);
    if (revision !== expected) problems.push(`log: expected revision ${expected}, found ${revision}`);
    expected = revision + 1;
  }
  const revision = readCounter(dbs, META.revision);
  if (expected - 1 !== revision && expected - 1 > readCounter(dbs, META.compactedRevision)) {
    problems.push(`log: ends at ${expected - 1} but the store is at revision ${revision}`);
  }
  return problems;
}

function compare<V>(
  problems: string[],
  name: string,
  expected: Map<string, V>,
  actual: Iterable<[string, V]>,
): void {
  const seen = new Set<string>();
  for (const [key, value] of actual) {
    seen.add(key);
    if (!expected.has(key)) problems.push(`${name}: stale entry ${key}`);
    else if (expected.get(key) !== value)
      problems.push(`${name}: entry ${key} is ${String(value)}, expected ${String(expected.get(key))}`);
  }
  for (const key of expected.keys()) if (!seen.has(key)) problems.push(`${name}: missing entry ${key}`);
}
