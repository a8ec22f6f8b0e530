/**
 * Opens the LMDB environment and its databases, and keeps the term dictionary: the compact ids that
 * stand for resource refs and predicate types inside the relationship indexes.
 */
import { type Database, type Key, open, type RootDatabase } from 'lmdb';
import { invariant } from './errors.ts';
import { decodeRefKey, KEY_SPACE_END, META, refKey, STRUCTURES_KEY, termIdKey, tupleKey } from './keys.ts';
import type { StoredResource, StoredResourceChange } from './records.ts';
import type { JsonObject, RelationshipChange, ResourceChange, ResourceRef } from './types.ts';

/** Version of the on-disk layout of new stores; stores of a {@link LEGACY_FORMATS} are migrated on open. */
export const FORMAT = 5;

/**
 * Formats migrated to {@link FORMAT} when opened (migrate.ts): 2 and 3 kept each resource, payload
 * and all, as one record, and the log a copy of every resource it names; 4 kept payloads under
 * (ref, revision) in `payloads`, where 5 keeps them under (revision, ref) in `data`.
 */
export const LEGACY_FORMATS: readonly number[] = [2, 3, 4];

/**
 * Shared msgpack structures (record shapes) a structured database keeps. Format 2 kept lmdb-js's
 * default of 32: a Kubernetes dump fills them with its first objects' shapes, and every later record
 * then carried its other shapes' key lists inline, encoding 3–4× slower. Format 3 on keeps up to
 * 1,024 (two-byte record ids past the first 32). The setting cannot change for a database's life: the
 * relationship indexes of a store created as format 2 keep 32 (`META.tripleStructures`).
 */
const SHARED_STRUCTURES = 1024;

/**
 * LZ4 compression (lmdb-js's, with its built-in dictionary) of log entries from this many bytes on:
 * an entry of a large batch shrinks about fivefold. A compressed value is marked by its first byte
 * (≥ 250), which no msgpack record begins with, so entries written before compression was on read
 * as they are. Payloads stay uncompressed: lmdb-js loads its dictionary for every value it
 * compresses, which tripled the cost of writing a 1 KB payload.
 */
const COMPRESSION = { threshold: 256 };
const FORMAT_2_STRUCTURES = 32;

/** What the relationship indexes store for each triplet (identity is in the key). */
export interface RelationshipValue {
  data: JsonObject | null;
  createdAt: string;
  updatedAt: string;
  revision: number;
}

/** One revision of the change log. */
export interface LogEntry {
  revision: number;
  /** Commit time, milliseconds since the epoch (retention by age). */
  time: number;
  resources: ResourceChange[];
  relationships: RelationshipChange[];
}

/**
 * A log entry as the `log` database stores it: each resource state as its metadata record, pointing
 * at its payload (records.ts), so a write encodes a resource once and the log copies no payload.
 */
export interface StoredLogEntry {
  revision: number;
  time: number;
  resources: StoredResourceChange[];
  relationships: RelationshipChange[];
}

/** The environment and its named databases (layouts in keys.ts). */
export interface Databases {
  env: RootDatabase;
  meta: Database<number, string>;
  /** Resource metadata (on disk: `objects`). */
  resources: Database<StoredResource, Buffer>;
  /** Resource payloads: JSON text (on disk: `data`). */
  payloads: Database<Buffer, Buffer>;
  uids: Database<Buffer, Buffer>;
  labels: Database<Buffer, Buffer>;
  types: Database<number, Buffer>;
  nsTypes: Database<number, Buffer>;
  refIds: Database<number, Buffer>;
  idRefs: Database<Buffer, Buffer>;
  predIds: Database<number, Buffer>;
  idPreds: Database<string, Buffer>;
  spo: Database<RelationshipValue, Buffer>;
  pos: Database<RelationshipValue, Buffer>;
  osp: Database<RelationshipValue, Buffer>;
  /** The change log (on disk: `changes`). */
  log: Database<StoredLogEntry, Buffer>;
}

