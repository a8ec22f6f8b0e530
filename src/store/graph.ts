/**
 * Graph algorithms over the triplet indexes: breadth-first traversal, shortest paths and the
 * dependents a cascading delete removes. They work on term ids, so each visited node costs one prefix
 * range read of one index (spo for outgoing edges, osp or pos for incoming ones) and nothing else.
 *
 * The functions only read; called inside a write transaction they see that transaction's state
 * (pass `inTxn` so no uncommitted term reaches the term cache). Given a {@link PastGraph}, a walk sees
 * the graph as it was at an older revision, so every page of a traversal reads one snapshot. A walk
 * may be narrowed to the nodes a `passable` predicate accepts: the others are not part of the graph it
 * sees (a view of the store that hides resources walks this way, in the same single walk).
 */
import type { Databases, RelationshipValue, Terms } from './db.ts';
import { StoreError } from './errors.ts';
import {
  decodeTripleKey,
  prefixEnd,
  refKey,
  type TripleIds,
  type TripleIndex,
  tripleKey,
  triplePrefix,
} from './keys.ts';
import { OWNER_REFERENCE } from './registry.ts';
import { runSteps, type Steps } from './steps.ts';
import type { Direction, Relationship, Resource, ResourceRef } from './types.ts';

/** A validated traversal request. */
export interface WalkOptions {
  direction: Direction;
  /** Predicate types to follow; null follows every type. */
  predicates: readonly string[] | null;
  maxDepth: number;
  /** Stop with LIMIT_EXCEEDED once more than this many nodes were reached. */
  maxNodes: number;
  /**
   * The nodes the walk may enter (every node when absent): one that is not passable is neither
   * reached nor walked through, and a start that is not passable reaches nothing. Asked once per node.
   */
  passable?: ((id: number) => boolean) | undefined;
  /** Stop the walk as soon as `stop(id)` is true for a reached node. */
  stop?: (id: number) => boolean;
  /** Stop (without error) once this many nodes were reached (counting only those `counts` accepts). */
  enough?: number;
  counts?: (id: number) => boolean;
}

/** A triplet by its term ids, with its stored value when the scan read it. */
export interface Edge {
  ids: TripleIds;
  value?: RelationshipValue | undefined;
}

/** A node reached by a walk: its term id, depth, and the edge that first reached it. */
export interface Reached {
  id: number;
  depth: number;
  via: Edge;
  /** Index in the walk of the node `via` came from (-1 for the start node). */
  parent: number;
}

/** Read access the algorithms need. */
export interface GraphView {
  dbs: Databases;
  terms: Terms;
  inTxn: boolean;
  /** Read the graph as it was at an older revision. */
  past?: PastGraph | null;
}

/** The graph at an older revision, as the changes since then (from the log) undo the current one. */
export interface PastGraph {
  /** Each triplet changed since (by spo key, hex), with its state then (null: it did not exist). */
  readonly edges: ReadonlyMap<string, Relationship | null>;
  /** Triplets that existed then and are gone now. */
  readonly removed: readonly TripleIds[];
  /** Each resource changed since (by ref key, hex), with its state then. */
  readonly resources: ReadonlyMap<string, Resource | null>;
}

/**
 * Breadth-first walk from `start`: each distinct passable node once (the start excluded), in a stable
 * order — by depth, then by the order edges are stored under their parent. Cycle-safe.
 */
export function walk(view: GraphView, start: ResourceRef, options: WalkOptions): Reached[] {
  return runSteps(walkSteps(view, start, options));
}

/**
 * {@link walk} as resumable work: it yields after each node whose edges it has read. Whoever resumes
 * it after other work ran (and writes may have committed) sets `view.past` to keep it reading the
 * graph of its first step.
 */
export function* walkSteps(view: GraphView, start: ResourceRef, options: WalkOptions): Steps<Reached[]> {
  const startId = view.terms.refId(start);
  const passable = options.passable;
  if (startId === undefined || (passable && !passable(startId))) return [];
  const predicateIds = predicateIdsOf(view, options.predicates);
  if (predicateIds !== null && predicateIds.length === 0) return [];
  const seen = new Set<number>([startId]);
  const reached: Reached[] = [];
  let counted = 0;
  let frontier: { id: number; index: number }[] = [{ id: startId, index: -1 }];
  const enough = options.enough ?? Number.POSITIVE_INFINITY;
  for (let depth = 1; depth <= options.maxDepth && frontier.length > 0; depth++) {
    const next: { id: number; index: number }[] = [];
    for (const { id, index } of frontier) {
      // Returns true to end the walk: enough nodes, or the one to stop at.
      const visit = (neighbour: number, via: Edge): boolean => {
        if (seen.has(neighbour)) return false;
        seen.add(neighbour);
        if (passable && !passable(neighbour)) return false;
        reached.push({ id: neighbour, depth, via, parent: index });
        if (reached.length > options.maxNodes) {
          throw new StoreError('LIMIT_EXCEEDED', `traversal reached more than ${options.maxNodes} nodes`, {
            field: 'maxNodes',
          });
        }
        if (options.counts?.(neighbour) ?? true) counted++;
        if (options.stop?.(neighbour) || counted >= enough) return true;
        next.push({ id: neighbour, index: reached.length - 1 });
        return false;
      };
      if (forEachNeighbour(view, id, options.direction, predicateIds, visit)) return reached;
      yield;
    }
    frontier = next;
  }
  return reached;
}

