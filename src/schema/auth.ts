/**
 * Authorization: Kubernetes-RBAC-like rules (verbs × namespaces × kinds) and a view of the store that
 * applies a principal's rules to every read, write and watch. The server puts this view in the
 * context of an authenticated operation, so every resolver — queries, traversals, mutations,
 * subscription events and their nested fields — goes through it; the store itself knows nothing of
 * principals.
 *
 * What a principal may not `get` does not exist for it: point reads return null, listings, edges and
 * walks leave it out, and a walk does not pass through it. A write it may not make fails with
 * FORBIDDEN before anything is written.
 */
import { GraphQLError } from 'graphql';
import {
  type DeleteOptions,
  type DeleteResult,
  type Operation,
  OWNER_REFERENCE,
  type Page,
  type PathOptions,
  type ReadOptions,
  type Relationship,
  type RelationshipInput,
  type RelationshipPattern,
  type Resource,
  type ResourceInput,
  type ResourceRef,
  type ResourceRefInput,
  refString as refKey,
  type Store,
  StoreError,
  type TraversalStep,
  type TraverseOptions,
  type Watch,
  type WriteResult,
} from '../store/index.ts';
import { offsetAfter, offsetCursor } from './connections.ts';

/** What a rule may allow. */
export const VERBS = ['get', 'list', 'watch', 'create', 'update', 'delete'] as const;
export type Verb = (typeof VERBS)[number];

/**
 * One rule: it allows each of `verbs` on resources in any of `namespaces` whose kind is any of
 * `kinds`. `'*'` stands for every verb, namespace or kind. Cluster-scoped resources are in namespace
 * `""`. A kind is `Kind` (of any group) or `group/Kind` (the core group is written `core/Kind`).
 */
export interface Rule {
  readonly verbs: readonly (Verb | '*')[];
  readonly namespaces: readonly string[];
  readonly kinds: readonly string[];
}

/** An authenticated caller and what it may do: the union of its rules. */
export interface Principal {
  readonly name: string;
  readonly rules: readonly Rule[];
}

/** The `extensions.code` of a write the principal may not make. */
export const FORBIDDEN = 'FORBIDDEN';

/** The part of a ref that rules look at. */
type Target = Pick<ResourceRef, 'group' | 'kind' | 'namespace'>;

function kindMatches(entry: string, group: string, kind: string): boolean {
  if (entry === '*') return true;
  const slash = entry.indexOf('/');
  if (slash < 0) return entry === kind;
  const entryGroup = entry.slice(0, slash);
  return entry.slice(slash + 1) === kind && (entryGroup === 'core' ? '' : entryGroup) === group;
}

/** A principal's rules, compiled for checks. */
export class Permissions {
  readonly #byVerb = new Map<Verb, Rule[]>();

  constructor(readonly principal: Principal) {
    for (const verb of VERBS) {
      this.#byVerb.set(
        verb,
        principal.rules.filter((rule) => rule.verbs.includes('*') || rule.verbs.includes(verb)),
      );
    }
  }

  #rules(verb: Verb): Rule[] {
    return this.#byVerb.get(verb) ?? [];
  }

  /** May the principal do `verb` on the resource at `ref`? */
  allows(verb: Verb, ref: Target): boolean {
    return this.#rules(verb).some(
      (rule) =>
        (rule.namespaces.includes('*') || rule.namespaces.includes(ref.namespace)) &&
        rule.kinds.some((entry) => kindMatches(entry, ref.group, ref.kind)),
    );
  }

  /**
   * May the principal do `verb` on every resource of the namespace (every namespace when null) and
   * kind (every kind when null; of any group when `group` is null)?
   */
  covers(verb: Verb, namespace: string | null, group: string | null, kind: string | null): boolean {
    return this.#rules(verb).some(
      (rule) =>
        (rule.namespaces.includes('*') || (namespace !== null && rule.namespaces.includes(namespace))) &&
        (rule.kinds.includes('*') ||
          (kind !== null &&
            rule.kinds.some((entry) =>
              entry.includes('/') ? group !== null && kindMatches(entry, group, kind) : entry === kind,
            ))),
    );
  }

  /** The namespaces where `verb` is allowed on resources of group/kind: `'*'` for all of them. */
  namespacesFor(verb: Verb, group: string, kind: string): '*' | Set<string> {
    const namespaces = new Set<string>();
    for (const rule of this.#rules(verb)) {
      if (!rule.kinds.some((entry) => kindMatches(entry, group, kind))) continue;
      if (rule.namespaces.includes('*')) return '*';
      for (const namespace of rule.namespaces) namespaces.add(namespace);
    }
    return namespaces;
  }

  /** Throws FORBIDDEN unless the principal may do `verb` on `ref`. */
  require(verb: Verb, ref: Target): void {
    if (!this.allows(verb, ref)) {
      const where = ref.namespace === '' ? 'cluster-scoped' : `in namespace "${ref.namespace}"`;
      throw forbidden(`${this.principal.name} may not ${verb} ${qualifiedKind(ref)} ${where}`);
    }
  }
}

