/**
 * Mutations of relationships. Adding a triplet that exists updates its predicate data; it never
 * duplicates.
 */
import { builder } from './builder.ts';
import { costExtensions } from './connections.ts';
import { RelationshipInputType, toRelationshipInput } from './inputs.ts';
import { RelationshipType } from './relationship.ts';

builder.mutationFields((t) => ({
  addRelationships: t.field({
    type: [RelationshipType],
    description: 'Adds triplets in one commit. Their ends need not be stored yet.',
    extensions: costExtensions({ listSize: 'relationships' }),
    args: { relationships: t.arg({ type: [RelationshipInputType], required: true }) },
    resolve: async (_root, args, context) =>
      (await context.store.addRelationships(args.relationships.map(toRelationshipInput))).relationships,
  }),
  deleteRelationships: t.int({
    description: 'Removes triplets in one commit; returns how many existed.',
    args: { relationships: t.arg({ type: [RelationshipInputType], required: true }) },
    resolve: async (_root, args, context) =>
      (await context.store.deleteRelationships(args.relationships.map(toRelationshipInput))).deleted,
  }),
}));
