/**
 * Raw lmdb-js access for the baselines, opened the way the store opens its environment: default
 * durability (synced commits, `overlappingSync` on Linux), binary keys, and msgpack values with
 * `sharedStructuresKey`. Key layouts are the store's own (`src/store/keys.ts`), so a baseline can read
 * the very rows the store wrote.
 */
import type { Database, RootDatabase } from 'lmdb';
import { openDatabases } from '../../src/store/db.ts';
import { decodeRefKey, payloadKey, prefixEnd, refKey, termIdKey, tupleKey } from '../../src/store/keys.ts';
import type { ResourceRef } from '../../src/store/types.ts';

/** A decoded msgpack value (the baselines read rows as plain objects). */
// biome-ignore lint/suspicious/noExplicitAny: rows are untyped msgpack values in a raw program
export type Row = any;

/** The environment and the databases a baseline uses, named as in the store. */
export interface RawDatabases {
  readonly env: RootDatabase;
  /** Resource metadata records. */
  readonly resources: Database<Row, Buffer>;
  /** Resource payloads: JSON text under (ref key, revision). */
  readonly payloads: Database<Buffer, Buffer>;
  readonly labels: Database<Buffer, Buffer>;
  readonly refIds: Database<number, Buffer>;
  readonly idRefs: Database<Buffer, Buffer>;
  readonly predIds: Database<number, Buffer>;
  readonly idPreds: Database<string, Buffer>;
  readonly spo: Database<Row, Buffer>;
  readonly pos: Database<Row, Buffer>;
  readonly osp: Database<Row, Buffer>;
}

/**
 * Opens (creating when missing) an environment at `path` exactly as the store opens it (the store's
 * own `openDatabases`: same environment options and value encodings), so a baseline reads and writes
 * the store's bytes. Opening a store's directory a second time in one process is supported by lmdb-js.
 */
export function openRaw(path: string): RawDatabases {
  return openDatabases(path) as unknown as RawDatabases;
}

/**
 * The store's term dictionary read directly, with the in-memory caches a hand-written reader of this
 * layout would keep (ids are never reused, so id → term never goes stale).
 */
export class RawTerms {
  readonly #dbs: RawDatabases;
  readonly #refs = new Map<number, ResourceRef>();
  readonly #predicates = new Map<number, string>();

  constructor(dbs: RawDatabases) {
    this.#dbs = dbs;
  }

  /** Term id of a ref, or undefined when no relationship names it. */
  refId(ref: ResourceRef): number | undefined {
    return this.#dbs.refIds.get(refKey(ref));
  }

  /** Term id of a predicate type, or undefined when never used. */
  predicateId(type: string): number | undefined {
    return this.#dbs.predIds.get(tupleKey(type));
  }

  /** The ref a term id stands for. */
  ref(id: number): ResourceRef {
    let ref = this.#refs.get(id);
    if (ref === undefined) {
      ref = decodeRefKey(this.#dbs.idRefs.get(termIdKey(id))!);
      this.#refs.set(id, ref);
    }
    return ref;
  }

  /** The predicate type a term id stands for. */
  predicate(id: number): string {
    let type = this.#predicates.get(id);
    if (type === undefined) {
      type = this.#dbs.idPreds.get(termIdKey(id))!;
      this.#predicates.set(id, type);
    }
    return type;
  }
}

/** What a listing of resource metadata needs of one row: its namespace and name, and its record. */
export interface MetadataRow {
  readonly namespace: string;
  readonly name: string;
  readonly record: Row;
}

/** The namespace and name of a ref key (the fourth and fifth of its 0-terminated parts). */
function namespaceAndName(key: Buffer): { namespace: string; name: string } {
  const c = key.indexOf(0, key.indexOf(0, key.indexOf(0) + 1) + 1) + 1;
  const d = key.indexOf(0, c) + 1;
  return { namespace: key.toString('utf8', c, d - 1), name: key.toString('utf8', d, key.indexOf(0, d)) };
}

/** The first `limit` rows under `prefix`, each record decoded with its namespace and name. */
export function scanMetadata(raw: RawDatabases, prefix: Buffer, limit: number): MetadataRow[] {
  const rows: MetadataRow[] = [];
  for (const { key, value } of raw.resources.getRange({ start: prefix, end: prefixEnd(prefix), limit })) {
    rows.push({ ...namespaceAndName(key), record: value });
  }
  return rows;
}

/** The same rows with each payload read and parsed too: everything a resource holds, decoded. */
export function scanWhole(
  raw: RawDatabases,
  prefix: Buffer,
  limit: number,
): (MetadataRow & { data: unknown })[] {
  const rows: (MetadataRow & { data: unknown })[] = [];
  for (const { key, value } of raw.resources.getRange({ start: prefix, end: prefixEnd(prefix), limit })) {
    const payload = raw.payloads.getBinaryFast(payloadKey(key, value.revision));
    rows.push({
      ...namespaceAndName(key),
      record: value,
      data: payload ? JSON.parse(payload.toString('utf8', 0, payload.length)) : null,
    });
  }
  return rows;
}