/**
 * Opens (creating when missing) the environment at `path`. A store of a legacy format opens with its
 * old databases alongside; `migrateStore` (migrate.ts) must run before anything else reads it.
 */
export function openDatabases(path: string, mapSize?: number): Databases {
  // Never `noSync`, `useWritemap` or `mapAsync`: each can corrupt the file on a crash. `path` is always
  // a directory (lmdb-js would take a name with a dot, like `data.v2`, for a file).
  const env = open({ path, noSubdir: false, maxDbs: 24, ...(mapSize ? { mapSize } : {}) });
  const meta = env.openDB<number, string>('meta', {});
  const format = formatOf(meta, path);
  const structured = structuredOptions(SHARED_STRUCTURES);
  const triples = structuredOptions(
    meta.get(META.tripleStructures) ?? (format === 2 ? FORMAT_2_STRUCTURES : SHARED_STRUCTURES),
  );
  const binary = { keyEncoding: 'binary', encoding: 'binary' } as const;
  const counters = { keyEncoding: 'binary' } as const;
  return {
    env,
    meta,
    resources: env.openDB<StoredResource, Buffer>('objects', structured),
    payloads: env.openDB<Buffer, Buffer>('data', binary),
    uids: env.openDB<Buffer, Buffer>('uids', binary),
    labels: env.openDB<Buffer, Buffer>('labels', binary),
    types: env.openDB<number, Buffer>('types', counters),
    nsTypes: env.openDB<number, Buffer>('nsTypes', counters),
    refIds: env.openDB<number, Buffer>('refIds', counters),
    idRefs: env.openDB<Buffer, Buffer>('idRefs', binary),
    predIds: env.openDB<number, Buffer>('predIds', counters),
    idPreds: env.openDB<string, Buffer>('idPreds', { keyEncoding: 'binary', encoding: 'string' }),
    spo: env.openDB<RelationshipValue, Buffer>('spo', triples),
    pos: env.openDB<RelationshipValue, Buffer>('pos', triples),
    osp: env.openDB<RelationshipValue, Buffer>('osp', triples),
    log: env.openDB<StoredLogEntry, Buffer>('changes', { ...structured, compression: COMPRESSION }),
  };
}

/** Options of a database of msgpack records sharing up to `maxSharedStructures` shapes. */
export function structuredOptions(maxSharedStructures: number) {
  return { keyEncoding: 'binary', sharedStructuresKey: STRUCTURES_KEY, maxSharedStructures } as const;
}

/** The structures a legacy store's own resource and log databases were written with. */
export function legacyStructures(format: number): number {
  return format === 2 ? FORMAT_2_STRUCTURES : SHARED_STRUCTURES;
}

/** The store's format, recorded as {@link FORMAT} when the store is new; throws for unreadable ones. */
function formatOf(meta: Databases['meta'], path: string): number {
  const format = meta.get(META.format);
  if (format === undefined) {
    meta.putSync(META.format, FORMAT);
    return FORMAT;
  }
  if (format !== FORMAT && !LEGACY_FORMATS.includes(format)) {
    throw new Error(
      `store at ${path} has format ${format}; this build reads ${[...LEGACY_FORMATS, FORMAT].join(', ')}`,
    );
  }
  return format;
}

/**
 * Makes the databases that use lmdb's shared structures (msgpackr records) reload them from the
 * database before their next write. Call it whenever a write transaction is rolled back or a commit
 * fails: a structure the write added stays in the encoder's memory but not in the database, and a
 * later record written with its id would decode with another structure's keys.
 */
export function forgetUnsavedStructures(dbs: Databases): void {
  for (const db of [dbs.resources, dbs.spo, dbs.pos, dbs.osp, dbs.log]) {
    const structures = (db as unknown as { encoder?: { structures?: { uninitialized?: boolean } } }).encoder
      ?.structures;
    if (structures) structures.uninitialized = true;
  }
}

