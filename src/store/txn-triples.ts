/**
 * The relationship writes of one write transaction: each triplet kept in its three indexes, and each
 * change recorded for the log.
 */
import type { Databases, RelationshipValue, Terms } from './db.ts';
import {
  decodeTripleKey,
  prefixEnd,
  type TripleIds,
  type TripleIndex,
  tripleKey,
  triplePrefix,
} from './keys.ts';
import type { TypeRegistry } from './registry.ts';
import type { TxnTerms } from './txn-terms.ts';
import type { JsonObject, Relationship, RelationshipChange, ResourceRef } from './types.ts';
import { jsonEqual } from './validate.ts';

/** A validated relationship write. */
export interface RelationshipContent {
  subject: ResourceRef;
  type: string;
  data: JsonObject | null;
  object: ResourceRef;
}

const TRIPLE_INDEXES: readonly TripleIndex[] = ['spo', 'pos', 'osp'];

/** What the relationship writes of a transaction share with it. */
export interface TripleWriteDeps {
  readonly dbs: Databases;
  readonly terms: Terms;
  readonly termIds: TxnTerms;
  readonly registry: TypeRegistry;
  /** The transaction's time (ISO 8601). */
  readonly now: string;
  /** The transaction's revision, allocated on first use. */
  readonly nextRevision: () => number;
}

/** The relationship writes of one write transaction. */
export class TripleWrites {
  readonly #dbs: Databases;
  readonly #terms: Terms;
  readonly #termIds: TxnTerms;
  readonly #registry: TypeRegistry;
  readonly #now: string;
  readonly #nextRevision: () => number;
  /** The changes, in order, as the log and watchers get them. */
  readonly changes: RelationshipChange[] = [];

  constructor(deps: TripleWriteDeps) {
    this.#dbs = deps.dbs;
    this.#terms = deps.terms;
    this.#termIds = deps.termIds;
    this.#registry = deps.registry;
    this.#now = deps.now;
    this.#nextRevision = deps.nextRevision;
  }

  /** Adds a triplet, or updates its data; identical data changes nothing. */
  link(content: RelationshipContent, field: string): { relationship: Relationship; changed: boolean } {
    this.#registry.checkPredicate(content.type, content.data, `${field}.predicate.data`);
    const ids = this.#idsOf(content);
    const existing = this.#dbs.spo.get(tripleKey('spo', ids));
    if (existing && jsonEqual(existing.data, content.data)) {
      return { relationship: toRelationship(content, existing), changed: false };
    }
    const value = this.#record(content, existing);
    for (const index of TRIPLE_INDEXES) this.#dbs[index].put(tripleKey(index, ids), value);
    return { relationship: this.changes.at(-1)!.relationship, changed: true };
  }

  /** The term ids of a triplet (allocated when new). */
  #idsOf(content: RelationshipContent): TripleIds {
    return {
      s: this.#termIds.refId(content.subject),
      p: this.#termIds.predicateId(content.type),
      o: this.#termIds.refId(content.object),
    };
  }

  /** The value a triplet is stored with from now on, its change recorded for the log. */
  #record(content: RelationshipContent, existing: RelationshipValue | undefined): RelationshipValue {
    const value: RelationshipValue = {
      data: content.data,
      createdAt: existing?.createdAt ?? this.#now,
      updatedAt: this.#now,
      revision: this.#nextRevision(),
    };
    this.changes.push({
      type: existing ? 'UPDATED' : 'ADDED',
      revision: value.revision,
      relationship: toRelationship(content, value),
      previous: existing ? toRelationship(content, existing) : null,
    });
    return value;
  }

  /**
   * Adds many triplets, as {@link TripleWrites.link} does each: their new refs get ids in key order,
   * and each index is written in its own key order. Returns how many were added or given new data.
   */
  linkMany(contents: readonly RelationshipContent[], fields: readonly string[]): number {
    contents.forEach((content, i) => {
      this.#registry.checkPredicate(content.type, content.data, `${fields[i]}.predicate.data`);
    });
    this.#termIds.allocateInOrder(contents.flatMap((content) => [content.subject, content.object]));
    const planned = contents.map((content) => {
      const ids = this.#idsOf(content);
      return { content, ids, key: tripleKey('spo', ids) };
    });
    planned.sort((a, b) => Buffer.compare(a.key, b.key));
    const written: { ids: TripleIds; value: RelationshipValue }[] = [];
    for (const { content, ids, key } of planned) {
      const existing = this.#dbs.spo.get(key);
      if (existing && jsonEqual(existing.data, content.data)) continue;
      const value = this.#record(content, existing);
      this.#dbs.spo.put(key, value);
      written.push({ ids, value });
    }
    for (const index of ['pos', 'osp'] as const) {
      const entries = written.map(({ ids, value }) => ({ key: tripleKey(index, ids), value }));
      entries.sort((a, b) => Buffer.compare(a.key, b.key));
      for (const { key, value } of entries) this.#dbs[index].put(key, value);
    }
    return written.length;
  }

  /** Removes a triplet by identity; false when it does not exist. */
  unlink(content: Omit<RelationshipContent, 'data'>): boolean {
    const s = this.#terms.refId(content.subject);
    const p = this.#terms.predicateId(content.type, false);
    const o = this.#terms.refId(content.object);
    if (s === undefined || p === undefined || o === undefined) return false;
    const ids = { s, p, o };
    const existing = this.#dbs.spo.get(tripleKey('spo', ids));
    if (!existing) return false;
    this.#removeTriple(ids, existing, { ...content, data: existing.data });
    return true;
  }

  /** Removes every triplet whose subject or object is `ref`; returns them as they were. */
  unlinkAll(ref: ResourceRef): Relationship[] {
    const id = this.#terms.refId(ref);
    if (id === undefined) return [];
    const removed: Relationship[] = [];
    for (const index of ['spo', 'osp'] as const) {
      const prefix = triplePrefix(id);
      const entries = Array.from(this.#dbs[index].getRange({ start: prefix, end: prefixEnd(prefix) }));
      for (const { key, value } of entries) {
        const ids = decodeTripleKey(index, key);
        const content = {
          subject: this.#terms.ref(ids.s, false),
          type: this.#terms.predicate(ids.p, false),
          object: this.#terms.ref(ids.o, false),
          data: value.data,
        };
        removed.push(this.#removeTriple(ids, value, content));
      }
    }
    return removed;
  }

  #removeTriple(ids: TripleIds, value: RelationshipValue, content: RelationshipContent): Relationship {
    for (const index of TRIPLE_INDEXES) this.#dbs[index].remove(tripleKey(index, ids));
    const previous = toRelationship(content, value);
    const revision = this.#nextRevision();
    this.changes.push({
      type: 'DELETED',
      revision,
      relationship: { ...previous, revision },
      previous,
    });
    return previous;
  }
}

function toRelationship(content: RelationshipContent, value: RelationshipValue): Relationship {
  return {
    subject: content.subject,
    predicate: { type: content.type, data: value.data },
    object: content.object,
    createdAt: value.createdAt,
    updatedAt: value.updatedAt,
    revision: value.revision,
  };
}
