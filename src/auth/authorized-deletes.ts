/**
 * Deletes through the authorized store. A delete needs `delete` on the resource; a cascading one
 * walks its transitive OwnerReference dependents first, over what the caller may see: one it sees
 * but may not delete refuses the whole delete (FORBIDDEN), one it may not see is neither reported
 * nor removed — the store's cascade is told to keep it (`passable`), so a hidden dependent stays, as
 * if it had another owner, and the answer is the same as if it did not exist. What a delete reports
 * (its dependents, the relationships it removed) counts only what the caller may see.
 */
import {
  type DeleteResult,
  type OperationResult,
  OWNER_REFERENCE,
  type Page,
  type Relationship,
  type ResourceMetadata,
  type ResourceRef,
  refString,
  type Store,
  StoreError,
  type TraversalStep,
} from '../store/index.ts';
import { forbidden, type Permissions, type Target } from './permissions.ts';

/** What the checks of a view's writes work on: the store behind it and its caller's permissions. */
export interface WriteScope {
  readonly store: Store;
  readonly can: Permissions;
  /** May the caller `get` the resource at `ref`? */
  readonly visible: (ref: Target) => boolean;
}

/**
 * The `passable` of the store's cascades for the caller: the dependents it may both see and delete
 * (undefined when it may delete everything, so the store asks nothing).
 */
export function removableBy(scope: WriteScope): ((ref: ResourceRef) => boolean) | undefined {
  const { can, visible } = scope;
  if (can.covers('delete', null, null, null) && can.covers('get', null, null, null)) return undefined;
  return (ref) => visible(ref) && can.allows('delete', ref);
}

/**
 * A cascading delete of `root` is allowed only if the principal may delete every transitive
 * OwnerReference dependent it may see, stored or not, including those another owner would keep.
 * Those it may not see are not looked at: the store keeps them (see {@link removableBy}).
 */
export function requireCascade(scope: WriteScope, root: ResourceRef): void {
  const { store, can, visible } = scope;
  if (can.covers('delete', null, null, null)) return;
  if (firstDenied(store, root, visible, (ref) => can.allows('delete', ref)) !== null) {
    throw forbidden(
      `${can.principal.name} may not delete every dependent a cascading delete of ${root.kind} "${root.name}" could remove`,
    );
  }
}

/**
 * The first transitive OwnerReference dependent of `root` (stored or not, walked only through what
 * `visible` accepts) that `allowed` rejects, or null. One walk of the store, bounded by its node
 * limit; an ownership chain deeper than the store's `maxTraversalDepth` is walked on from the
 * deepest level reached, leaving out what was reached.
 */
function firstDenied(
  store: Store,
  root: ResourceRef,
  visible: (ref: ResourceRef) => boolean,
  allowed: (ref: ResourceRef) => boolean,
): ResourceRef | null {
  const { maxTraversalDepth, maxTraversalNodes } = store.limits;
  const seen = new Set<string>([refString(root)]);
  let starts: ResourceRef[] = [root];
  while (starts.length > 0) {
    const deepest: ResourceRef[] = [];
    for (const start of starts) {
      for (const step of ownershipSteps(store, start, maxTraversalDepth, seen, visible)) {
        if (!allowed(step.ref)) return step.ref;
        seen.add(refString(step.ref));
        if (step.depth === maxTraversalDepth) deepest.push(step.ref);
      }
      if (seen.size > maxTraversalNodes + 1) {
        throw new StoreError(
          'LIMIT_EXCEEDED',
          `a cascading delete would reach more than ${maxTraversalNodes} dependents`,
          { field: 'propagation' },
        );
      }
    }
    starts = deepest;
  }
  return null;
}

/**
 * Every step, all pages, of the walk down OwnerReference edges from `start` that enters no ref of
 * `seen` and only refs `visible` accepts.
 */
function ownershipSteps(
  store: Store,
  start: ResourceRef,
  maxDepth: number,
  seen: ReadonlySet<string>,
  visible: (ref: ResourceRef) => boolean,
): TraversalStep<ResourceMetadata>[] {
  const startKey = refString(start);
  const passable = (ref: ResourceRef) => {
    const key = refString(ref);
    return key === startKey || (!seen.has(key) && visible(ref));
  };
  const options = { direction: 'OUTGOING', predicates: [OWNER_REFERENCE], maxDepth, passable } as const;
  const steps: TraversalStep<ResourceMetadata>[] = [];
  let after: string | null = null;
  do {
    const page: Page<TraversalStep<ResourceMetadata>> = store.traverse(
      start,
      { ...options, limit: store.limits.maxPageSize, after },
      { data: false },
    );
    steps.push(...page.items);
    after = page.endCursor;
  } while (after !== null);
  return steps;
}

/** The relationships of `removed` the caller may see: both ends visible. */
function shownEdges(scope: WriteScope, removed: readonly Relationship[]): Relationship[] {
  return removed.filter((edge) => scope.visible(edge.subject) && scope.visible(edge.object));
}

/** A delete's result as the caller may see it: dependents and removed relationships it may see. */
export function shownDeletion<T extends DeleteResult | Extract<OperationResult, { op: 'delete' }>>(
  scope: WriteScope,
  result: T,
): T {
  return {
    ...result,
    dependents: result.dependents.filter((resource) => scope.visible(resource.ref)),
    removedRelationships: shownEdges(scope, result.removedRelationships),
  };
}

/** A transaction's results as the caller may see them (see {@link shownDeletion}). */
export function shownResults(scope: WriteScope, results: readonly OperationResult[]): OperationResult[] {
  return results.map((result) => (result.op === 'delete' ? shownDeletion(scope, result) : result));
}
