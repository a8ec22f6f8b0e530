/**
 * Mutations of resources. Each is one atomic, durable store write; version preconditions fail with
 * VERSION_CONFLICT carrying the current version.
 */
import type { DeleteResult } from '../store/index.ts';
import { builder } from './builder.ts';
import { ResourceInputType, ResourceRefInputType, toResourceInput } from './inputs.ts';
import { ResourceType } from './resource.ts';

/** `type DeleteResult`. */
export const DeleteResultType = builder.objectRef<DeleteResult>('DeleteResult').implement({
  fields: (t) => ({
    deleted: t.field({
      type: [ResourceType],
      description: 'Final states, with `deletedAt` set.',
      resolve: (result) => [result.deleted],
    }),
    removedRelationships: t.int({
      description: 'Relationships removed with the deleted resources.',
      resolve: (result) => result.removedRelationships.length,
    }),
    revision: t.field({ type: 'Revision', resolve: (result) => result.revision }),
  }),
});

builder.mutationFields((t) => ({
  addResource: t.field({
    type: ResourceType,
    description: 'Creates a resource; ALREADY_EXISTS if its ref (or uid) is taken.',
    args: { input: t.arg({ type: ResourceInputType, required: true }) },
    resolve: async (_root, { input }, context) => (await context.store.add(toResourceInput(input))).resource,
  }),
  updateResource: t.field({
    type: ResourceType,
    description: 'Replaces a resource at `expectedVersion`; NOT_FOUND or VERSION_CONFLICT otherwise.',
    args: {
      input: t.arg({ type: ResourceInputType, required: true }),
      expectedVersion: t.arg.int({ required: true }),
    },
    resolve: async (_root, { input, expectedVersion }, context) =>
      (await context.store.update(toResourceInput(input), expectedVersion)).resource,
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
      (await context.store.apply(toResourceInput(input), expectedVersion)).resource,
  }),
  deleteResource: t.field({
    type: DeleteResultType,
    description: 'Deletes a resource and every relationship it is part of, in one commit.',
    args: {
      ref: t.arg({ type: ResourceRefInputType, required: true }),
      expectedVersion: t.arg.int(),
    },
    resolve: (_root, { ref, expectedVersion }, context) => context.store.delete(ref, expectedVersion),
  }),
}));
