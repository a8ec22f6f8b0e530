/**
 * Relationships: `Relationship` triplets, the `relationships` query, and `Resource.relationships`, the
 * edges of a resource, loaded in batches across every resource of a response.
 */
import type { Page, Relationship, RelationshipPattern } from '../store/index.ts';
import { paced } from './budget.ts';
import { builder } from './builder.ts';
import {
  CONNECTION_COST,
  type ConnectionResult,
  connectionFromList,
  connectionFromPage,
  FIRST_DESCRIPTION,
  offsetAfter,
  pageLimit,
} from './connections.ts';
import type { SchemaContext } from './context.ts';
import { ResourceRefInputType } from './inputs.ts';
import { loadersOf } from './loaders.ts';
import { PredicateType } from './predicate.ts';
import { ResourceRefType, ResourceType } from './resource.ts';

/** `enum Direction`: which edges of a resource to follow. */
export const DirectionType = builder.enumType('Direction', {
  values: {
    OUTGOING: { value: 'OUTGOING', description: 'Edges where the resource is the subject.' },
    INCOMING: { value: 'INCOMING', description: 'Edges where the resource is the object.' },
    BOTH: { value: 'BOTH', description: 'Outgoing edges, then incoming ones.' },
  } as const,
});

/** `type Relationship`: a subject, a predicate and an object. */
export const RelationshipType = builder.objectRef<Relationship>('Relationship').implement({
  description: 'A triplet. Either end may not be stored (yet): then `subject` or `object` is null.',
  fields: (t) => ({
    subject: t.field({
      type: ResourceType,
      nullable: true,
      resolve: (edge, _args, context, info) => loadersOf(context, info).resource.load(edge.subject),
    }),
    subjectRef: t.field({ type: ResourceRefType, resolve: (edge) => edge.subject }),
    predicate: t.expose('predicate', { type: PredicateType }),
    object: t.field({
      type: ResourceType,
      nullable: true,
      resolve: (edge, _args, context, info) => loadersOf(context, info).resource.load(edge.object),
    }),
    objectRef: t.field({ type: ResourceRefType, resolve: (edge) => edge.object }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    revision: t.expose('revision', { type: 'Revision' }),
  }),
});

/** `type RelationshipConnection`. */
export const RelationshipConnectionType = builder.connectionObject(
  {
    type: RelationshipType,
    name: 'RelationshipConnection',
    fields: (t) => ({
      totalCount: t.int({
        description: 'Relationships matching.',
        resolve: (connection) => connection.totalCount(),
      }),
      revision: t.field({
        type: 'Revision',
        description: 'The revision the page was read at.',
        resolve: (connection) => connection.revision,
      }),
    }),
  },
  { name: 'RelationshipEdge' },
);

builder.objectField(ResourceType, 'relationships', (t) =>
  t.field({
    type: RelationshipConnectionType,
    description: 'Edges of this resource. Cursors are positions in the list of its matching edges.',
    extensions: CONNECTION_COST,
    args: {
      direction: t.arg({ type: DirectionType, defaultValue: 'OUTGOING' }),
      predicate: t.arg.string({ description: 'Only edges of this predicate type.' }),
      first: t.arg.int({ description: FIRST_DESCRIPTION }),
      after: t.arg.string(),
    },
    resolve: async (resource, args, context, info): Promise<ConnectionResult<Relationship>> => {
      const start = offsetAfter(args.after);
      const limit = pageLimit(args.first);
      const query = {
        ref: resource.ref,
        direction: args.direction ?? 'OUTGOING',
        predicateType: args.predicate ?? null,
      };
      const loaders = loadersOf(context, info);
      const revision = context.store.revision;
      // One more than the page tells whether another follows; never more than the store reads at once.
      const edges = await loaders
        .edges(Math.min(start + limit + 1, context.store.limits.maxPageSize))
        .load(query);
      const count = async () =>
        edges.length <= start + limit ? edges.length : (await loaders.edges(undefined).load(query)).length;
      return connectionFromList(edges, start, limit, revision, count);
    },
  }),
);

/**
 * Counts the matches of a pattern page by page, each page in a turn of the execution's budget; the
 * store has no index count for triplets.
 */
async function countMatches({ store, budget }: SchemaContext, pattern: RelationshipPattern): Promise<number> {
  let count = 0;
  let after: string | null = null;
  do {
    const page: Page<Relationship> = await paced(budget, () => store.relationships(pattern, { after }));
    count += page.items.length;
    after = page.hasNextPage ? page.endCursor : null;
  } while (after !== null);
  return count;
}

builder.queryField('relationships', (t) =>
  t.field({
    type: RelationshipConnectionType,
    description: 'Triplets matching a pattern: each given term narrows the match; none gives every triplet.',
    extensions: CONNECTION_COST,
    args: {
      subject: t.arg({ type: ResourceRefInputType }),
      object: t.arg({ type: ResourceRefInputType }),
      predicate: t.arg.string(),
      first: t.arg.int({ description: FIRST_DESCRIPTION }),
      after: t.arg.string(),
    },
    resolve: async (_root, args, context) => {
      const pattern = { subject: args.subject, object: args.object, predicateType: args.predicate };
      const options = { limit: pageLimit(args.first), after: args.after };
      const page = await paced(context.budget, () => context.store.relationships(pattern, options));
      return connectionFromPage(page, args.after, () => countMatches(context, pattern));
    },
  }),
);