/**
 * The shortest path of edges from `from` to `to`, [] when they are the same, or null when unreachable;
 * resumable work, as {@link walkSteps}.
 */
export function* shortestPathSteps(
  view: GraphView,
  from: ResourceRef,
  to: ResourceRef,
  options: WalkOptions,
): Steps<Edge[] | null> {
  const target = view.terms.refId(to);
  if (refKey(from).equals(refKey(to))) return [];
  if (target === undefined) return null;
  const reached = yield* walkSteps(view, from, { ...options, stop: (id) => id === target });
  const last = reached.at(-1);
  if (last?.id !== target) return null;
  const path: Edge[] = [];
  for (let step: Reached | undefined = last; step; step = reached[step.parent]) path.unshift(step.via);
  return path;
}

/**
 * Calls `visit` with each edge leaving (`OUTGOING`), entering (`INCOMING`) or touching (`BOTH`) a node
 * and the neighbour it leads to, in index order, until `visit` returns true; returns whether it did.
 * Edges are read as they are visited, so a walk that has enough stops reading a node with many edges.
 * (A visitor, not generators: a walk reads thousands of nodes, and each yield made objects of its own.)
 */
function forEachNeighbour(
  view: GraphView,
  id: number,
  direction: Direction,
  predicateIds: readonly number[] | null,
  visit: (neighbour: number, via: Edge) => boolean,
): boolean {
  if (direction !== 'INCOMING') {
    const prefixes = predicateIds === null ? [[id]] : predicateIds.map((p) => [id, p]);
    if (forEachEdge(view, 'spo', prefixes, true, (edge) => visit(edge.ids.o, edge))) return true;
  }
  if (direction === 'OUTGOING') return false;
  const incoming = (edge: Edge) => visit(edge.ids.s, edge);
  return predicateIds === null
    ? forEachEdge(view, 'osp', [[id]], true, incoming)
    : forEachEdge(
        view,
        'pos',
        predicateIds.map((p) => [p, id]),
        true,
        incoming,
      );
}

/**
 * Calls `visit` with each triplet under each prefix of an index, in key order (as it was, for a past
 * view), with its value if `withValues`, until `visit` returns true; returns whether it did.
 */
function forEachEdge(
  view: GraphView,
  index: TripleIndex,
  prefixes: number[][],
  withValues: boolean,
  visit: (edge: Edge) => boolean,
): boolean {
  for (const parts of prefixes) {
    const prefix = triplePrefix(...parts);
    const range = { start: prefix, end: prefixEnd(prefix) };
    if (view.past) {
      const found: Edge[] = [];
      if (withValues) {
        for (const { key, value } of view.dbs[index].getRange(range)) {
          found.push({ ids: decodeTripleKey(index, key), value });
        }
      } else
        for (const key of view.dbs[index].getKeys(range)) found.push({ ids: decodeTripleKey(index, key) });
      for (const edge of pastEdges(view.past, index, prefix, found)) if (visit(edge)) return true;
    } else if (withValues) {
      for (const { key, value } of view.dbs[index].getRange(range)) {
        if (visit({ ids: decodeTripleKey(index, key), value })) return true;
      }
    } else {
      for (const key of view.dbs[index].getKeys(range))
        if (visit({ ids: decodeTripleKey(index, key) })) return true;
    }
  }
  return false;
}

/** Term ids of the triplets under each prefix of an index, in key order. */
function scan(view: GraphView, index: TripleIndex, prefixes: number[][]): TripleIds[] {
  const ids: TripleIds[] = [];
  forEachEdge(view, index, prefixes, false, (edge) => {
    ids.push(edge.ids);
    return false;
  });
  return ids;
}

