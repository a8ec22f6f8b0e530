/**
 * The writes of the authorized store: every operation is checked against the principal's rules
 * before anything is written, and one it may not make fails with FORBIDDEN. A cascading delete needs
 * `delete` on every transitive OwnerReference dependent the principal may see, and keeps those it
 * may not (`authorized-deletes.ts`). Errors and results say nothing of what it may not see
 * (`concealed.ts`, `shownDeletion`).
 */
import {
  invariant,
  isStoreError,
  type LoadBatch,
  type Operation,
  OWNER_REFERENCE,
  type RelationshipInput,
  type Store,
  StoreError,
  type TransactionOptions,
  type TransactionResult,
  type WriteResult,
} from '../store/index.ts';
import {
  removableBy,
  requireCascade,
  shownDeletion,
  shownResults,
  type WriteScope,
} from './authorized-deletes.ts';
import { concealing, normalized, type WriteTarget } from './concealed.ts';
import { forbidden, type Permissions } from './permissions.ts';

export type { WriteScope } from './authorized-deletes.ts';

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

/**
 * Writing a relationship changes its subject (`update`) and tells whether it existed (the answer's
 * `changed`, `deleted`): it needs `get` on both ends, as seeing the relationship does.
 */
function requireLink(can: Permissions, relationship: RelationshipInput): void {
  const subject = normalized(relationship.subject);
  can.require('update', subject);
  can.require('get', subject);
  can.require('get', normalized(relationship.object));
}

/** What an operation writes, for the errors it may cause (see `concealed.ts`). */
function targetOf(operation: Operation | undefined): WriteTarget | null {
  switch (operation?.op) {
    case 'add':
    case 'update':
    case 'apply':
      return { ref: normalized(operation.resource.ref), uid: operation.resource.uid };
    case 'patch':
    case 'delete':
      return { ref: normalized(operation.ref) };
    default:
      return null;
  }
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

/** A transaction, checked; its options (a sequence) go to the store with it, with the caller's cascades. */
async function transaction(
  scope: WriteScope,
  operations: readonly Operation[],
  options: TransactionOptions = {},
): Promise<TransactionResult> {
  const checked = checkInSequence(options, () => checkTransaction(scope, operations));
  const failing = (error: StoreError) => targetOf(checked[error.details.operationIndex ?? -1]);
  const result = await concealing(scope, failing, () =>
    scope.store.transaction(checked, { ...options, passable: removableBy(scope) }),
  );
  return { ...result, results: shownResults(scope, result.results) };
}

/** The index of the batch resource a load error names (`resources[i]...`), or -1. */
function loadIndex(error: StoreError): number {
  const match = /^resources\[(\d+)\]/.exec(error.details.field ?? '');
  return match ? Number(match[1]) : -1;
}

/**
 * A bulk load, checked: each resource is applied without a precondition, so it needs both `create`
 * and `update`; each relationship needs what adding it needs.
 */
async function load(scope: WriteScope, batch: LoadBatch, options: TransactionOptions = {}) {
  const { can } = scope;
  const resources = Array.isArray(batch.resources) ? batch.resources : [];
  checkInSequence(options, () => {
    for (const resource of resources) {
      const ref = normalized(resource.ref);
      can.require('create', ref);
      can.require('update', ref);
    }
    for (const relationship of Array.isArray(batch.relationships) ? batch.relationships : [])
      requireLink(can, relationship);
  });
  const failing = (error: StoreError) => {
    const resource = resources[loadIndex(error)];
    return resource ? { ref: normalized(resource.ref), uid: resource.uid } : null;
  };
  return concealing(scope, failing, () => scope.store.load(batch, options));
}

/** A write of a whole resource, checked, as the store method of the write it became. */
async function writeResource(scope: WriteScope, operation: ResourceWrite): Promise<WriteResult> {
  const { store } = scope;
  const checked = authorize(scope, operation);
  return concealing(
    scope,
    () => targetOf(checked),
    () => {
      if (checked.op === 'add') return store.add(checked.resource);
      if (checked.op === 'update') return store.update(checked.resource, checked.expectedVersion);
      invariant(checked.op === 'apply', `a resource write became ${checked.op}`);
      return store.apply(checked.resource, checked.expectedVersion);
    },
  );
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
      const operation = authorize(scope, { op: 'patch', ref, patch, expectedVersion });
      return concealing(
        scope,
        () => targetOf(operation),
        () => store.patch(ref, patch, expectedVersion),
      );
    },
    async delete(ref, expectedVersion, options = {}) {
      const operation = authorize(scope, {
        op: 'delete',
        ref,
        expectedVersion,
        propagation: options.propagation,
      });
      // A dry run changes nothing and answers with the resource as it is: it is a read of it.
      if (options.dryRun === true) can.require('get', normalized(ref));
      const result = await concealing(
        scope,
        () => targetOf(operation),
        () => store.delete(ref, expectedVersion, { ...options, passable: removableBy(scope) }),
      );
      return shownDeletion(scope, result);
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
