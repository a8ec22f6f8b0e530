/**
 * `transaction`: many writes in one atomic commit, each with its own precondition. Either every
 * operation applies, at one revision, or none does.
 */
import { invariant, type Operation, type OperationResult, type TransactionResult } from '../store/index.ts';
import { builder } from './builder.ts';
import { exposed, exposedAll, type SchemaResource } from './exposed.ts';
import {
  RelationshipInputType,
  ResourceInputType,
  ResourcePatchType,
  ResourceRefInputType,
  toRelationshipInput,
  toResourceInput,
  toResourcePatch,
} from './inputs.ts';
import { RelationshipType } from './relationship.ts';
import { ResourceType } from './resource.ts';
import { DeletePropagationType } from './resource-mutations.ts';

const UpdateOperationType = builder.inputType('UpdateResourceOperation', {
  fields: (t) => ({
    input: t.field({ type: ResourceInputType, required: true }),
    expectedVersion: t.int({ required: true }),
  }),
});

const ApplyOperationType = builder.inputType('ApplyResourceOperation', {
  fields: (t) => ({
    input: t.field({ type: ResourceInputType, required: true }),
    expectedVersion: t.int(),
  }),
});

const PatchOperationType = builder.inputType('PatchResourceOperation', {
  fields: (t) => ({
    ref: t.field({ type: ResourceRefInputType, required: true }),
    patch: t.field({ type: ResourcePatchType, required: true }),
    expectedVersion: t.int(),
  }),
});

const DeleteOperationType = builder.inputType('DeleteResourceOperation', {
  fields: (t) => ({
    ref: t.field({ type: ResourceRefInputType, required: true }),
    expectedVersion: t.int(),
    propagation: t.field({ type: DeletePropagationType, defaultValue: 'ORPHAN' }),
  }),
});

/** `input OperationInput @oneOf`: exactly one field names the operation and carries its input. */
const OperationInputType = builder.inputType('OperationInput', {
  description: 'One write of a transaction: set exactly one field.',
  isOneOf: true,
  fields: (t) => ({
    addResource: t.field({ type: ResourceInputType }),
    updateResource: t.field({ type: UpdateOperationType }),
    applyResource: t.field({ type: ApplyOperationType }),
    patchResource: t.field({ type: PatchOperationType }),
    deleteResource: t.field({ type: DeleteOperationType }),
    addRelationship: t.field({ type: RelationshipInputType }),
    deleteRelationship: t.field({ type: RelationshipInputType }),
  }),
});

type OperationArg = typeof OperationInputType.$inferInput;

function toOperation(input: OperationArg): Operation {
  if (input.addResource) return { op: 'add', resource: toResourceInput(input.addResource) };
  if (input.updateResource) {
    const { input: resource, expectedVersion } = input.updateResource;
    return { op: 'update', resource: toResourceInput(resource), expectedVersion };
  }
  if (input.applyResource) {
    const { input: resource, expectedVersion } = input.applyResource;
    return { op: 'apply', resource: toResourceInput(resource), expectedVersion };
  }
  if (input.patchResource) {
    const { ref, patch, expectedVersion } = input.patchResource;
    return { op: 'patch', ref, patch: toResourcePatch(patch), expectedVersion };
  }
  if (input.deleteResource) {
    const { ref, expectedVersion, propagation } = input.deleteResource;
    return { op: 'delete', ref, expectedVersion, propagation };
  }
  if (input.addRelationship)
    return { op: 'addRelationship', relationship: toRelationshipInput(input.addRelationship) };
  invariant(input.deleteRelationship, 'a @oneOf input arrived without a field');
  return { op: 'deleteRelationship', relationship: toRelationshipInput(input.deleteRelationship) };
}

type Written = Extract<OperationResult, { op: 'add' | 'update' | 'apply' | 'patch' }>;
type Deleted = Extract<OperationResult, { op: 'delete' }>;
type Linked = Extract<OperationResult, { op: 'addRelationship' }>;
type Unlinked = Extract<OperationResult, { op: 'deleteRelationship' }>;

const ResourceWrittenType = builder.objectRef<Written>('ResourceWritten').implement({
  description: 'The result of an add, update, apply or patch.',
  fields: (t) => ({
    resource: t.field({ type: ResourceType, resolve: (result) => exposed(result.resource) }),
    changed: t.exposeBoolean('changed', { description: 'False when the write changed nothing.' }),
  }),
});

const ResourceDeletedType = builder.objectRef<Deleted>('ResourceDeleted').implement({
  description: 'The result of a delete.',
  fields: (t) => ({
    resource: t.field({
      type: ResourceType,
      description: 'The final state, with `deletedAt` set.',
      resolve: (result) => exposed(result.deleted),
    }),
    dependents: t.field({
      type: [ResourceType],
      description: 'Dependents deleted with it (BACKGROUND, FOREGROUND), in the order they were deleted.',
      resolve: (result) => exposedAll(result.dependents) as SchemaResource[],
    }),
    removedRelationships: t.int({
      description: 'Relationships removed with the deleted resources.',
      resolve: (result) => result.removedRelationships.length,
    }),
  }),
});

const RelationshipWrittenType = builder.objectRef<Linked>('RelationshipWritten').implement({
  description: 'The result of an addRelationship.',
  fields: (t) => ({
    relationship: t.field({ type: RelationshipType, resolve: (result) => result.relationship }),
    changed: t.exposeBoolean('changed'),
  }),
});

const RelationshipDeletedType = builder.objectRef<Unlinked>('RelationshipDeleted').implement({
  description: 'The result of a deleteRelationship.',
  fields: (t) => ({
    deleted: t.exposeBoolean('deleted', { description: 'False when the triplet did not exist.' }),
  }),
});

/** `union OperationResult`: the effect of one operation, in the order the operations were given. */
const OperationResultType = builder.unionType('OperationResult', {
  types: [ResourceWrittenType, ResourceDeletedType, RelationshipWrittenType, RelationshipDeletedType],
  resolveType: (result) => {
    switch (result.op) {
      case 'delete':
        return ResourceDeletedType;
      case 'addRelationship':
        return RelationshipWrittenType;
      case 'deleteRelationship':
        return RelationshipDeletedType;
      default:
        return ResourceWrittenType;
    }
  },
});

const TransactionResultType = builder.objectRef<TransactionResult>('TransactionResult').implement({
  fields: (t) => ({
    results: t.field({ type: [OperationResultType], resolve: (result) => result.results }),
    revision: t.field({
      type: 'Revision',
      description: 'The commit revision; the current revision when nothing changed.',
      resolve: (result) => result.revision,
    }),
  }),
});

builder.mutationField('transaction', (t) =>
  t.field({
    type: TransactionResultType,
    description: 'Applies every operation in one atomic commit, or none of them.',
    args: { operations: t.arg({ type: [OperationInputType], required: true }) },
    resolve: (_root, { operations }, context) => context.store.transaction(operations.map(toOperation)),
  }),
);