function qualifiedKind(ref: Target): string {
  return ref.group === '' ? ref.kind : `${ref.group}/${ref.kind}`;
}

function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: FORBIDDEN } });
}

function normalized(ref: ResourceRefInput): ResourceRef {
  return {
    group: ref.group ?? '',
    version: ref.version,
    kind: ref.kind,
    namespace: ref.namespace ?? '',
    name: ref.name,
  };
}

/** Default page size of store listings (the store's own default). */
const DEFAULT_PAGE = 100;

/** A walk that reaches more resources than this fails with LIMIT_EXCEEDED (the store's default). */
const MAX_WALK_NODES = 10_000;

/**
 * One page of a listing of which only `keep` items are visible: store pages are read (at the first
 * page's revision, which every later cursor carries) until `limit` visible items and one more are
 * found or the listing ends. Cursors are the store's own cursors of the items kept, so a next page
 * starts right after the last item shown.
 */
function filteredPage<T>(
  read: (after: string | null | undefined, limit: number) => Page<T>,
  keep: (item: T) => boolean,
  limit: number | null | undefined,
  after: string | null | undefined,
): Page<T> {
  const want = limit ?? DEFAULT_PAGE;
  const chunk = Math.max(want, 1);
  const items: T[] = [];
  const cursors: string[] = [];
  let page = read(after, chunk);
  const revision = page.revision;
  let more = false;
  for (;;) {
    for (const [index, item] of page.items.entries()) {
      if (!keep(item)) continue;
      if (items.length === want) {
        more = true;
        break;
      }
      items.push(item);
      cursors.push(page.cursorAt(index));
    }
    if (more || !page.hasNextPage || page.endCursor === null) break;
    page = read(page.endCursor, chunk);
  }
  return {
    items,
    cursorAt: (index) => cursors[index] ?? '',
    endCursor: more ? (cursors.at(-1) ?? after ?? null) : null,
    hasNextPage: more,
    revision,
  };
}

/** A watch that skips the events `keep` rejects. */
function filteredWatch<T>(watch: Watch<T>, keep: (event: T) => boolean): Watch<T> {
  const filtered: Watch<T> = {
    get lastRevision() {
      return watch.lastRevision;
    },
    [Symbol.asyncIterator]: () => filtered,
    async next() {
      for (;;) {
        const result = await watch.next();
        if (result.done || keep(result.value)) return result;
      }
    },
    return: () => watch.return(),
  };
  return filtered;
}

/** A node reached by {@link walk}. */
interface Reached {
  ref: ResourceRef;
  depth: number;
  via: Relationship;
  parent: number;
}

interface WalkSpec {
  readonly direction: 'OUTGOING' | 'INCOMING' | 'BOTH';
  readonly predicates: readonly string[] | null;
  readonly maxDepth: number;
  /** Only these refs are reached and walked from. */
  readonly passable: (ref: ResourceRef) => boolean;
  readonly stopAt?: ResourceRef;
}

/**
 * Breadth-first walk from `start` over the relationships the store holds, entering only `passable`
 * refs: a node that is not passable is neither reported nor walked through. Each ref once, by depth,
 * then in the order the store lists each node's edges (outgoing, then incoming).
 */
function walk(store: Store, start: ResourceRef, spec: WalkSpec): Reached[] {
  const seen = new Set<string>([refKey(start)]);
  const stopKey = spec.stopAt && refKey(spec.stopAt);
  const reached: Reached[] = [];
  const types = spec.predicates ?? [null];
  let frontier: { ref: ResourceRef; index: number }[] = [{ ref: start, index: -1 }];
  for (let depth = 1; depth <= spec.maxDepth && frontier.length > 0; depth++) {
    const patterns: RelationshipPattern[] = [];
    for (const { ref } of frontier) {
      if (spec.direction !== 'INCOMING')
        for (const type of types) patterns.push({ subject: ref, predicateType: type });
      if (spec.direction !== 'OUTGOING')
        for (const type of types) patterns.push({ object: ref, predicateType: type });
    }
    const found = store.relationshipsMany(patterns);
    const perNode = patterns.length / frontier.length;
    const next: { ref: ResourceRef; index: number }[] = [];
    for (const [position, { index }] of frontier.entries()) {
      for (const [offset, edges] of found.slice(position * perNode, (position + 1) * perNode).entries()) {
        const outgoing = spec.direction !== 'INCOMING' && offset < types.length;
        for (const edge of edges) {
          const neighbour = outgoing ? edge.object : edge.subject;
          const key = refKey(neighbour);
          if (seen.has(key)) continue;
          seen.add(key);
          if (!spec.passable(neighbour)) continue;
          reached.push({ ref: neighbour, depth, via: edge, parent: index });
          if (reached.length > MAX_WALK_NODES) {
            throw new StoreError('LIMIT_EXCEEDED', `traversal reached more than ${MAX_WALK_NODES} nodes`, {
              field: 'maxNodes',
            });
          }
          if (key === stopKey) return reached;
          next.push({ ref: neighbour, index: reached.length - 1 });
        }
      }
    }
    frontier = next;
  }
  return reached;
}

