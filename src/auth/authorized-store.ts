/**
 * The authorized store: a view of a store that applies a principal's rules to every read, walk,
 * write and watch. The server puts this view in the context of an authenticated operation, so every
 * resolver — queries, traversals, mutations, subscription events and their nested fields — goes
 * through it; the store itself knows nothing of principals.
 *
 * What a principal may not `get` does not exist for it: point reads return null, listings and edges
 * leave it out, and walks run in the store with it as a ref they may not enter (the store's
 * `passable` option), so a walk neither reports it nor passes through it, in one walk of one
 * snapshot under the store's own limits and cursors. A write it may not make fails with FORBIDDEN
 * before anything is written (`authorized-writes.ts`).
 */
import type {
  ListQuery,
  MetadataOnly,
  Page,
  PathOptions,
  ReadOptions,
  Relationship,
  ResourceMetadata,
  ResourceRef,
  ResourceRefInput,
  Steps,
  Store,
  TraversalStep,
  TraverseOptions,
} from '../store/index.ts';
import { runSteps } from '../store/index.ts';
import { authorizedWrites } from './authorized-writes.ts';
import { filteredPage, filteredWatch } from './filtered.ts';
import { Permissions, type Principal, type Target } from './permissions.ts';

/** What every part of a view works on: the store behind it and its caller's permissions. */
interface Scope {
  readonly store: Store;
  readonly can: Permissions;
  /** Whether the caller may `get` everything: reads and walks then go straight to the store. */
  readonly seesAll: boolean;
  /** May the caller `get` the resource at `ref`? */
  readonly visible: (ref: Target) => boolean;
}

/** The read methods of a store. */
type ReadMethods = Pick<
  Store,
  | 'get'
  | 'getByUid'
  | 'getMany'
  | 'storedJson'
  | 'list'
  | 'count'
  | 'types'
  | 'relationships'
  | 'relationshipsMany'
>;

/** The count query of a store. */
type CountQuery = Omit<ListQuery, 'limit' | 'after'>;

/** Compiled permissions by principal: an authenticator hands out one principal object per entry. */
const compiled = new WeakMap<Principal, Permissions>();

/** The permissions of `principal`, compiled once. */
function permissionsOf(principal: Principal): Permissions {
  let can = compiled.get(principal);
  if (can === undefined) {
    can = new Permissions(principal);
    compiled.set(principal, can);
  }
  return can;
}

/** `store` as `principal` sees it. See the module comment for the rules. */
export function authorizedStore(store: Store, principal: Principal): Store {
  const can = permissionsOf(principal);
  const scope: Scope = {
    store,
    can,
    seesAll: can.covers('get', null, null, null),
    visible: (ref) => can.allows('get', ref),
  };
  return {
    get path() {
      return store.path;
    },
    get revision() {
      return store.revision;
    },
    get compactedRevision() {
      return store.compactedRevision;
    },
    get limits() {
      return store.limits;
    },
    ...authorizedReads(scope),
    traverse: (start: ResourceRefInput, options?: TraverseOptions, read?: ReadOptions) =>
      runSteps(authorizedTraverse(scope)(start, options, read)),
    traverseSteps: authorizedTraverse(scope),
    shortestPath: (from, to, options) => runSteps(authorizedPath(scope, from, to, options)),
    shortestPathSteps: (from, to, options) => authorizedPath(scope, from, to, options),
    ...authorizedWrites(scope),
    ...authorizedWatches(scope),
    storage: () => store.storage(),
    checkIntegrity: () => store.checkIntegrity(),
    compact: () => store.compact(),
    close: () => store.close(),
  };
}

/** Point reads, listings, counts and edges, with what the caller may not see left out. */
function authorizedReads(scope: Scope): ReadMethods {
  const { store, can, seesAll, visible } = scope;
  const shown = <R extends ResourceMetadata>(resource: R | null) =>
    resource !== null && visible(resource.ref) ? resource : null;
  const edgeVisible = (edge: Relationship) => visible(edge.subject) && visible(edge.object);
  return {
    get: (ref: ResourceRefInput, read?: ReadOptions) => shown(store.get(ref, read)),
    getByUid: (uid: string, read?: ReadOptions) => shown(store.getByUid(uid, read)),
    getMany: (refs: readonly ResourceRefInput[], read?: ReadOptions) => store.getMany(refs, read).map(shown),
    // A payload goes with a resource the principal was shown: by a read (`get`) or a listing (`list`).
    storedJson: (resource) =>
      visible(resource.ref) || can.allows('list', resource.ref) ? store.storedJson(resource) : null,
    list(query: ListQuery = {}, read?: ReadOptions) {
      const type = query.type ?? {};
      if (can.covers('list', query.namespace ?? null, type.group ?? null, type.kind ?? null)) {
        return store.list(query, read);
      }
      return filteredPage(
        (after, limit) => store.list({ ...query, after, limit }, read),
        (resource) => can.allows('list', resource.ref),
        query.limit,
        query.after,
      );
    },
    count: (query) => countVisible(scope, query),
    types: () => visibleTypes(scope),
    relationships(pattern = {}, page = {}) {
      if (seesAll) return store.relationships(pattern, page);
      return filteredPage(
        (after, limit) => store.relationships(pattern, { ...page, after, limit }),
        edgeVisible,
        page.limit,
        page.after,
      );
    },
    relationshipsMany(patterns, limit) {
      if (seesAll) return store.relationshipsMany(patterns, limit);
      return store
        .relationshipsMany(patterns)
        .map((edges) => edges.filter(edgeVisible).slice(0, limit ?? Number.POSITIVE_INFINITY));
    },
  };
}

