/**
 * The writes of the authorized store: every operation is checked against the principal's rules
 * before anything is written, and one it may not make fails with FORBIDDEN. A cascading delete needs
 * `delete` on every transitive OwnerReference dependent, found by the store's own walk.
 */
import {
  invariant,
  isStoreError,
  type LoadBatch,
  type Operation,
  OWNER_REFERENCE,
  type Page,
  type RelationshipInput,
  type ResourceMetadata,
  type ResourceRef,
  type ResourceRefInput,
  refString,
  type Store,
  StoreError,
  type TransactionOptions,
  type TransactionResult,
  type TraversalStep,
  type WriteResult,
} from '../store/index.ts';
import { forbidden, type Permissions } from './permissions.ts';

/** What the checks of a view's writes work on: the store behind it and its caller's permissions. */
export interface WriteScope {
  readonly store: Store;
  readonly can: Permissions;
}

/** The write methods of a store. */
export type WriteMethods = Pick<
  Store,
  | 'add'
  | 'update'
  | 'apply'
  | 'patch'
  | 'delete'
  | 'addRelationships'
  | 'deleteRelationships'
  | 'transaction'
  | 'load'
>;

/** A write of a whole resource. */
type ResourceWrite = Extract<Operation, { op: 'add' | 'update' | 'apply' }>;

/** A ref as callers give it, with group and namespace defaulted as the store does. */
function normalized(ref: ResourceRefInput): ResourceRef {
  return {
    group: ref.group ?? '',
    version: ref.version,
    kind: ref.kind,
    namespace: ref.namespace ?? '',
    name: ref.name,
  };
}

/** A write operation checked against the rules; an apply may become an add or an update. */
function authorize(scope: WriteScope, operation: Operation): Operation {
  const { can } = scope;
  switch (operation.op) {
    case 'add':
      can.require('create', normalized(operation.resource.ref));
      return operation;
    case 'update':
      can.require('update', normalized(operation.resource.ref));
      return operation;
    case 'patch': {
      // A patch answers with the whole merged resource, and an empty one changes nothing: it reads.
      const ref = normalized(operation.ref);
      can.require('update', ref);
      can.require('get', ref);
      return operation;
    }
    case 'apply':
      return authorizeApply(scope, operation);
    case 'delete': {
      const ref = normalized(operation.ref);
      can.require('delete', ref);
      if ((operation.propagation ?? 'ORPHAN') !== 'ORPHAN') requireCascade(scope, ref);
      return operation;
    }
    case 'addRelationship':
    case 'deleteRelationship':
      requireLink(can, operation.relationship);
      return operation;
  }
}

/**
 * An apply needs `update` when the resource is stored and `create` when it is not. Without both
 * verbs it must not turn into the other write if the resource appears or disappears meanwhile: it
 * becomes the write that was checked.
 */
