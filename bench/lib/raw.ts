/**
 * Raw lmdb-js access for the baselines, opened the way the store opens its environment: default
 * durability (synced commits, `overlappingSync` on Linux), binary keys, and msgpack values with
 * `sharedStructuresKey`. Key layouts are the store's own (`src/store/keys.ts`), so a baseline can read
 * the very rows the store wrote.
 */
import { type Database, open, type RootDatabase } from 'lmdb';
import { decodeRefKey, refKey, STRUCTURES_KEY, termIdKey, tupleKey } from '../../src/store/keys.ts';
import type { ResourceRef } from '../../src/store/types.ts';

/** A decoded msgpack value (the baselines read rows as plain objects). */
// biome-ignore lint/suspicious/noExplicitAny: rows are untyped msgpack values in a raw program
export type Row = any;

/** The environment and the databases a baseline uses, named as in the store. */
export interface RawDatabases {
  readonly env: RootDatabase;
  readonly resources: Database<Row, Buffer>;
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
 * Opens (creating when missing) an environment at `path` with the store's options. Opening a store's
 * own directory a second time in the same process is supported by lmdb-js and reads the same data.
 */
export function openRaw(path: string): RawDatabases {
  const env = open({ path, maxDbs: 20 });
  const structured = { keyEncoding: 'binary', sharedStructuresKey: STRUCTURES_KEY } as const;
  const binary = { keyEncoding: 'binary', encoding: 'binary' } as const;
  const counters = { keyEncoding: 'binary' } as const;
  return {
    env,
    resources: env.openDB<Row, Buffer>('resources', structured),
    labels: env.openDB<Buffer, Buffer>('labels', binary),
    refIds: env.openDB<number, Buffer>('refIds', counters),
    idRefs: env.openDB<Buffer, Buffer>('idRefs', binary),
    predIds: env.openDB<number, Buffer>('predIds', counters),
    idPreds: env.openDB<string, Buffer>('idPreds', { keyEncoding: 'binary', encoding: 'string' }),
    spo: env.openDB<Row, Buffer>('spo', structured),
    pos: env.openDB<Row, Buffer>('pos', structured),
    osp: env.openDB<Row, Buffer>('osp', structured),
  };
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