/** `store` as `principal` sees it. See the module comment for the rules. */
export function authorizedStore(store: Store, principal: Principal): Store {
  const can = new Permissions(principal);
  const visible = (ref: Target) => can.allows('get', ref);
  const seesAll = can.covers('get', null, null, null);
  const edgeVisible = (edge: Relationship) => visible(edge.subject) && visible(edge.object);
  const shown = (resource: Resource | null) => (resource !== null && visible(resource.ref) ? resource : null);

  /** How many resources matching `query` the principal may list: store counts per visible type and namespace. */
  const countVisible = (query: Parameters<Store['count']>[0] = {}): number => {
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
  };

  /** A write operation checked against the rules; an apply may become an add or an update. */
  const authorize = (operation: Operation): Operation => {
    switch (operation.op) {
      case 'add':
        can.require('create', normalized(operation.resource.ref));
        return operation;
      case 'update':
        can.require('update', normalized(operation.resource.ref));
        return operation;
      case 'patch':
        can.require('update', normalized(operation.ref));
        return operation;
      case 'apply': {
        const ref = normalized(operation.resource.ref);
        const existing = store.get(ref);
        can.require(existing ? 'update' : 'create', ref);
        // Without both verbs, an apply must not turn into the other write if the resource appears or
        // disappears meanwhile: it becomes the write that was checked.
        if (can.allows('create', ref) && can.allows('update', ref)) return operation;
        if (existing) {
          return {
            op: 'update',
            resource: operation.resource,
            expectedVersion: operation.expectedVersion ?? existing.version,
          };
        }
        return { op: 'add', resource: operation.resource };
      }
      case 'delete': {
        const ref = normalized(operation.ref);
        can.require('delete', ref);
        const propagation = operation.propagation ?? 'ORPHAN';
        if (propagation !== 'ORPHAN') requireCascade(ref);
        return operation;
      }
      case 'addRelationship':
      case 'deleteRelationship':
        requireLink(operation.relationship);
        return operation;
    }
  };

  /**
   * A cascading delete is allowed only if the principal may delete every transitive dependent over
   * OwnerReference edges, stored or not, including those that another owner would keep.
   */
  const requireCascade = (root: ResourceRef): void => {
    if (can.covers('delete', null, null, null)) return;
    const dependents = walk(store, root, {
      direction: 'OUTGOING',
      predicates: [OWNER_REFERENCE],
      maxDepth: Number.POSITIVE_INFINITY,
      passable: () => true,
    });
    if (dependents.some((step) => !can.allows('delete', step.ref))) {
      throw forbidden(
        `${principal.name} may not delete every dependent a cascading delete of ${root.kind} "${root.name}" could remove`,
      );
    }
  };

  /** Writing a relationship changes its subject (`update`) and names its object (`get`). */
  const requireLink = (relationship: RelationshipInput): void => {
    can.require('update', normalized(relationship.subject));
    can.require('get', normalized(relationship.object));
  };

  const write = (operation: Operation): Promise<WriteResult> => {
    const checked = authorize(operation);
    if (checked.op === 'add') return store.add(checked.resource);
    if (checked.op === 'update') return store.update(checked.resource, checked.expectedVersion);
    invariantApply(checked);
    return store.apply(checked.resource, checked.expectedVersion);
  };

  /** Paging and the walk's options of a traversal, with its start. */
  const traverse = (
    start: ResourceRefInput,
    options: TraverseOptions = {},
    read?: ReadOptions,
  ): Page<TraversalStep> => {
    if (seesAll) return store.traverse(start, options, read);
    const from = normalized(start);
    // The store checks the options (and the depth and node limits) as for any walk.
    const checked = store.traverse(start, { ...options, after: null, limit: 0 });
    if (!visible(from))
      return { ...checked, items: [], cursorAt: () => '', endCursor: null, hasNextPage: false };
    const kinds = options.kinds ? new Set(options.kinds) : null;
    const reached = walk(store, from, {
      direction: options.direction ?? 'OUTGOING',
      predicates: options.predicates ?? null,
      maxDepth: options.maxDepth ?? 10,
      passable: visible,
    }).filter((step) => kinds === null || kinds.has(step.ref.kind));
    const first = offsetAfter(options.after);
    const limit = options.limit ?? DEFAULT_PAGE;
    const slice = reached.slice(first, first + limit);
    const resources = store.getMany(
      slice.map((step) => step.ref),
      read,
    );
    const items = slice.map((step, index) => ({
      ref: step.ref,
      resource: resources[index] ?? null,
      depth: step.depth,
      via: step.via,
    }));
    const hasNextPage = reached.length > first + limit;
    return {
      items,
      cursorAt: (index) => offsetCursor(first + index),
      endCursor: hasNextPage && items.length > 0 ? offsetCursor(first + items.length - 1) : null,
      hasNextPage,
      revision: checked.revision,
    };
  };

  const shortestPath = (from: ResourceRefInput, to: ResourceRefInput, options: PathOptions = {}) => {
    const full = store.shortestPath(from, to, options);
    if (seesAll || full === null) return full;
    const [start, target] = [normalized(from), normalized(to)];
    if (!visible(start) || !visible(target)) return null;
    if (full.length === 0) return full;
    const reached = walk(store, start, {
      direction: options.direction ?? 'OUTGOING',
      predicates: options.predicates ?? null,
      maxDepth: options.maxDepth ?? 10,
      passable: visible,
      stopAt: target,
    });
    const last = reached.at(-1);
    if (!last || refKey(last.ref) !== refKey(target)) return null;
    const path: Relationship[] = [];
    for (let step: Reached | undefined = last; step; step = reached[step.parent]) path.unshift(step.via);
    return path;
  };

  const view: Store = {
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
    get: (ref, read?: ReadOptions) => shown(store.get(ref, read)),
    getByUid: (uid, read?: ReadOptions) => shown(store.getByUid(uid, read)),
    getMany: (refs, read?: ReadOptions) => store.getMany(refs, read).map(shown),
    storedJson: (resource) => (visible(resource.ref) ? store.storedJson(resource) : null),
    list(query = {}, read?: ReadOptions) {
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
    count: countVisible,
    types() {
      if (can.covers('list', null, null, null)) return store.types();
      return store
        .types()
        .map((t) => ({
          ...t,
          count: countVisible({ type: { group: t.group, version: t.version, kind: t.kind } }),
        }))
        .filter((t) => t.count > 0);
    },
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
    traverse,
    shortestPath,
    add: (input: ResourceInput) => write({ op: 'add', resource: input }),
    update: (input, expectedVersion) => write({ op: 'update', resource: input, expectedVersion }),
    apply: (input, expectedVersion) => write({ op: 'apply', resource: input, expectedVersion }),
    patch(ref, patch, expectedVersion) {
      authorize({ op: 'patch', ref, patch, expectedVersion });
      return store.patch(ref, patch, expectedVersion);
    },
    delete(ref, expectedVersion, options: DeleteOptions = {}): Promise<DeleteResult> {
      authorize({ op: 'delete', ref, expectedVersion, propagation: options.propagation });
      return store.delete(ref, expectedVersion, options);
    },
    addRelationships(inputs) {
      for (const input of inputs) requireLink(input);
      return store.addRelationships(inputs);
    },
    deleteRelationships(inputs) {
      for (const input of inputs) requireLink(input);
      return store.deleteRelationships(inputs);
    },
    transaction(operations) {
      const cascades = operations.some(
        (op) => op.op === 'delete' && (op.propagation ?? 'ORPHAN') !== 'ORPHAN',
      );
      const links = operations.some(
        (op) => op.op === 'addRelationship' && op.relationship.predicate.type === OWNER_REFERENCE,
      );
      if (cascades && links && !can.covers('delete', null, null, null)) {
        // The cascade was checked against the edges stored now; new ownership edges could extend it.
        throw forbidden(
          `${principal.name} may not add ${OWNER_REFERENCE} relationships and delete with propagation in one transaction`,
        );
      }
      return store.transaction(operations.map(authorize));
    },
    watch(options = {}) {
      const watch = store.watch(options);
      if (can.covers('watch', null, null, null)) return watch;
      return filteredWatch(
        watch,
        (event) => event.resource === null || can.allows('watch', event.resource.ref),
      );
    },
    watchRelationships(options = {}) {
      const watch = store.watchRelationships(options);
      if (can.covers('watch', null, null, null)) return watch;
      return filteredWatch(
        watch,
        (event) =>
          can.allows('watch', event.relationship.subject) && can.allows('watch', event.relationship.object),
      );
    },
    storage: () => store.storage(),
    checkIntegrity: () => store.checkIntegrity(),
    compact: () => store.compact(),
    close: () => store.close(),
  };
  return view;
}

function invariantApply(operation: Operation): asserts operation is Extract<Operation, { op: 'apply' }> {
  if (operation.op !== 'apply') throw new Error(`unexpected ${operation.op} among resource writes`);
}