function authorizeApply(scope: WriteScope, operation: Extract<Operation, { op: 'apply' }>): ResourceWrite {
  const { store, can } = scope;
  const ref = normalized(operation.resource.ref);
  const existing = store.get(ref, { data: false });
  can.require(existing ? 'update' : 'create', ref);
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

/** Writing a relationship changes its subject (`update`) and names its object (`get`). */
function requireLink(can: Permissions, relationship: RelationshipInput): void {
  can.require('update', normalized(relationship.subject));
  can.require('get', normalized(relationship.object));
}

/**
 * A cascading delete is allowed only if the principal may delete every transitive dependent over
 * OwnerReference edges, stored or not, including those that another owner would keep.
 */
function requireCascade(scope: WriteScope, root: ResourceRef): void {
  const { store, can } = scope;
  if (can.covers('delete', null, null, null)) return;
  if (firstDenied(store, root, (ref) => can.allows('delete', ref)) !== null) {
    throw forbidden(
      `${can.principal.name} may not delete every dependent a cascading delete of ${root.kind} "${root.name}" could remove`,
    );
  }
}

/**
 * The first transitive OwnerReference dependent of `root` (stored or not) that `allowed` rejects, or
 * null. One walk of the store, bounded by its node limit; an ownership chain deeper than the store's
 * `maxTraversalDepth` is walked on from the deepest level reached, leaving out what was reached.
 */
function firstDenied(
  store: Store,
  root: ResourceRef,
  allowed: (ref: ResourceRef) => boolean,
): ResourceRef | null {
  const { maxTraversalDepth, maxTraversalNodes } = store.limits;
  const seen = new Set<string>([refString(root)]);
  let starts: ResourceRef[] = [root];
  while (starts.length > 0) {
    const deepest: ResourceRef[] = [];
    for (const start of starts) {
      for (const step of ownershipSteps(store, start, maxTraversalDepth, seen)) {
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

/** Every step, all pages, of the walk down OwnerReference edges from `start` that enters no ref of `seen`. */
function ownershipSteps(
  store: Store,
  start: ResourceRef,
  maxDepth: number,
  seen: ReadonlySet<string>,
): TraversalStep<ResourceMetadata>[] {
  const startKey = refString(start);
  const passable = (ref: ResourceRef) => {
    const key = refString(ref);
    return key === startKey || !seen.has(key);
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

/**
 * The operations of a transaction, each checked. One that adds OwnerReference edges and deletes with
 * propagation is refused unless the principal may delete everything: the cascade was checked against
 * the edges stored now, and the new ones could extend it.
 */
function checkTransaction(scope: WriteScope, operations: readonly Operation[]): Operation[] {
  const { can } = scope;
  const cascades = operations.some((op) => op.op === 'delete' && (op.propagation ?? 'ORPHAN') !== 'ORPHAN');
  const links = operations.some(
    (op) => op.op === 'addRelationship' && op.relationship.predicate.type === OWNER_REFERENCE,
  );
  if (cascades && links && !can.covers('delete', null, null, null)) {
    throw forbidden(
      `${can.principal.name} may not add ${OWNER_REFERENCE} relationships and delete with propagation in one transaction`,
    );
  }
  return operations.map((operation) => authorize(scope, operation));
}

/**
 * Transaction sequences (see {@link TransactionOptions.sequence}) of which a view refused a
 * transaction, with the refusal: the store never saw that transaction, so the view fails the later
 * ones of the sequence itself, as the store would have.
 */
const refusedSequences = new WeakMap<object, StoreError>();

/**
 * Runs `check` for a write of a transaction sequence (when `options` name one): a sequence the view
 * refused a write of fails every later write itself, and a refusal marks the sequence.
 */
function checkInSequence<T>(options: TransactionOptions, check: () => T): T {
  const sequence = typeof options.sequence === 'object' ? options.sequence : null;
  const refused = sequence === null ? undefined : refusedSequences.get(sequence);
  if (refused) {
    throw new StoreError(
      refused.code,
      `not written: an earlier transaction of its sequence failed (${refused.message})`,
    );
  }
  try {
    return check();
  } catch (error) {
    if (sequence !== null && isStoreError(error)) refusedSequences.set(sequence, error);
    throw error;
  }
}

/** A transaction, checked; its options (a sequence) go to the store with it. */
async function transaction(
  scope: WriteScope,
  operations: readonly Operation[],
  options: TransactionOptions = {},
): Promise<TransactionResult> {
  const checked = checkInSequence(options, () => checkTransaction(scope, operations));
  return scope.store.transaction(checked, options);
}

/**
 * A bulk load, checked: each resource is applied without a precondition, so it needs both `create`
 * and `update`; each relationship needs what adding it needs.
 */
async function load(scope: WriteScope, batch: LoadBatch, options: TransactionOptions = {}) {
  const { can } = scope;
  checkInSequence(options, () => {
    for (const resource of Array.isArray(batch.resources) ? batch.resources : []) {
      const ref = normalized(resource.ref);
      can.require('create', ref);
      can.require('update', ref);
    }
    for (const relationship of Array.isArray(batch.relationships) ? batch.relationships : [])
      requireLink(can, relationship);
  });
  return scope.store.load(batch, options);
}

/** A write of a whole resource, checked, as the store method of the write it became. */
async function writeResource(scope: WriteScope, operation: ResourceWrite): Promise<WriteResult> {
  const { store } = scope;
  const checked = authorize(scope, operation);
  if (checked.op === 'add') return store.add(checked.resource);
  if (checked.op === 'update') return store.update(checked.resource, checked.expectedVersion);
  invariant(checked.op === 'apply', `a resource write became ${checked.op}`);
  return store.apply(checked.resource, checked.expectedVersion);
}

/** The write methods of a view: each checks, then hands the write to the store behind it. */
export function authorizedWrites(scope: WriteScope): WriteMethods {
  const { store, can } = scope;
  return {
    add: (input) => writeResource(scope, { op: 'add', resource: input }),
    update: (input, expectedVersion) =>
      writeResource(scope, { op: 'update', resource: input, expectedVersion }),
    apply: (input, expectedVersion) =>
      writeResource(scope, { op: 'apply', resource: input, expectedVersion }),
    async patch(ref, patch, expectedVersion) {
      authorize(scope, { op: 'patch', ref, patch, expectedVersion });
      return store.patch(ref, patch, expectedVersion);
    },
    async delete(ref, expectedVersion, options = {}) {
      authorize(scope, { op: 'delete', ref, expectedVersion, propagation: options.propagation });
      const result = await store.delete(ref, expectedVersion, options);
      // A dry run changes nothing and answers with the resources as they are: it is a read of them.
      if (result.dryRun)
        for (const resource of [result.deleted, ...result.dependents]) can.require('get', resource.ref);
      return result;
    },
    async addRelationships(inputs) {
      for (const input of inputs) requireLink(can, input);
      return store.addRelationships(inputs);
    },
    async deleteRelationships(inputs) {
      for (const input of inputs) requireLink(can, input);
      return store.deleteRelationships(inputs);
    },
    transaction: (operations, options) => transaction(scope, operations, options),
    load: (batch, options) => load(scope, batch, options),
  };
}
