/**
 * The read path. Every read is synchronous and runs inside one synchronous call, so it sees one LMDB
 * snapshot. Listings are served by range scans of one index per query shape; later pages of a listing
 * are read "as of" the first page's revision by overlaying the change log on the current state, the
 * way a Kubernetes continue token reads a consistent list (and, like one, it expires with compaction).
 */
import { type Databases, type LogEntry, readCounter } from './db.ts';
import { StoreError } from './errors.ts';
import {
  decodeNsTypeKey,
  decodeRefKey,
  decodeTypeCountKey,
  keySuccessor,
  labelValuePrefix,
  META,
  nsTypeKey,
  nsTypesPrefix,
  prefixEnd,
  refKey,
  refKeyOfLabelKey,
  revisionKey,
  typeCountKey,
  typePrefix,
} from './keys.ts';
import type { LabelSelector } from './labels.ts';
import { fingerprintOf, type Keyed, mergePage, positionOf, toPage } from './pages.ts';
import { currentResource, decodeLogEntry, readPayload, readResource } from './records.ts';
import type { Page, Resource, ResourceMetadata, ResourceRef, TypeCount } from './types.ts';

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

/** Synchronous reads of resources, counters and the log (relationships: triple-reads.ts; walks: walk-reads.ts). */
export class Reader {
  readonly #dbs: Databases;

  constructor(dbs: Databases) {
    this.#dbs = dbs;
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
    for (const entry of this.logSince(revision)) {
      for (const change of entry.resources) {
        if (!refMatches(query, change.resource.ref)) continue;
        const hex = refKey(change.resource.ref).toString('hex');
        if (!overlay.has(hex)) overlay.set(hex, change.previous);
      }
    }
    return overlay;
  }

  /** Every log entry after `revision`, or REVISION_COMPACTED when some are gone. */
  logSince(revision: number): LogEntry[] {
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
