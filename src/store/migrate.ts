/**
 * Opening a store of a legacy format (2, 3 or 4) migrates it to the current one before anything reads
 * it. Formats 2 and 3 kept each resource, payload and all, as one record (`resources`), and a copy of
 * every resource state in the log (`log`); format 4 keeps metadata and payload apart (records.ts),
 * its payloads under (ref, revision) in `payloads`; format 5 keeps them under (revision, ref) in `data`.
 *
 * The migration moves records batch by batch, each batch one transaction that writes the new records
 * and removes the old ones, so a migration cut short (a crash, a kill) resumes where it stopped the
 * next time the store is opened; the format is set by the last transaction. Logged states of a store
 * of format 2 or 3 keep their payloads in their own entries, as the old log did.
 */
import type { Database } from 'lmdb';
import {
  allKeys,
  type Databases,
  FORMAT,
  LEGACY_FORMATS,
  legacyStructures,
  type StoredLogEntry,
  structuredOptions,
} from './db.ts';
import { invariant } from './errors.ts';
import { decodeFormat4PayloadKey, META, refKey } from './keys.ts';
import {
  encodePayload,
  encodeStoredResource,
  putPayload,
  putStoredResource,
  type StoredResourceChange,
  storedResourceOf,
} from './records.ts';
import type { Resource, ResourceChange } from './types.ts';

/** Records moved per transaction. */
const BATCH = 1000;

/** A legacy log entry: every state a whole resource. */
interface LegacyLogEntry {
  revision: number;
  time: number;
  resources: {
    type: ResourceChange['type'];
    revision: number;
    resource: Uint8Array;
    previous: Uint8Array | null;
  }[];
  relationships: StoredLogEntry['relationships'];
}

/** The msgpack decoder lmdb-js gives a structured database (untyped in its declarations). */
type Decoding = { decoder: { decode(bytes: Uint8Array): unknown } };

/** Migrates a store of a legacy format to {@link FORMAT}; does nothing to a current one. */
export async function migrateStore(dbs: Databases): Promise<void> {
  const format = dbs.meta.get(META.format);
  if (format === FORMAT) return;
  invariant(
    format !== undefined && LEGACY_FORMATS.includes(format),
    `store format ${format} is not migrated`,
  );
  if (format === 4) await rekeyPayloads(dbs);
  else await migrateWholeRecords(dbs, format);
  await dbs.env.transaction(() => dbs.meta.put(META.format, FORMAT));
}

/** Format 4 → 5: moves every payload from (ref, revision) in `payloads` to (revision, ref) in `data`. */
async function rekeyPayloads(dbs: Databases): Promise<void> {
  const legacy = dbs.env.openDB<Buffer, Buffer>('payloads', { keyEncoding: 'binary', encoding: 'binary' });
  for (;;) {
    const batch = Array.from(legacy.getRange({ ...allKeys(), limit: BATCH }));
    if (batch.length === 0) break;
    await dbs.env.transaction(() => {
      for (const { key, value } of batch) {
        const { refKey: ref, revision } = decodeFormat4PayloadKey(key);
        putPayload(dbs, ref, revision, value);
        legacy.remove(key);
      }
    });
  }
  await legacy.drop();
}

/** Formats 2 and 3 → 5: every resource and log entry moved to metadata and payload records. */
async function migrateWholeRecords(dbs: Databases, format: number): Promise<void> {
  const options = structuredOptions(legacyStructures(format));
  const resources = dbs.env.openDB<Resource, Buffer>('resources', options);
  const log = dbs.env.openDB<LegacyLogEntry, Buffer>('log', options);
  if (dbs.meta.get(META.tripleStructures) === undefined) {
    await dbs.env.transaction(() => dbs.meta.put(META.tripleStructures, legacyStructures(format)));
  }
  while (await moveResources(dbs, resources)) {}
  const decode = (bytes: Uint8Array) => (resources as unknown as Decoding).decoder.decode(bytes) as Resource;
  while (await moveLog(dbs, log, decode)) {}
  await log.drop();
  await resources.drop();
}

/** Moves one batch of resources to metadata and payload records; false when none were left. */
async function moveResources(dbs: Databases, legacy: Database<Resource, Buffer>): Promise<boolean> {
  const batch = Array.from(legacy.getRange({ ...allKeys(), limit: BATCH }));
  if (batch.length === 0) return false;
  await dbs.env.transaction(() => {
    for (const { key, value: resource } of batch) {
      const payload = encodePayload(resource.data);
      const record = storedResourceOf(resource);
      putStoredResource(dbs, key, encodeStoredResource(dbs, record));
      putPayload(dbs, key, resource.revision, payload);
      legacy.remove(key);
    }
  });
  return true;
}

/** Moves one batch of log entries to the current log; false when none were left. */
async function moveLog(
  dbs: Databases,
  legacy: Database<LegacyLogEntry, Buffer>,
  decode: (bytes: Uint8Array) => Resource,
): Promise<boolean> {
  const batch = Array.from(legacy.getRange({ ...allKeys(), limit: BATCH }));
  if (batch.length === 0) return false;
  await dbs.env.transaction(() => {
    for (const { key, value: entry } of batch) {
      const resources = entry.resources.map((change): StoredResourceChange => {
        const resource = decode(change.resource);
        const previous = change.previous && decode(change.previous);
        const payload = encodePayload(resource.data);
        const previousPayload = previous && encodePayload(previous.data);
        return {
          type: change.type,
          revision: change.revision,
          ref: refKey(resource.ref),
          resource: encodeStoredResource(dbs, storedResourceOf(resource)),
          previous: previous && encodeStoredResource(dbs, storedResourceOf(previous)),
          payload,
          previousPayload,
        };
      });
      dbs.log.put(key, { ...entry, resources });
      legacy.remove(key);
    }
  });
  return true;
}
