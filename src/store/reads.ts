/**
 * The read path. Every read is synchronous and runs inside one synchronous call, so it sees one LMDB
 * snapshot. Listings are served by range scans of one index per query shape; later pages of a listing
 * are read "as of" the first page's revision by overlaying the change log on the current state, the
 * way a Kubernetes continue token reads a consistent list (and, like one, it expires with compaction).
 */
import { type Databases, type LogEntry, type RelationshipValue, readCounter, type Terms } from './db.ts';
import { invariant, StoreError } from './errors.ts';
import {
  type GraphView,
  type PastGraph,
  relationshipOf,
  shortestPath,
  type WalkOptions,
  walk,
} from './graph.ts';
import {
  decodeNsTypeKey,
  decodeRefKey,
  decodeTripleKey,
  decodeTypeCountKey,
  keySuccessor,
  labelValuePrefix,
  META,
  nsTypeKey,
  nsTypesPrefix,
  prefixEnd,
  readId,
  refKey,
  refKeyOfLabelKey,
  revisionKey,
  type TripleIds,
  type TripleIndex,
  tripleKey,
  triplePrefix,
  tupleKey,
  typeCountKey,
  typePrefix,
} from './keys.ts';
import type { LabelSelector } from './labels.ts';
import { decodeCursor, fingerprintOf, type Keyed, mergePage, positionOf, toPage } from './pages.ts';
import { currentResource, decodeLogEntry, readPayload, readResource } from './records.ts';
import type {
  Page,
  Relationship,
  Resource,
  ResourceMetadata,
  ResourceRef,
  TraversalStep,
  TypeCount,
} from './types.ts';

/** A resource as a read returns it: whole, or its metadata alone (`data: false`). */
type Read = Resource | ResourceMetadata;

/** A validated resource listing query. */
export interface ResourceQuery {
  group?: string | undefined;
  version?: string | undefined;
  kind?: string | undefined;
  namespace?: string | undefined;
  selector: LabelSelector;
}

/** A validated relationship pattern. */
export interface TriplePattern {
  subject?: ResourceRef | undefined;
  predicateType?: string | undefined;
  object?: ResourceRef | undefined;
}

/** Label `In` requirements with more values than this are filtered instead of index-merged. */
const MAX_MERGED_LABEL_VALUES = 16;

/** Whether a resource matches a query (applied to every candidate, whichever index produced it). */
export function matchesQuery(query: ResourceQuery, resource: ResourceMetadata): boolean {
  return refMatches(query, resource.ref) && query.selector.matches(resource.labels);
}

function refMatches(query: ResourceQuery, ref: ResourceRef): boolean {
  return (
    (query.group === undefined || ref.group === query.group) &&
    (query.version === undefined || ref.version === query.version) &&
    (query.kind === undefined || ref.kind === query.kind) &&
    (query.namespace === undefined || ref.namespace === query.namespace)
  );
}

/** Whether a relationship matches a pattern. */
export function matchesPattern(pattern: TriplePattern, relationship: Relationship): boolean {
  return (
    (pattern.subject === undefined || sameRef(pattern.subject, relationship.subject)) &&
    (pattern.predicateType === undefined || pattern.predicateType === relationship.predicate.type) &&
    (pattern.object === undefined || sameRef(pattern.object, relationship.object))
  );
}

/** A resource as a past view saw it: its state then if it changed since, else `now`. */
function resourceThen(past: PastGraph, ref: ResourceRef, now: Read | null): Read | null {
  const then = past.resources.get(refKey(ref).toString('hex'));
  return then === undefined ? now : then;
}

/** Ref equality. */
export function sameRef(a: ResourceRef, b: ResourceRef): boolean {
  return (
    a.name === b.name &&
    a.namespace === b.namespace &&
    a.kind === b.kind &&
    a.version === b.version &&
    a.group === b.group
  );
}

/** Synchronous reads over the databases. */
export class Reader {
  readonly #dbs: Databases;
  readonly #terms: Terms;

