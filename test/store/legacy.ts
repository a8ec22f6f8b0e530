/**
 * Legacy stores for migration tests: a store written by this build, rewritten in place into the
 * layout of format 2 or 3 — each resource, payload and all, as one `resources` record, and the log
 * holding a whole copy of every state it names — or of format 4 (payloads under (ref, revision) in
 * `payloads`), as those formats' code wrote them.
 */
import { type Database, open } from 'lmdb';
import {
  allKeys,
  type Databases,
  legacyStructures,
  openDatabases,
  structuredOptions,
} from '../../src/store/db.ts';
import { decodeRefKey, META, readId, tupleKey } from '../../src/store/keys.ts';
import { decodeLogEntry, resourceOf } from '../../src/store/records.ts';
import type { Resource } from '../../src/store/types.ts';

/** The msgpack encoder lmdb-js gives a structured database (untyped in its declarations). */
type Encoding = { encoder: { encode(value: unknown): Uint8Array } };

/** A resource as legacy formats stored it: every field, `data` included, in key order of the type. */
function wholeResource(resource: Resource): Resource {
  return {
    ref: { ...resource.ref },
    uid: resource.uid,
    labels: resource.labels,
    annotations: resource.annotations,
    data: resource.data,
    dataType: resource.dataType,
    createdAt: resource.createdAt,
    updatedAt: resource.updatedAt,
    deletedAt: resource.deletedAt,
    version: resource.version,
    revision: resource.revision,
  };
}

/** Rewrites the closed store at `path` into `format` (2, 3 or 4). */
export async function downgrade(path: string, format: 2 | 3 | 4): Promise<void> {
  if (format === 4) return downgradeTo4(path);
  const dbs = openDatabases(path);
  const options = structuredOptions(legacyStructures(format));
  const resources = dbs.env.openDB<Resource, Buffer>('resources', options);
  const log = dbs.env.openDB<unknown, Buffer>('log', options);
  const encode = (resource: Resource) =>
    Buffer.from((resources as unknown as Encoding).encoder.encode(wholeResource(resource)));
  await dbs.env.transaction(() => {
    for (const { key, value } of dbs.resources.getRange(allKeys())) {
      resources.put(key, wholeResource(resourceOf(dbs, decodeRefKey(key), key, value, value.revision, null)));
    }
    for (const { key, value } of dbs.log.getRange(allKeys())) {
      const entry = decodeLogEntry(dbs, value);
      const changes = entry.resources.map((change) => ({
        type: change.type,
        revision: change.revision,
        resource: encode(change.resource),
        previous: change.previous && encode(change.previous),
      }));
      log.put(key, { ...entry, resources: changes });
    }
    dbs.meta.put(META.format, format);
  });
  await dropCurrent(dbs);
  await dbs.env.close();
}

/** Moves every payload to its format 4 key, (ref, revision), in the format 4 database. */
async function downgradeTo4(path: string): Promise<void> {
  const dbs = openDatabases(path);
  const legacy = dbs.env.openDB<Buffer, Buffer>('payloads', { keyEncoding: 'binary', encoding: 'binary' });
  await dbs.env.transaction(() => {
    for (const { key, value } of dbs.payloads.getRange(allKeys())) {
      const revision = readId(key, 0);
      legacy.put(tupleKey(key.subarray(8), revision), value);
    }
    dbs.meta.put(META.format, 4);
  });
  await dbs.payloads.drop();
  await dbs.env.close();
}

/** Empties the databases a legacy format did not have. */
async function dropCurrent(dbs: Databases): Promise<void> {
  for (const db of [dbs.resources, dbs.payloads, dbs.log] as Database<unknown, Buffer>[]) await db.drop();
}

/** The format recorded in a store's directory, and how many records each named database holds. */
export async function inspect(path: string, names: readonly string[]) {
  const env = open({ path, maxDbs: 24 });
  try {
    const counts: Record<string, number> = {};
    for (const name of names) {
      counts[name] = env
        .openDB<Buffer, Buffer>(name, { keyEncoding: 'binary', encoding: 'binary' })
        .getKeysCount(allKeys());
    }
    const meta = env.openDB<number, string>('meta', {});
    return { format: meta.get(META.format), tripleStructures: meta.get(META.tripleStructures), counts };
  } finally {
    await env.close();
  }
}