const APPEND = { append: true } as const;

/**
 * Puts a key that sorts after every key of `db` (a new term id) with lmdb's MDB_APPEND: LMDB adds it
 * at the end without searching the tree, about four times faster. LMDB does not write a key that is
 * not past the last one, and lmdb-js reports that only as a failed condition, so the key is read back
 * (an invariant error, which rolls the write back, if it is missing). Use it only where the key is
 * past every other by construction, and never in a database with shared structures (lmdb-js keeps
 * them at the end of the key space, {@link STRUCTURES_KEY}).
 */
export function putLast<V, K extends Key>(db: Database<V, K>, key: K, value: V): void {
  (db.put as (key: K, value: V, options: typeof APPEND) => unknown).call(db, key, value, APPEND);
  // A refused append is silent: read it back (from the page just written) rather than lose a write.
  invariant(db.doesExist(key), 'an appended key was not past the last key of its database');
}

/** Range options covering a whole database (fresh each time: lmdb-js keeps state in the options). */
export const allKeys = () => ({ start: Buffer.alloc(0), end: KEY_SPACE_END });

/** Reads a counter from `meta` (0 when unset). */
export const readCounter = (dbs: Databases, name: string): number => dbs.meta.get(name) ?? 0;

/**
 * The term dictionary. Ids are allocated inside write transactions and never reused or removed, so
 * the id → term direction can be cached in memory without invalidation; only committed entries are
 * ever read into the cache (allocation, in txn-terms.ts, goes straight to the databases).
 */
export class Terms {
  readonly #dbs: Databases;
  #refs = new Map<number, ResourceRef>();
  #previousRefs = new Map<number, ResourceRef>();
  readonly #preds = new Map<number, string>();
  /** Predicate types are few: every committed one is cached. */
  readonly #predIds = new Map<string, number>();
  readonly #cacheSize: number;

  constructor(dbs: Databases, cacheSize = 200_000) {
    this.#dbs = dbs;
    this.#cacheSize = cacheSize;
  }

  /** Id of a ref, or undefined when no relationship ever named it. */
  refId(ref: ResourceRef): number | undefined {
    return this.#dbs.refIds.get(refKey(ref));
  }

  /** Id of a predicate type, or undefined when never used (`remember` as for {@link Terms.ref}). */
  predicateId(type: string, remember = true): number | undefined {
    const cached = this.#predIds.get(type);
    if (cached !== undefined) return cached;
    const id = this.#dbs.predIds.get(tupleKey(type));
    if (id !== undefined && remember) this.#predIds.set(type, id);
    return id;
  }

  /**
   * The ref an id stands for. Inside a write transaction pass `remember: false`: the id may have been
   * allocated by that transaction, which can still roll back.
   */
  ref(id: number, remember = true): ResourceRef {
    let ref = this.#refs.get(id) ?? this.#previousRefs.get(id);
    if (ref === undefined) {
      const key = this.#dbs.idRefs.get(termIdKey(id));
      invariant(key !== undefined, `term ${id} has no ref`);
      ref = Object.freeze(decodeRefKey(key));
    }
    if (remember) this.#remember(id, ref);
    return ref;
  }

  /** The predicate type an id stands for (`remember` as for {@link Terms.ref}). */
  predicate(id: number, remember = true): string {
    let type = this.#preds.get(id);
    if (type === undefined) {
      type = this.#dbs.idPreds.get(termIdKey(id));
      invariant(type !== undefined, `term ${id} has no predicate type`);
      if (remember) this.#preds.set(id, type);
    }
    return type;
  }

  #remember(id: number, ref: ResourceRef): void {
    if (this.#refs.size >= this.#cacheSize) {
      this.#previousRefs = this.#refs;
      this.#refs = new Map();
    }
    this.#refs.set(id, ref);
  }
}
