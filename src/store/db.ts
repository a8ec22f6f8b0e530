/**
 * Opens the LMDB environment and its databases, and keeps the term dictionary: the compact ids that
 * stand for resource refs and predicate types inside the relationship indexes.
 */
import { asBinary, type Database, open, type RootDatabase } from 'lmdb';
import { invariant } from './errors.ts';
import { decodeRefKey, KEY_SPACE_END, META, refKey, STRUCTURES_KEY, termIdKey, tupleKey } from './keys.ts';
import type { JsonObject, RelationshipChange, Resource, ResourceChange, ResourceRef } from './types.ts';

/** Version of the on-disk layout of new stores; older stores of a {@link READABLE_FORMATS} are opened too. */
const FORMAT = 3;

/**
 * Shared msgpack structures (record shapes) each structured database may keep, per format. Format 2
 * kept lmdb-js's default of 32: a Kubernetes dump fills them with its first objects' shapes, and every
 * later record then carried its other shapes' key lists inline, encoding 3–4× slower. Format 3 keeps
 * up to 1,024 (two-byte record ids past the first 32); the setting cannot change for a store's life.
 */
const SHARED_STRUCTURES: Readonly<Record<number, number>> = { 2: 32, 3: 1024 };
const READABLE_FORMATS = Object.keys(SHARED_STRUCTURES).map(Number);

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
 * A log entry as the `log` database stores it: each resource (and previous state) as the bytes the
 * `resources` database's encoder made, so a write encodes a resource once for both databases and an
 * update copies its previous state's stored bytes instead of encoding them again.
 */
export interface StoredLogEntry {
  revision: number;
  time: number;
  resources: StoredResourceChange[];
  relationships: RelationshipChange[];
}

/** A resource change with its resources as stored bytes (see {@link StoredLogEntry}). */
export interface StoredResourceChange {
  type: ResourceChange['type'];
  revision: number;
  resource: Uint8Array;
  previous: Uint8Array | null;
}

/** The msgpack codec lmdb-js gives each database (untyped in its declarations). */
interface Codec {
  encoder: { encode(value: unknown): Uint8Array };
  decoder: { decode(bytes: Uint8Array): unknown };
}

/** Encodes a resource as the `resources` database stores it (a copy: the encoder reuses its buffer). */
export function encodeResource(dbs: Databases, resource: Resource): Buffer {
  return Buffer.from((dbs.resources as unknown as Codec).encoder.encode(resource));
}

/** Decodes bytes made by {@link encodeResource} (or read with `resources.getBinary`). */
export function decodeResource(dbs: Databases, bytes: Uint8Array): Resource {
  return (dbs.resources as unknown as Codec).decoder.decode(bytes) as Resource;
}

/** Stores bytes made by {@link encodeResource} as they are. */
export function putEncodedResource(dbs: Databases, key: Buffer, bytes: Buffer): void {
  dbs.resources.put(key, asBinary(bytes) as unknown as Resource);
}

/** The in-memory entry a stored one stands for. */
export function decodeLogEntry(dbs: Databases, stored: StoredLogEntry): LogEntry {
  return {
    revision: stored.revision,
    time: stored.time,
    resources: stored.resources.map((change) => ({
      type: change.type,
      revision: change.revision,
      resource: decodeResource(dbs, change.resource),
      previous: change.previous && decodeResource(dbs, change.previous),
    })),
    relationships: stored.relationships,
  };
}

/** The environment and its named databases (layouts in keys.ts). */
export interface Databases {
  env: RootDatabase;
  meta: Database<number, string>;
  resources: Database<Resource, Buffer>;
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
  log: Database<StoredLogEntry, Buffer>;
}

/** Opens (creating when missing) the environment at `path`. */
export function openDatabases(path: string, mapSize?: number): Databases {
  // Never `noSync`, `useWritemap` or `mapAsync`: each can corrupt the file on a crash. `path` is always
  // a directory (lmdb-js would take a name with a dot, like `data.v2`, for a file).
  const env = open({ path, noSubdir: false, maxDbs: 20, ...(mapSize ? { mapSize } : {}) });
  const meta = env.openDB<number, string>('meta', {});
  const format = formatOf(meta, path);
  const structured = {
    keyEncoding: 'binary',
    sharedStructuresKey: STRUCTURES_KEY,
    maxSharedStructures: SHARED_STRUCTURES[format],
  } as const;
  const binary = { keyEncoding: 'binary', encoding: 'binary' } as const;
  const counters = { keyEncoding: 'binary' } as const;
  const dbs: Databases = {
    env,
    meta,
    resources: env.openDB<Resource, Buffer>('resources', structured),
    uids: env.openDB<Buffer, Buffer>('uids', binary),
    labels: env.openDB<Buffer, Buffer>('labels', binary),
    types: env.openDB<number, Buffer>('types', counters),
    nsTypes: env.openDB<number, Buffer>('nsTypes', counters),
    refIds: env.openDB<number, Buffer>('refIds', counters),
    idRefs: env.openDB<Buffer, Buffer>('idRefs', binary),
    predIds: env.openDB<number, Buffer>('predIds', counters),
    idPreds: env.openDB<string, Buffer>('idPreds', { keyEncoding: 'binary', encoding: 'string' }),
    spo: env.openDB<RelationshipValue, Buffer>('spo', structured),
    pos: env.openDB<RelationshipValue, Buffer>('pos', structured),
    osp: env.openDB<RelationshipValue, Buffer>('osp', structured),
    log: env.openDB<StoredLogEntry, Buffer>('log', structured),
  };
  return dbs;
}

/** The store's format, recorded as {@link FORMAT} when the store is new; throws for unreadable ones. */
function formatOf(meta: Databases['meta'], path: string): number {
  const format = meta.get(META.format);
  if (format === undefined) {
    meta.putSync(META.format, FORMAT);
    return FORMAT;
  }
  if (!READABLE_FORMATS.includes(format)) {
    throw new Error(
      `store at ${path} has format ${format}; this build reads ${READABLE_FORMATS.join(' and ')}`,
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
