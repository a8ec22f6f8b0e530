/**
 * Walks as pages: a breadth-first traversal (graph.ts) read at one revision for every page — changes
 * since the first page are undone from the log — and shortest paths. Both run as resumable work
 * (steps.ts): a walk resumed after a commit reads on at the revision it started at, the same way.
 */
import type { Databases, Terms } from './db.ts';
import { invariant } from './errors.ts';
import {
  type GraphView,
  type PastGraph,
  relationshipOf,
  shortestPathSteps,
  type WalkOptions,
  walkSteps,
} from './graph.ts';
import { decodeTripleKey, readId, refKey, type TripleIds, tripleKey, tupleKey } from './keys.ts';
import { decodeCursor, fingerprintOf, type Keyed, toPage } from './pages.ts';
import type { Reader } from './reads.ts';
import type { Steps } from './steps.ts';
import type { Page, Relationship, Resource, ResourceMetadata, ResourceRef, TraversalStep } from './types.ts';

/** A resource as a read returns it: whole, or its metadata alone (`data: false`). */
type Read = Resource | ResourceMetadata;

/** A resource as a past view saw it: its state then if it changed since, else `now`. */
function resourceThen(past: PastGraph, ref: ResourceRef, now: Read | null): Read | null {
  const then = past.resources.get(refKey(ref).toString('hex'));
  return then === undefined ? now : then;
}

/** Reads of walks over the relationship indexes. */
export class WalkReader {
  readonly #dbs: Databases;
  readonly #terms: Terms;
  readonly #reader: Reader;

  constructor(dbs: Databases, terms: Terms, reader: Reader) {
    this.#dbs = dbs;
    this.#terms = terms;
    this.#reader = reader;
  }

  /**
   * One page of a breadth-first traversal, as resumable work. Every page walks the graph as it was
   * at the first page's revision (changes since are undone from the log), so pages neither skip nor
   * repeat a node.
   */
  *traverse(
    start: ResourceRef,
    walkOptions: WalkOptions,
    kinds: ReadonlySet<string> | null,
    limit: number,
    cursor: string | null,
    data: boolean,
  ): Steps<Page<TraversalStep<Read>>> {
    const fingerprint = fingerprintOf([
      'traverse',
      refKey(start).toString('hex'),
      walkOptions.direction,
      JSON.stringify(walkOptions.predicates),
      JSON.stringify(kinds && [...kinds]),
      String(walkOptions.maxDepth),
    ]);
    const position = cursor === null ? null : decodeCursor(cursor, fingerprint);
    const offset = position === null ? 0 : readId(position.key);
    const revision = position?.revision ?? this.#reader.committedRevision();
    const past = revision < this.#reader.committedRevision() ? this.#pastGraph(revision) : null;
    const view: GraphView = { dbs: this.#dbs, terms: this.#terms, inTxn: false, past };
    const isReported = kinds && ((id: number) => kinds.has(this.#terms.ref(id).kind));
    const steps = walkSteps(view, start, {
      ...walkOptions,
      enough: offset + limit + 1,
      counts: isReported ?? undefined,
    });
    const reached = yield* this.#atRevision(view, revision, steps);
    const matching = isReported ? reached.filter((r) => isReported(r.id)) : reached;
    const entries = matching.slice(offset, offset + limit + 1).map((r, i): Keyed<TraversalStep<Read>> => {
      const ref = this.#terms.ref(r.id);
      const now = this.#reader.get(ref, data);
      const resource = view.past ? resourceThen(view.past, ref, now) : now;
      return {
        key: tupleKey(offset + i + 1),
        item: { ref, resource, depth: r.depth, via: relationshipOf(view, r.via) },
      };
    });
    return toPage(entries, limit, revision, fingerprint);
  }

  /** A shortest path of relationships, [] from a node to itself, or null; resumable work. */
  *path(from: ResourceRef, to: ResourceRef, walkOptions: WalkOptions): Steps<Relationship[] | null> {
    const revision = this.#reader.committedRevision();
    const view: GraphView = { dbs: this.#dbs, terms: this.#terms, inTxn: false };
    const edges = yield* this.#atRevision(view, revision, shortestPathSteps(view, from, to, walkOptions));
    return edges?.map((edge) => relationshipOf(view, edge)) ?? null;
  }

  /**
   * Passes on the steps of a walk of `view` at `revision`: when one resumes after a commit, the view
   * from then on reads the graph as it was at `revision` (the changes since undone from the log).
   */
  *#atRevision<T>(view: GraphView, revision: number, steps: Steps<T>): Steps<T> {
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
      yield;
      if (!view.past && this.#reader.committedRevision() !== revision) view.past = this.#pastGraph(revision);
    }
  }

  /** The graph at `revision`: the state then of every triplet and resource changed since. */
  #pastGraph(revision: number): PastGraph {
    const edges = new Map<string, Relationship | null>();
    const resources = new Map<string, Resource | null>();
    for (const entry of this.#reader.logSince(revision)) {
      for (const change of entry.relationships) {
        const hex = tripleKey('spo', this.#tripleIdsOf(change.relationship)).toString('hex');
        if (!edges.has(hex)) edges.set(hex, change.previous);
      }
      for (const change of entry.resources) {
        const hex = refKey(change.resource.ref).toString('hex');
        if (!resources.has(hex)) resources.set(hex, change.previous);
      }
    }
    const removed: TripleIds[] = [];
    for (const [hex, then] of edges) {
      const key = Buffer.from(hex, 'hex');
      if (then !== null && this.#dbs.spo.get(key) === undefined) removed.push(decodeTripleKey('spo', key));
    }
    return { edges, removed, resources };
  }

  /** Term ids of a logged relationship (its terms exist: they are never removed). */
  #tripleIdsOf(relationship: Relationship): TripleIds {
    const s = this.#terms.refId(relationship.subject);
    const p = this.#terms.predicateId(relationship.predicate.type);
    const o = this.#terms.refId(relationship.object);
    invariant(s !== undefined && p !== undefined && o !== undefined, 'a logged relationship has term ids');
    return { s, p, o };
  }

  // --- resources ----------------------------------------------------------------------------------
}
