/**
 * Mutations of resources. Each is one atomic, durable store write; version preconditions fail with
 * VERSION_CONFLICT carrying the current version.
 */
import type { DeleteResult } from '../store/index.ts';
import { builder } from './builder.ts';
import { exposed, exposedAll, type SchemaResource } from './exposed.ts';
import {
  ResourceInputType,
  ResourcePatchType,
  ResourceRefInputType,
  toResourceInput,
  toResourcePatch,
} from './inputs.ts';
import { ResourceType } from './resource.ts';

/** `enum DeletePropagation`: Kubernetes deletion propagation over OwnerReference edges. */
export const DeletePropagationType = builder.enumType('DeletePropagation', {
  description:
    'What happens to the dependents of a deleted resource (the objects of its OwnerReference edges).',
  values: {
    ORPHAN: { description: 'Delete only the resource and its relationships; dependents stay.' },
    BACKGROUND: {
      description:
        'Also delete every transitive dependent without another live owner, the resource first, in ' +
        'the same commit.',
    },
    FOREGROUND: {
      description: 'Like BACKGROUND, but the deepest dependents are deleted first and the resource last.',
    },
  } as const,
});

/** `type DeleteResult`. */
export const DeleteResultType = builder.objectRef<DeleteResult>('DeleteResult').implement({
  fields: (t) => ({
    deleted: t.field({
      type: [ResourceType],
      description:
        'The resource asked for, then the dependents deleted with it in the order they were deleted. ' +
        'Final states, with `deletedAt` set; for a dry run, the current states.',
      resolve: (result) => exposedAll([result.deleted, ...result.dependents]) as SchemaResource[],
    }),
    removedRelationships: t.int({
      description: 'Relationships removed with the deleted resources (that would be, for a dry run).',
      resolve: (result) => result.removedRelationships.length,
    }),
    revision: t.field({
      type: 'Revision',
      description: 'The commit revision; for a dry run, the revision the plan was computed at.',
      resolve: (result) => result.revision,
    }),
    dryRun: t.exposeBoolean('dryRun', { description: 'True when nothing was deleted: a dry run.' }),
  }),
});

builder.mutationFields((t) => ({
  addResource: t.field({
    type: ResourceType,
    description: 'Creates a resource; ALREADY_EXISTS if its ref (or uid) is taken.',
    args: { input: t.arg({ type: ResourceInputType, required: true }) },
    resolve: async (_root, { input }, context) =>
      exposed((await context.store.add(toResourceInput(input))).resource),
  }),
  updateResource: t.field({
    type: ResourceType,
    description: 'Replaces a resource at `expectedVersion`; NOT_FOUND or VERSION_CONFLICT otherwise.',
    args: {
      input: t.arg({ type: ResourceInputType, required: true }),
      expectedVersion: t.arg.int({ required: true }),
    },
    resolve: async (_root, { input, expectedVersion }, context) =>
      exposed((await context.store.update(toResourceInput(input), expectedVersion)).resource),
  }),
  applyResource: t.field({
    type: ResourceType,
    description:
      'Creates or replaces a resource, at `expectedVersion` when given. A no-op keeps the version.',
    args: {
      input: t.arg({ type: ResourceInputType, required: true }),
      expectedVersion: t.arg.int(),
    },
    resolve: async (_root, { input, expectedVersion }, context) =>
      exposed((await context.store.apply(toResourceInput(input), expectedVersion)).resource),
  }),
  patchResource: t.field({
    type: ResourceType,
    description:
      'Merges a patch into a stored resource, at `expectedVersion` when given; NOT_FOUND when it is ' +
      'not stored. A patch that changes nothing keeps the version.',
    args: {
      ref: t.arg({ type: ResourceRefInputType, required: true }),
      patch: t.arg({ type: ResourcePatchType, required: true }),
      expectedVersion: t.arg.int(),
    },
    resolve: async (_root, { ref, patch, expectedVersion }, context) =>
      exposed((await context.store.patch(ref, toResourcePatch(patch), expectedVersion)).resource),
  }),
  deleteResource: t.field({
    type: DeleteResultType,
    description:
      'Deletes a resource and every relationship it is part of and, with BACKGROUND or FOREGROUND ' +
      'propagation, its dependents: all in one commit, one event per deleted resource. With ' +
      '`dryRun`, reports what would be deleted and changes nothing.',
    args: {
      ref: t.arg({ type: ResourceRefInputType, required: true }),
      expectedVersion: t.arg.int(),
      propagation: t.arg({ type: DeletePropagationType, defaultValue: 'ORPHAN' }),
      dryRun: t.arg.boolean({ defaultValue: false }),
    },
    resolve: (_root, { ref, expectedVersion, propagation, dryRun }, context) =>
      context.store.delete(ref, expectedVersion, { propagation, dryRun }),
  }),
}));
