/**
 * Checking the arguments of the store's reads and walks against the bounds it was opened with: page
 * sizes, revisions, resource queries, walk options.
 */
import type { Terms } from './db.ts';
import { badInput } from './errors.ts';
import type { WalkOptions } from './graph.ts';
import { parseLabelSelector } from './labels.ts';
import { optionalStringList } from './operations.ts';
import type { Reader, ResourceQuery } from './reads.ts';
import type {
  CascadeOptions,
  Direction,
  ListQuery,
  PassableOptions,
  PathOptions,
  ReadOptions,
  ResourceRef,
} from './types.ts';
import { isPlainObject, normalizePredicateType, optionalKeyString, REF_LIMITS } from './validate.ts';

const DEFAULT_PAGE_SIZE = 100;
const DEFAULT_TRAVERSAL_DEPTH = 10;
const DIRECTIONS: readonly Direction[] = ['OUTGOING', 'INCOMING', 'BOTH'];

/** The bounds a store was opened with. */
export interface QueryBounds {
  readonly maxPageSize: number;
  readonly maxTraversalNodes: number;
  readonly maxTraversalDepth: number;
}

/** Checks read and walk arguments against a store's bounds. */
export class QueryInput {
  readonly #maxPageSize: number;
  readonly #maxTraversalNodes: number;
  readonly #maxTraversalDepth: number;
  readonly #reader: Reader;
  readonly #terms: Terms;

  constructor(bounds: QueryBounds, reader: Reader, terms: Terms) {
    this.#maxPageSize = bounds.maxPageSize;
    this.#maxTraversalNodes = bounds.maxTraversalNodes;
    this.#maxTraversalDepth = bounds.maxTraversalDepth;
    this.#reader = reader;
    this.#terms = terms;
  }

  /** Checked walk options, bounded by the store's depth and node limits. */
  walkOptions(options: PathOptions): WalkOptions {
    const direction = options.direction ?? 'OUTGOING';
    if (!DIRECTIONS.includes(direction))
      throw badInput('direction', `must be one of ${DIRECTIONS.join(', ')}`);
    const maxDepth = options.maxDepth ?? Math.min(DEFAULT_TRAVERSAL_DEPTH, this.#maxTraversalDepth);
    if (!Number.isSafeInteger(maxDepth) || maxDepth < 1 || maxDepth > this.#maxTraversalDepth) {
      throw badInput('maxDepth', `must be an integer from 1 to ${this.#maxTraversalDepth}`);
    }
    const predicates = optionalStringList(options.predicates, 'predicates', normalizePredicateType);
    return {
      direction,
      predicates,
      maxDepth,
      maxNodes: this.#maxTraversalNodes,
      passable: this.#passableIds(passableOf(options)),
    };
  }

  /** A walk's `passable` on refs as a predicate on term ids (undefined: every node). */
  #passableIds(passable: ((ref: ResourceRef) => boolean) | undefined): WalkOptions['passable'] {
    if (passable === undefined) return undefined;
    const terms = this.#terms;
    return (id) => passable(terms.ref(id));
  }

  /** A checked `atRevision`: at most the committed revision. */
  atRevision(value: number | null | undefined): number | null {
    if (value === null || value === undefined) return null;
    if (!Number.isSafeInteger(value) || value < 0)
      throw badInput('atRevision', 'must be a non-negative integer');
    const committed = this.#reader.committedRevision();
    if (value > committed)
      throw badInput('atRevision', `revision ${value} is newer than the store (${committed})`);
    return value;
  }

  /** A checked resource query: type parts, namespace, a parsed label selector. */
  resourceQuery(query: Omit<ListQuery, 'limit' | 'after'>): ResourceQuery {
    const type = query.type ?? {};
    if (!isPlainObject(type)) throw badInput('type', 'must be an object');
    const selector = query.labelSelector ?? '';
    if (typeof selector !== 'string') throw badInput('labelSelector', 'must be a string');
    return {
      group: optionalKeyString(type.group, 'type.group', REF_LIMITS.group),
      version: optionalKeyString(type.version, 'type.version', REF_LIMITS.version),
      kind: optionalKeyString(type.kind, 'type.kind', REF_LIMITS.kind),
      namespace: optionalKeyString(query.namespace, 'namespace', REF_LIMITS.namespace),
      selector: parseLabelSelector(selector),
    };
  }

  /** A checked page size: the default when absent, at most the store's largest page. */
  limit(limit: number | null | undefined): number {
    if (limit === null || limit === undefined) return Math.min(DEFAULT_PAGE_SIZE, this.#maxPageSize);
    if (!Number.isSafeInteger(limit) || limit < 0 || limit > this.#maxPageSize) {
      throw badInput('limit', `must be an integer from 0 to ${this.#maxPageSize}`);
    }
    return limit;
  }
}

/** The `passable` option of a walk or a cascading delete, checked (undefined when absent). */
export function passableOf(
  options: PassableOptions | CascadeOptions,
): ((ref: ResourceRef) => boolean) | undefined {
  const { passable } = options;
  if (passable === undefined || passable === null) return undefined;
  if (typeof passable !== 'function') throw badInput('passable', 'must be a function');
  return passable;
}

/** Whether a read decodes payloads: unless `{ data: false }`. */
export function withData(options: ReadOptions | undefined): boolean {
  const data = options?.data;
  if (data !== undefined && data !== null && typeof data !== 'boolean')
    throw badInput('data', 'must be a boolean');
  return data !== false;
}
