/**
 * Batched store reads. Resolving the same field over many parents (the relationships of every listed
 * pod, the subject of every listed relationship) costs one store call per field per tick, not one per
 * parent.
 *
 * Loaders live for one execution: one HTTP request, one websocket query, or one event of a
 * subscription (an event must not see resources cached by an earlier one).
 */
import DataLoader from 'dataloader';
import type { GraphQLResolveInfo } from 'graphql';
import type { Direction, Relationship, RelationshipPattern, ResourceRef, Store } from '../store/index.ts';
import { refString } from '../store/index.ts';
import { type ExecutionBudget, paced } from './budget.ts';
import type { SchemaContext } from './context.ts';
import { exposedAll, type SchemaResource } from './exposed.ts';

/** The edges of one resource: where it is subject, object, or either, optionally of one predicate. */
export interface EdgeQuery {
  readonly ref: ResourceRef;
  readonly direction: Direction;
  readonly predicateType: string | null;
}

/** The loaders of one execution. */
export interface Loaders {
  /** Current state of a resource by ref (its metadata: `data` is read when selected); null when not stored. */
  readonly resource: DataLoader<ResourceRef, SchemaResource | null, string>;
  /** Edges of a resource, at most `limit` of them (every one when `limit` is undefined). */
  edges(limit: number | undefined): DataLoader<EdgeQuery, Relationship[], string>;
}

function edgeKey(query: EdgeQuery): string {
  return `${query.direction} ${query.predicateType ?? ''} ${refString(query.ref)}`;
}

function patternsOf(query: EdgeQuery): RelationshipPattern[] {
  const outgoing = { subject: query.ref, predicateType: query.predicateType };
  const incoming = { object: query.ref, predicateType: query.predicateType };
  if (query.direction === 'OUTGOING') return [outgoing];
  if (query.direction === 'INCOMING') return [incoming];
  return [outgoing, incoming];
}

function loadEdges(store: Store, queries: readonly EdgeQuery[], limit: number | undefined): Relationship[][] {
  const patterns = queries.flatMap(patternsOf);
  const found = store.relationshipsMany(patterns, limit);
  let next = 0;
  return queries.map((query) => {
    const count = query.direction === 'BOTH' ? 2 : 1;
    const edges = found.slice(next, next + count).flat();
    next += count;
    return limit === undefined ? edges : edges.slice(0, limit);
  });
}

/** Creates the loaders of one execution over `store`; each batch waits its turn under `budget`. */
export function createLoaders(store: Store, budget?: ExecutionBudget): Loaders {
  const edgeLoaders = new Map<number | undefined, DataLoader<EdgeQuery, Relationship[], string>>();
  return {
    // Async batch functions: a store error rejects the batch's loads as it is (DataLoader turns a
    // synchronous throw into a TypeError of its own, which would be masked as unexpected).
    resource: new DataLoader(
      (refs) => paced(budget, () => exposedAll(store.getMany(refs, { data: false }))),
      { cacheKeyFn: refString },
    ),
    edges(limit) {
      let loader = edgeLoaders.get(limit);
      if (!loader) {
        loader = new DataLoader((queries) => paced(budget, () => loadEdges(store, queries, limit)), {
          cacheKeyFn: edgeKey,
        });
        edgeLoaders.set(limit, loader);
      }
      return loader;
    },
  };
}

const loadersByScope = new WeakMap<object, Loaders>();

/**
 * The loaders of the execution `info` belongs to. Queries and mutations share them per context; each
 * subscription event gets its own (graphql-js executes every event with the event as root value).
 */
export function loadersOf(context: SchemaContext, info: GraphQLResolveInfo): Loaders {
  const root: unknown = info.rootValue;
  const scope =
    info.operation.operation === 'subscription' && typeof root === 'object' && root !== null ? root : context;
  let loaders = loadersByScope.get(scope);
  if (!loaders) {
    loaders = createLoaders(context.store, context.budget);
    loadersByScope.set(scope, loaders);
  }
  return loaders;
}
