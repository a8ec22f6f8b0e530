/**
 * Relationship reads: one prefix scan of the index whose key starts with the bound terms serves each
 * triplet pattern; later pages are read "as of" the first page's revision, like resource listings.
 */
import type { Databases, RelationshipValue, Terms } from './db.ts';
import {
  decodeTripleKey,
  keySuccessor,
  prefixEnd,
  type TripleIds,
  type TripleIndex,
  tripleKey,
  triplePrefix,
} from './keys.ts';
import { fingerprintOf, type Keyed, mergePage, positionOf, toPage } from './pages.ts';
import { type Reader, sameRef } from './reads.ts';
import type { Page, Relationship, ResourceRef } from './types.ts';

/** A validated relationship pattern. */
export interface TriplePattern {
  subject?: ResourceRef | undefined;
  predicateType?: string | undefined;
  object?: ResourceRef | undefined;
}

/** Whether a relationship matches a pattern. */
export function matchesPattern(pattern: TriplePattern, relationship: Relationship): boolean {
  return (
    (pattern.subject === undefined || sameRef(pattern.subject, relationship.subject)) &&
    (pattern.predicateType === undefined || pattern.predicateType === relationship.predicate.type) &&
    (pattern.object === undefined || sameRef(pattern.object, relationship.object))
  );
}

/** Reads of the relationship indexes. */
export class TripleReader {
  readonly #dbs: Databases;
  readonly #terms: Terms;
  readonly #reader: Reader;

  constructor(dbs: Databases, terms: Terms, reader: Reader) {
    this.#dbs = dbs;
    this.#terms = terms;
    this.#reader = reader;
  }

  /** One page of relationships matching a pattern (paged and pinned like {@link listResources}). */
  listRelationships(
    pattern: TriplePattern,
    limit: number,
    cursor: string | null,
    at: number | null = null,
  ): Page<Relationship> {
    const plan = this.#triplePlan(pattern);
    const fingerprint = fingerprintOf(['relationships', plan.index, ...plan.terms.map(String)]);
    const position = positionOf(cursor, fingerprint, at);
    const revision = position?.revision ?? this.#reader.committedRevision();
    const overlay = position ? this.#relationshipOverlay(pattern, plan.index, position.revision) : null;
    const current = this.#currentTriples(plan, position?.key ?? null);
    const entries = mergePage(
      current,
      overlay,
      (item) => matchesPattern(pattern, item),
      position?.key ?? null,
      limit,
    );
    return toPage(entries, limit, revision, fingerprint);
  }

  /** Up to `limit` relationships of each pattern (for batched loads). */
  relationshipsOf(patterns: readonly TriplePattern[], limit: number): Relationship[][] {
    return patterns.map((pattern) => {
      const out: Relationship[] = [];
      for (const { item } of this.#currentTriples(this.#triplePlan(pattern), null)) {
        if (out.length >= limit) break;
        out.push(item);
      }
      return out;
    });
  }

  /** Picks the index whose key starts with the bound terms: one prefix scan serves the pattern. */
  #triplePlan(pattern: TriplePattern): { index: TripleIndex; terms: number[]; missing: boolean } {
    const s = pattern.subject && this.#terms.refId(pattern.subject);
    const p =
      pattern.predicateType === undefined ? undefined : this.#terms.predicateId(pattern.predicateType);
    const o = pattern.object && this.#terms.refId(pattern.object);
    const missing =
      (pattern.subject !== undefined && s === undefined) ||
      (pattern.predicateType !== undefined && p === undefined) ||
      (pattern.object !== undefined && o === undefined);
    if (pattern.subject && pattern.object && !pattern.predicateType)
      return { index: 'osp', terms: bound(o, s), missing };
    if (pattern.subject) return { index: 'spo', terms: bound(s, p, o), missing };
    if (pattern.predicateType) return { index: 'pos', terms: bound(p, o), missing };
    if (pattern.object) return { index: 'osp', terms: bound(o), missing };
    return { index: 'spo', terms: [], missing };
  }

  *#currentTriples(
    plan: { index: TripleIndex; terms: number[]; missing: boolean },
    after: Buffer | null,
  ): Generator<Keyed<Relationship>> {
    if (plan.missing) return;
    const prefix = triplePrefix(...plan.terms);
    const start = after === null || Buffer.compare(after, prefix) < 0 ? prefix : keySuccessor(after);
    for (const { key, value } of this.#dbs[plan.index].getRange({ start, end: prefixEnd(prefix) })) {
      yield { key, item: this.#toRelationship(decodeTripleKey(plan.index, key), value) };
    }
  }

  #toRelationship(ids: TripleIds, value: RelationshipValue): Relationship {
    return {
      subject: this.#terms.ref(ids.s),
      predicate: { type: this.#terms.predicate(ids.p), data: value.data },
      object: this.#terms.ref(ids.o),
      createdAt: value.createdAt,
      updatedAt: value.updatedAt,
      revision: value.revision,
    };
  }

  #relationshipOverlay(pattern: TriplePattern, index: TripleIndex, revision: number) {
    const overlay = new Map<string, Relationship | null>();
    for (const entry of this.#reader.logSince(revision)) {
      for (const change of entry.relationships) {
        if (!matchesPattern(pattern, change.relationship)) continue;
        const { subject, predicate, object } = change.relationship;
        const ids = {
          s: this.#terms.refId(subject) ?? 0,
          p: this.#terms.predicateId(predicate.type) ?? 0,
          o: this.#terms.refId(object) ?? 0,
        };
        const hex = tripleKey(index, ids).toString('hex');
        if (!overlay.has(hex)) overlay.set(hex, change.previous);
      }
    }
    return overlay;
  }
}

/** The ids that are bound, in order. */
function bound(...ids: (number | undefined)[]): number[] {
  return ids.filter((id): id is number => id !== undefined);
}