  constructor(dbs: Databases, terms: Terms) {
    this.#dbs = dbs;
    this.#terms = terms;
  }

  /** The newest committed revision (visible; its publication may follow once it is durable). */
  committedRevision(): number {
    return readCounter(this.#dbs, META.revision);
  }

  /** The newest revision removed from the log by compaction. */
  compactedRevision(): number {
    return readCounter(this.#dbs, META.compactedRevision);
  }

  /** The resource at `ref` (its metadata alone unless `data`), or null. */
  get(ref: ResourceRef, data: boolean): Read | null {
    return readResource(this.#dbs, ref, refKey(ref), data);
  }

  getByUid(uid: string, data: boolean): Read | null {
    const key = this.#dbs.uids.get(Buffer.from(uid));
    return key ? readResource(this.#dbs, decodeRefKey(key), key, data) : null;
  }

  /** The JSON text of the payload of the state of `ref` at `revision` (REVISION_COMPACTED when gone). */
  payload(ref: ResourceRef, revision: number): string {
    return readPayload(this.#dbs, refKey(ref), revision);
  }

  types(): TypeCount[] {
    const range = this.#dbs.types.getRange({ start: Buffer.alloc(0), end: prefixEnd(Buffer.alloc(0)) });
    return Array.from(range, ({ key, value }) => ({ ...decodeTypeCountKey(key), count: value }));
  }

  /**
   * One page of resources; `cursor` (from a previous page) pins the page to that page's revision, and
   * `at` reads the first page at an older revision.
   */
  listResources(
    query: ResourceQuery,
    limit: number,
    cursor: string | null,
    at: number | null,
    data: boolean,
  ): Page<Read> {
    const fingerprint = fingerprintOf([
      'resources',
      query.group,
      query.version,
      query.kind,
      query.namespace,
      JSON.stringify(query.selector.requirements),
    ]);
    const position = positionOf(cursor, fingerprint, at);
    const revision = position?.revision ?? this.committedRevision();
    const overlay = position ? this.#resourceOverlay(query, position.revision) : null;
    if (overlay === null && this.#labelDriver(query) === undefined) {
      return toPage(this.#scanTypes(query, null, data, limit + 1), limit, revision, fingerprint);
    }
    const current = this.#currentResources(query, position?.key ?? null, data);
    const entries = mergePage<Read>(
      current,
      overlay,
      (item) => matchesQuery(query, item),
      position?.key ?? null,
      limit,
    );
    return toPage(entries, limit, revision, fingerprint);
  }

  /** Number of resources matching a query now. */
  countResources(query: ResourceQuery): number {
    if (
      query.selector.empty &&
      query.group !== undefined &&
      query.version !== undefined &&
      query.kind !== undefined
    ) {
      const { group, version, kind, namespace } = query;
      if (namespace === undefined) return this.#dbs.types.get(typeCountKey(group, version, kind)) ?? 0;
      return this.#dbs.nsTypes.get(nsTypeKey(namespace, group, version, kind)) ?? 0;
    }
    let count = 0;
    for (const _ of this.#currentResources(query, null, false)) count++;
    return count;
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
    const revision = position?.revision ?? this.committedRevision();
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

  /** Log entries with `after < revision <= upTo`, at most `limit` of them. */
  readLog(after: number, upTo: number, limit: number): LogEntry[] {
    if (upTo <= after) return [];
    const range = this.#dbs.log.getRange({
      start: revisionKey(after + 1),
      end: revisionKey(upTo + 1),
      limit,
    });
    return Array.from(range, ({ value }) => decodeLogEntry(this.#dbs, value));
  }

  /**
   * One page of a breadth-first traversal. Every page walks the graph as it was at the first page's
   * revision (changes since are undone from the log), so pages neither skip nor repeat a node.
   */
  traverse(
    start: ResourceRef,
    walkOptions: WalkOptions,
    kinds: ReadonlySet<string> | null,
    limit: number,
    cursor: string | null,
    data: boolean,
  ): Page<TraversalStep<Read>> {
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
    const revision = position?.revision ?? this.committedRevision();
    const past = revision < this.committedRevision() ? this.#pastGraph(revision) : null;
    const view: GraphView = { dbs: this.#dbs, terms: this.#terms, inTxn: false, past };
    const isReported = kinds && ((id: number) => kinds.has(this.#terms.ref(id).kind));
    const reached = walk(view, start, {
      ...walkOptions,
      enough: offset + limit + 1,
      counts: isReported ?? undefined,
    });
    const matching = isReported ? reached.filter((r) => isReported(r.id)) : reached;
    const entries = matching.slice(offset, offset + limit + 1).map((r, i): Keyed<TraversalStep<Read>> => {
      const ref = this.#terms.ref(r.id);
      const now = this.get(ref, data);
      const resource = past ? resourceThen(past, ref, now) : now;
      return {
        key: tupleKey(offset + i + 1),
        item: { ref, resource, depth: r.depth, via: relationshipOf(view, r.via) },
      };
    });
    return toPage(entries, limit, revision, fingerprint);
  }

  /** A shortest path of relationships, [] from a node to itself, or null. */
  path(from: ResourceRef, to: ResourceRef, walkOptions: WalkOptions): Relationship[] | null {
    const view = { dbs: this.#dbs, terms: this.#terms, inTxn: false };
    return shortestPath(view, from, to, walkOptions)?.map((edge) => relationshipOf(view, edge)) ?? null;
  }

  /** The graph at `revision`: the state then of every triplet and resource changed since. */
  #pastGraph(revision: number): PastGraph {
    const edges = new Map<string, Relationship | null>();
    const resources = new Map<string, Resource | null>();
    for (const entry of this.#logSince(revision)) {
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

  /** The label requirement whose index drives a listing, if it has one. */
  #labelDriver(query: ResourceQuery) {
    return query.selector.requirements.find(
      (r) => r.operator === 'In' && r.values.length <= MAX_MERGED_LABEL_VALUES,
    );
  }

  /**
   * Up to `want` matches of a query under its type prefixes, in key order: the listing's common case
   * (the current state, no label index), read in one loop rather than through generators.
   */
  #scanTypes(query: ResourceQuery, after: Buffer | null, data: boolean, want: number): Keyed<Read>[] {
    const found: Keyed<Read>[] = [];
    const filtered = !query.selector.empty || query.namespace !== undefined;
    for (const prefix of this.#typePrefixes(query)) {
      const end = prefixEnd(prefix);
      const start = after === null || Buffer.compare(after, prefix) < 0 ? prefix : keySuccessor(after);
      if (Buffer.compare(start, end) >= 0) continue;
      for (const { key, value } of this.#dbs.resources.getRange({ start, end })) {
        if (found.length >= want) return found;
        const item = currentResource(this.#dbs, decodeRefKey(key), key, value, data);
        if (!filtered || matchesQuery(query, item)) found.push({ key, item });
      }
    }
    return found;
  }

  *#currentResources(query: ResourceQuery, after: Buffer | null, data: boolean): Generator<Keyed<Read>> {
    const driver = this.#labelDriver(query);
    const candidates = driver
      ? this.#labelCandidates(driver.key, driver.values, query, after, data)
      : this.#typeCandidates(query, after, data);
    for (const candidate of candidates) {
      if (matchesQuery(query, candidate.item)) yield candidate;
    }
  }

  /** Resources under each type prefix the query can match, in key order. */
  *#typeCandidates(query: ResourceQuery, after: Buffer | null, data: boolean): Generator<Keyed<Read>> {
    for (const prefix of this.#typePrefixes(query)) {
      const end = prefixEnd(prefix);
      const start = after === null || Buffer.compare(after, prefix) < 0 ? prefix : keySuccessor(after);
      if (Buffer.compare(start, end) >= 0) continue;
      for (const { key, value } of this.#dbs.resources.getRange({ start, end })) {
        yield { key, item: currentResource(this.#dbs, decodeRefKey(key), key, value, data) };
      }
    }
  }

  #typePrefixes(query: ResourceQuery): Buffer[] {
    const { group, version, kind, namespace } = query;
    if (group !== undefined && version !== undefined && kind !== undefined) {
      return [typePrefix(group, version, kind, namespace)];
    }
    if (namespace === undefined && group === undefined && version === undefined && kind === undefined) {
      return [Buffer.alloc(0)];
    }
    const source = namespace === undefined ? this.#dbs.types : this.#dbs.nsTypes;
    const scope = namespace === undefined ? Buffer.alloc(0) : nsTypesPrefix(namespace);
    const decode = namespace === undefined ? decodeTypeCountKey : decodeNsTypeKey;
    const types = Array.from(source.getKeys({ start: scope, end: prefixEnd(scope) }), decode);
    return types
      .filter((t) => refMatches({ ...query, namespace: undefined }, { ...t, namespace: '', name: '' }))
      .map((t) => typePrefix(t.group, t.version, t.kind, namespace));
  }

  /** Resources carrying `key` with one of `values`, merged into key order across the values. */
  *#labelCandidates(
    label: string,
    values: readonly string[],
    query: ResourceQuery,
    after: Buffer | null,
    data: boolean,
  ): Generator<Keyed<Read>> {
    const streams = values.map((value) => {
      const prefix = labelValuePrefix(label, value);
      const start = after === null ? prefix : Buffer.concat([prefix, keySuccessor(after)]);
      return this.#dbs.labels
        .getKeys({ start, end: prefixEnd(prefix) })
        .map(refKeyOfLabelKey)
        [Symbol.iterator]();
    });
    for (const key of mergeSorted(streams)) {
      const ref = decodeRefKey(key);
      if (!refMatches(query, ref)) continue;
      const record = this.#dbs.resources.get(key);
      if (record) yield { key, item: currentResource(this.#dbs, ref, key, record, data) };
    }
  }

  /** The state, at `revision`, of every resource the query could match that changed after it. */
  #resourceOverlay(query: ResourceQuery, revision: number): Map<string, Resource | null> {
    const overlay = new Map<string, Resource | null>();
    for (const entry of this.#logSince(revision)) {
      for (const change of entry.resources) {
        if (!refMatches(query, change.resource.ref)) continue;
        const hex = refKey(change.resource.ref).toString('hex');
        if (!overlay.has(hex)) overlay.set(hex, change.previous);
      }
    }
    return overlay;
  }

  // --- relationships ------------------------------------------------------------------------------

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
    for (const entry of this.#logSince(revision)) {
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

  /** Every log entry after `revision`, or REVISION_COMPACTED when some are gone. */
  #logSince(revision: number): LogEntry[] {
    const compacted = this.compactedRevision();
    if (revision < compacted) {
      throw new StoreError(
        'REVISION_COMPACTED',
        `revision ${revision} is older than the retained log (${compacted})`,
        {
          compactedRevision: compacted,
        },
      );
    }
    return this.readLog(revision, this.committedRevision(), Number.MAX_SAFE_INTEGER);
  }
}

/** The ids that are bound, in order. */
function bound(...ids: (number | undefined)[]): number[] {
  return ids.filter((id): id is number => id !== undefined);
}

/** Merges ascending key streams into one ascending stream without duplicates. */
function* mergeSorted(streams: Iterator<Buffer>[]): Generator<Buffer> {
  const heads = streams.map((stream) => stream.next());
  let previous: Buffer | null = null;
  for (;;) {
    let min = -1;
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i]!;
      if (
        !head.done &&
        (min < 0 || Buffer.compare(head.value, (heads[min] as IteratorYieldResult<Buffer>).value) < 0)
      ) {
        min = i;
      }
    }
    if (min < 0) return;
    const { value } = heads[min] as IteratorYieldResult<Buffer>;
    heads[min] = streams[min]!.next();
    if (previous === null || !previous.equals(value)) yield value;
    previous = value;
  }
}