/** A prefix scan as it was: triplets added since left out, triplets removed since put back, in key order. */
function pastEdges(past: PastGraph, index: TripleIndex, prefix: Buffer, found: Iterable<Edge>): Edge[] {
  const kept = [...found].filter(
    (edge) => past.edges.get(tripleKey('spo', edge.ids).toString('hex')) !== null,
  );
  const restored = past.removed
    .filter((ids) => tripleKey(index, ids).subarray(0, prefix.length).equals(prefix))
    .map((ids) => ({ ids }));
  if (restored.length === 0) return kept;
  const keyOf = (edge: Edge) => tripleKey(index, edge.ids);
  return [...kept, ...restored].sort((a, b) => Buffer.compare(keyOf(a), keyOf(b)));
}

function predicateIdsOf(view: GraphView, predicates: readonly string[] | null): number[] | null {
  if (predicates === null) return null;
  const ids = predicates
    .map((type) => view.terms.predicateId(type, !view.inTxn))
    .filter((id): id is number => id !== undefined);
  return [...new Set(ids)].sort((a, b) => a - b);
}

/**
 * The resources a cascading delete of `root` removes besides it: every transitive dependent over
 * OwnerReference edges that has no live owner outside the deleted set (Kubernetes garbage-collector
 * semantics). Dependents that are not stored are skipped, and so are those `passable` rejects (asked
 * once each): they stay, and are not walked through. Returned in breadth-first order; each doomed
 * resource's dependents are read once, so the cost grows with the edges of the deleted set. More
 * than `maxNodes` dependents fail with LIMIT_EXCEEDED.
 */
export function cascadeDependents(
  view: GraphView,
  root: ResourceRef,
  maxNodes: number,
  passable?: ((ref: ResourceRef) => boolean) | null,
): ResourceRef[] {
  const rootId = view.terms.refId(root);
  const owner = view.terms.predicateId(OWNER_REFERENCE, !view.inTxn);
  if (rootId === undefined || owner === undefined) return [];
  const doomed = new Set<number>([rootId]);
  const order: number[] = [];
  const mayRemove = removableIds(view, passable);
  // A dependent with a live owner is passed over; if that owner is doomed later, the owner's own
  // dependents are read and the dependent is examined again.
  for (let next = 0, queue = [rootId]; next < queue.length; next++) {
    for (const ids of scan(view, 'spo', [[queue[next]!, owner]])) {
      const id = ids.o;
      if (doomed.has(id) || !isStored(view, id) || !mayRemove(id)) continue;
      if (hasLiveOwner(view, id, owner, doomed)) continue;
      doomed.add(id);
      order.push(id);
      queue.push(id);
      if (order.length > maxNodes) {
        throw new StoreError(
          'LIMIT_EXCEEDED',
          `a cascading delete would remove more than ${maxNodes} dependents`,
          {
            field: 'propagation',
          },
        );
      }
    }
  }
  return order.map((id) => view.terms.ref(id, !view.inTxn));
}

/** `passable` on term ids, asked once per id (every id when absent). */
function removableIds(
  view: GraphView,
  passable: ((ref: ResourceRef) => boolean) | null | undefined,
): (id: number) => boolean {
  if (!passable) return () => true;
  const answers = new Map<number, boolean>();
  return (id) => {
    let answer = answers.get(id);
    if (answer === undefined) {
      answer = passable(view.terms.ref(id, !view.inTxn));
      answers.set(id, answer);
    }
    return answer;
  };
}

function hasLiveOwner(view: GraphView, id: number, owner: number, doomed: ReadonlySet<number>): boolean {
  for (const ids of scan(view, 'pos', [[owner, id]])) {
    if (!doomed.has(ids.s) && isStored(view, ids.s)) return true;
  }
  return false;
}

function isStored(view: GraphView, id: number): boolean {
  return view.dbs.resources.get(refKey(view.terms.ref(id, !view.inTxn))) !== undefined;
}

/** The relationship an edge stands for (as it was, for a past view). */
export function relationshipOf(view: GraphView, { ids, value: scanned }: Edge): Relationship {
  const then = view.past?.edges.get(tripleKey('spo', ids).toString('hex'));
  if (then) return then;
  const value = scanned ?? view.dbs.spo.get(tripleKey('spo', ids));
  if (!value) throw new StoreError('NOT_FOUND', 'the relationship changed during the traversal');
  return {
    subject: view.terms.ref(ids.s, !view.inTxn),
    predicate: { type: view.terms.predicate(ids.p, !view.inTxn), data: value.data },
    object: view.terms.ref(ids.o, !view.inTxn),
    createdAt: value.createdAt,
    updatedAt: value.updatedAt,
    revision: value.revision,
  };
}
