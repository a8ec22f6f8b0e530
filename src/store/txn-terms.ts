/**
 * Term ids as one write transaction sees and allocates them. Lookups are cached for the transaction
 * (a batch names the same owners, nodes and predicate types again and again), and the id counter is
 * read once and written once, at commit, instead of on every allocation. Nothing outlives the
 * transaction: it may still roll back, taking its new ids with it.
 */
import { type Databases, putLast, readCounter, type Terms } from './db.ts';
import { META, refKey, termIdKey, tupleKey } from './keys.ts';
import type { ResourceRef } from './types.ts';

/** Ref parts joined with 0x00 (which validation keeps out of every part): a ref as a map key. */
const nameOf = (ref: ResourceRef): string =>
  `${ref.group}\0${ref.version}\0${ref.kind}\0${ref.namespace}\0${ref.name}`;

/** The term ids of one write transaction. */
export class TxnTerms {
  readonly #dbs: Databases;
  readonly #terms: Terms;
  /** Ids by ref parts joined with 0x00 (which validation keeps out of every part). */
  readonly #refIds = new Map<string, number>();
  readonly #predicateIds = new Map<string, number>();
  /** The last id allocated or stored; null until first needed. */
  #lastId: number | null = null;
  #allocated = false;

  constructor(dbs: Databases, terms: Terms) {
    this.#dbs = dbs;
    this.#terms = terms;
  }

  /** The id of a ref, allocated when new. */
  refId(ref: ResourceRef): number {
    const name = nameOf(ref);
    return this.#refIds.get(name) ?? this.#lookUp(name, refKey(ref));
  }

  /**
   * Looks up (allocating the new ones) the ids of many refs in key order, so that new ids follow the
   * refs' order and both directions of the dictionary are written in key order.
   */
  allocateInOrder(refs: readonly ResourceRef[]): void {
    const unknown = new Map<string, Buffer>();
    for (const ref of refs) {
      const name = nameOf(ref);
      if (!this.#refIds.has(name) && !unknown.has(name)) unknown.set(name, refKey(ref));
    }
    const sorted = [...unknown].sort((a, b) => Buffer.compare(a[1], b[1]));
    for (const [name, key] of sorted) this.#lookUp(name, key);
  }

  #lookUp(name: string, key: Buffer): number {
    let id = this.#dbs.refIds.get(key);
    if (id === undefined) {
      id = this.#allocate();
      this.#dbs.refIds.put(key, id);
      // Ids only grow, so each is past every key of the database: LMDB appends it without a search.
      putLast(this.#dbs.idRefs, termIdKey(id), key);
    }
    this.#refIds.set(name, id);
    return id;
  }

  /** The id of a predicate type, allocated when new. */
  predicateId(type: string): number {
    let id = this.#predicateIds.get(type) ?? this.#terms.predicateId(type, false);
    if (id === undefined) {
      id = this.#allocate();
      this.#dbs.predIds.put(tupleKey(type), id);
      putLast(this.#dbs.idPreds, termIdKey(id), type);
    }
    this.#predicateIds.set(type, id);
    return id;
  }

  /** Writes the id counter if this transaction allocated ids. */
  commit(): void {
    if (this.#allocated && this.#lastId !== null) this.#dbs.meta.put(META.nextTermId, this.#lastId);
  }

  #allocate(): number {
    this.#lastId = (this.#lastId ?? readCounter(this.#dbs, META.nextTermId)) + 1;
    this.#allocated = true;
    return this.#lastId;
  }
}
