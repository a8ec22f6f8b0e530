/**
 * Relay connections built from store pages and from in-memory lists of edges, their page sizes, and
 * the `extensions.cost` by which the server's cost analysis counts a field's objects.
 */
import { type ASTNode, GraphQLError } from 'graphql';
import { badInput, type Page } from '../store/index.ts';

/** The page size of every connection when a client gives no `first`. */
export const DEFAULT_PAGE_SIZE = 100;

/** The largest `first` of any connection; above is BAD_USER_INPUT. */
export const MAX_PAGE_SIZE = 1000;

/**
 * How the server's cost analysis counts the objects of a field (read from its `extensions.cost`):
 * a connection's edges are its page size; a list is as long as an estimate, or as an argument.
 */
export interface FieldCost {
  /** A connection: its edges number `first`, this many when `first` is absent. */
  readonly pageSize?: number;
  /** A list: an estimate of its length, or the argument giving it (a list's length, or a number). */
  readonly listSize?: number | string;
}

/** A field's `extensions` carrying its {@link FieldCost}. */
export function costExtensions(cost: FieldCost): { cost: FieldCost } {
  return { cost };
}

/** The `extensions` of every connection field: `first` edges, {@link DEFAULT_PAGE_SIZE} by default. */
export const CONNECTION_COST = costExtensions({ pageSize: DEFAULT_PAGE_SIZE });

/** The description of every connection's `first` argument. */
export const FIRST_DESCRIPTION = `At most ${MAX_PAGE_SIZE} items (default ${DEFAULT_PAGE_SIZE}); above is BAD_USER_INPUT.`;

/** A connection result: Relay edges and page info, plus the revision read at and a lazy total. */
export interface ConnectionResult<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
  revision: number;
  totalCount: () => number | Promise<number>;
}

/** Paging arguments as a client sends them. */
export interface PageArgs {
  readonly first?: number | null | undefined;
  readonly after?: string | null | undefined;
}

/**
 * The page size `first` asks for: {@link DEFAULT_PAGE_SIZE} when absent; BAD_USER_INPUT, with the
 * maximum, when it is negative or over {@link MAX_PAGE_SIZE}.
 */
export function pageLimit(first: number | null | undefined): number {
  if (first == null) return DEFAULT_PAGE_SIZE;
  if (!Number.isSafeInteger(first) || first < 0 || first > MAX_PAGE_SIZE) throw pageSizeError(first);
  return first;
}

/** The error of a `first` out of range, located at `node` when given. */
export function pageSizeError(first: unknown, node?: ASTNode): GraphQLError {
  return new GraphQLError(`first: must be an integer from 0 to ${MAX_PAGE_SIZE}, given ${String(first)}`, {
    ...(node ? { nodes: node } : {}),
    extensions: { code: 'BAD_USER_INPUT', field: 'first', max: MAX_PAGE_SIZE },
  });
}

function memo<T>(compute: () => T): () => T {
  let computed: { value: T } | undefined;
  return () => {
    computed ??= { value: compute() };
    return computed.value;
  };
}

/** An edge of a page: its cursor is made only if a client asks for it. */
class PageEdge<T> {
  readonly #page: Page<T>;
  readonly #index: number;
  readonly node: T;

  constructor(page: Page<T>, index: number, node: T) {
    this.#page = page;
    this.#index = index;
    this.node = node;
  }

  get cursor(): string {
    return this.#page.cursorAt(this.#index);
  }
}

/** A connection over one page of a store listing; `count` runs only if a client asks for `totalCount`. */
export function connectionFromPage<T>(
  page: Page<T>,
  after: string | null | undefined,
  count: () => number | Promise<number>,
): ConnectionResult<T> {
  const { items } = page;
  const edges = new Array<PageEdge<T>>(items.length);
  for (let index = 0; index < items.length; index++) edges[index] = new PageEdge(page, index, items[index]!);
  return {
    edges,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: after != null,
      // Cursors are made only for clients that ask for them.
      get startCursor() {
        return page.items.length > 0 ? page.cursorAt(0) : null;
      },
      get endCursor() {
        return page.endCursor ?? (page.items.length > 0 ? page.cursorAt(page.items.length - 1) : null);
      },
    },
    revision: page.revision,
    totalCount: memo(count),
  };
}

const OFFSET_PREFIX = 'offset:';

/** An opaque cursor for the item at `offset` of a list read whole. */
export function offsetCursor(offset: number): string {
  return Buffer.from(`${OFFSET_PREFIX}${offset}`).toString('base64url');
}

/** The offset after which a page starts (0 without a cursor). Rejects cursors this code did not make. */
export function offsetAfter(after: string | null | undefined): number {
  if (after == null) return 0;
  const decoded = Buffer.from(after, 'base64url').toString();
  const offset = Number(decoded.slice(OFFSET_PREFIX.length));
  if (!decoded.startsWith(OFFSET_PREFIX) || !Number.isSafeInteger(offset) || offset < 0) {
    throw badInput('after', 'is not a cursor of this connection');
  }
  return offset + 1;
}

/**
 * A connection over `items`, the first `start + limit + 1` or more items of a list read whole: the
 * page is `items[start, start + limit)`.
 */
export function connectionFromList<T>(
  items: readonly T[],
  start: number,
  limit: number,
  revision: number,
  count: () => number | Promise<number>,
): ConnectionResult<T> {
  const page = items.slice(start, start + limit);
  const edges = page.map((node, index) => ({ cursor: offsetCursor(start + index), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: items.length > start + limit,
      hasPreviousPage: start > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    revision,
    totalCount: memo(count),
  };
}