/** How many resources matching `query` the principal may list: store counts per visible type and namespace. */
function countVisible(scope: Scope, query: CountQuery = {}): number {
  const { store, can } = scope;
  const type = query.type ?? {};
  if (can.covers('list', query.namespace ?? null, type.group ?? null, type.kind ?? null)) {
    return store.count(query);
  }
  let total = 0;
  for (const t of store.types()) {
    if (type.group != null && type.group !== t.group) continue;
    if (type.version != null && type.version !== t.version) continue;
    if (type.kind != null && type.kind !== t.kind) continue;
    const exact = { group: t.group, version: t.version, kind: t.kind };
    const namespaces = can.namespacesFor('list', t.group, t.kind);
    if (namespaces === '*') {
      total += store.count({ ...query, type: exact });
      continue;
    }
    for (const namespace of namespaces) {
      if (query.namespace != null && query.namespace !== namespace) continue;
      total += store.count({ ...query, type: exact, namespace });
    }
  }
  return total;
}

/** The stored types with the number of their resources the principal may list, those it may list any of. */
function visibleTypes(scope: Scope): ReturnType<Store['types']> {
  const { store, can } = scope;
  if (can.covers('list', null, null, null)) return store.types();
  return store
    .types()
    .map((t) => ({
      ...t,
      count: countVisible(scope, { type: { group: t.group, version: t.version, kind: t.kind } }),
    }))
    .filter((t) => t.count > 0);
}

/**
 * The `passable` of a walk as the caller may see the graph: only resources it may `get`, and of
 * those only what a `passable` it gave itself accepts.
 */
function passableFor(scope: Scope, own: PathOptions['passable']): (ref: ResourceRef) => boolean {
  const { visible } = scope;
  return own ? (ref) => visible(ref) && own(ref) : visible;
}

/** `traverseSteps` of a view: the store's walk, told to enter only what the caller may see. */
function authorizedTraverse(scope: Scope): Store['traverseSteps'] {
  const { store, seesAll } = scope;
  function traverse(
    start: ResourceRefInput,
    options: TraverseOptions,
    read: MetadataOnly,
  ): Steps<Page<TraversalStep<ResourceMetadata>>>;
  function traverse(
    start: ResourceRefInput,
    options?: TraverseOptions,
    read?: ReadOptions,
  ): Steps<Page<TraversalStep>>;
  function traverse(
    start: ResourceRefInput,
    options: TraverseOptions = {},
    read?: ReadOptions,
  ): Steps<Page<TraversalStep<ResourceMetadata>>> {
    if (seesAll) return store.traverseSteps(start, options, read);
    return store.traverseSteps(start, { ...options, passable: passableFor(scope, options.passable) }, read);
  }
  return traverse;
}

/** `shortestPathSteps` of a view: a path only through what the caller may see (null when it may not see an end). */
function authorizedPath(
  scope: Scope,
  from: ResourceRefInput,
  to: ResourceRefInput,
  options: PathOptions = {},
): Steps<Relationship[] | null> {
  const { store, seesAll } = scope;
  if (seesAll) return store.shortestPathSteps(from, to, options);
  return store.shortestPathSteps(from, to, { ...options, passable: passableFor(scope, options.passable) });
}

/** Watches that deliver only the events of what the caller may `watch`. */
function authorizedWatches(scope: Scope): Pick<Store, 'watch' | 'watchRelationships'> {
  const { store, can } = scope;
  const watchesAll = can.covers('watch', null, null, null);
  return {
    watch(options = {}) {
      const watch = store.watch(options);
      if (watchesAll) return watch;
      return filteredWatch(
        watch,
        (event) => event.resource === null || can.allows('watch', event.resource.ref),
      );
    },
    watchRelationships(options = {}) {
      const watch = store.watchRelationships(options);
      if (watchesAll) return watch;
      return filteredWatch(
        watch,
        (event) =>
          can.allows('watch', event.relationship.subject) && can.allows('watch', event.relationship.object),
      );
    },
  };
}
