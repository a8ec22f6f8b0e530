/**
 * Ownership graphs: `Resource.traverse`, a breadth-first walk paged as a `TraversalConnection`; its
 * shortcuts over `OwnerReference` edges (`owners`, `dependents`, `ancestors`, `descendants`); and
 * `Resource.path`, a shortest path of relationships.
 *
 * Every walk runs in the store, bounded by `maxDepth` (at most the server's `maxTraversalDepth`, or
 * BAD_USER_INPUT) and by the server's node limit (LIMIT_EXCEEDED), in slices of the execution's
 * budget (budget.ts): it gives way to other work between them and stops when the budget is spent. The one-hop shortcuts go through the
 * execution's batched loaders, so asking for the owners of every listed pod costs two store reads.
 */
import {
  type Direction,
  invariant,
  OWNER_REFERENCE,
  type Relationship,
  type ResourceMetadata,
  type ResourceRef,
  type TraversalStep,
  type TraverseOptions,
} from '../store/index.ts';
import { inSlices } from './budget.ts';
import { builder } from './builder.ts';
import {
  CONNECTION_COST,
  type ConnectionResult,
  connectionFromPage,
  costExtensions,
  FIRST_DESCRIPTION,
  pageLimit,
} from './connections.ts';
import type { SchemaContext } from './context.ts';
import type { SchemaResource } from './exposed.ts';
import { ResourceRefInputType } from './inputs.ts';
import { type Loaders, loadersOf } from './loaders.ts';
import { DirectionType, RelationshipType } from './relationship.ts';
import { METADATA, ResourceRefType, ResourceType } from './resource.ts';

/** The `maxDepth` a walk uses when a client gives none (the server may cap it lower). */
const DEFAULT_MAX_DEPTH = 10;

/** A step as the schema hands it to GraphQL: its ref and its resource's carry the uid (exposed.ts). */
type SchemaStep = Omit<TraversalStep<SchemaResource>, 'ref'> & { readonly ref: SchemaResource['ref'] };

/** A step of the store's, with one ref that knows the uid for the step and its resource. */
function exposedStep(step: TraversalStep<ResourceMetadata>): SchemaStep {
  const { group, version, kind, namespace, name } = step.ref;
  const { resource } = step;
  const ref = { group, version, kind, namespace, name, uid: resource?.uid ?? null };
  if (resource) (resource as { ref: ResourceRef }).ref = ref;
  return { ref, resource: resource as SchemaResource | null, depth: step.depth, via: step.via };
}

/** `type TraversalStep`: one resource reached by a walk. */
export const TraversalStepType = builder.objectRef<SchemaStep>('TraversalStep').implement({
  description: 'A resource reached by a traversal, with how far away it is and the edge that reached it.',
  fields: (t) => ({
    ref: t.expose('ref', { type: ResourceRefType, description: 'Set even when the resource is not stored.' }),
    resource: t.expose('resource', {
      type: ResourceType,
      nullable: true,
      description: 'Null for a dangling ref: an edge names it, but no such resource is stored.',
    }),
    depth: t.exposeInt('depth', { description: 'Hops from the start: 1 for its direct neighbours.' }),
    via: t.expose('via', {
      type: RelationshipType,
      description: 'The relationship that first reached this resource.',
    }),
  }),
});

/** `type TraversalConnection`. It has no `totalCount`: counting would walk the whole graph. */
export const TraversalConnectionType = builder.connectionObject(
  {
    type: TraversalStepType,
    name: 'TraversalConnection',
    fields: (t) => ({
      revision: t.field({
        type: 'Revision',
        description: 'The revision the page was read at.',
        resolve: (connection) => connection.revision,
      }),
    }),
  },
  { name: 'TraversalEdge' },
);

/** Never called: `TraversalConnection` exposes no `totalCount`. */
function uncounted(): never {
  invariant(false, 'TraversalConnection has no totalCount');
}

/** Paging arguments and the walk's options, as a client sends them. */
interface WalkArgs {
  readonly direction?: Direction | null | undefined;
  readonly predicates?: readonly string[] | null | undefined;
  readonly kinds?: readonly string[] | null | undefined;
  readonly maxDepth?: number | null | undefined;
  readonly first?: number | null | undefined;
  readonly after?: string | null | undefined;
}

/** One page of a walk from `start`, as a connection; the walk runs in slices of the execution's budget. */
async function traversalPage(
  { store, budget }: SchemaContext,
  start: ResourceRef,
  args: WalkArgs,
): Promise<ConnectionResult<SchemaStep>> {
  const options: TraverseOptions = {
    direction: args.direction,
    predicates: args.predicates,
    kinds: args.kinds,
    maxDepth: args.maxDepth,
    limit: pageLimit(args.first),
    after: args.after,
  };
  const found = await inSlices(budget, store.traverseSteps(start, options, METADATA));
  return connectionFromPage({ ...found, items: found.items.map(exposedStep) }, args.after, uncounted);
}

/** The stored resources at the other end of a resource's OwnerReference edges, one hop away. */
async function ownershipNeighbours(
  loaders: Loaders,
  ref: ResourceRef,
  direction: 'INCOMING' | 'OUTGOING',
): Promise<SchemaResource[]> {
  const edges = await loaders.edges(undefined).load({ ref, direction, predicateType: OWNER_REFERENCE });
  const ends = edges.map((edge: Relationship) => (direction === 'INCOMING' ? edge.subject : edge.object));
  const resources = await Promise.all(ends.map((end) => loaders.resource.load(end)));
  return resources.filter((resource): resource is SchemaResource => resource !== null);
}

builder.objectFields(ResourceType, (t) => {
  const maxDepthArg = () =>
    t.arg.int({
      defaultValue: DEFAULT_MAX_DEPTH,
      description: "At most this many hops; above the server's limit is BAD_USER_INPUT.",
    });
  const firstArg = () => t.arg.int({ description: FIRST_DESCRIPTION });
  const kindsArg = () =>
    t.arg.stringList({ description: 'Only report resources of these kinds; the walk passes through all.' });

  /** A walk over OwnerReference edges, for `ancestors` and `descendants`. */
  const ownershipWalk = (direction: 'INCOMING' | 'OUTGOING', description: string) =>
    t.field({
      type: TraversalConnectionType,
      description,
      extensions: CONNECTION_COST,
      args: { kinds: kindsArg(), maxDepth: maxDepthArg(), first: firstArg(), after: t.arg.string() },
      resolve: (resource, args, context) =>
        traversalPage(context, resource.ref, {
          ...args,
          direction,
          predicates: [OWNER_REFERENCE],
        }),
    });

  return {
    traverse: t.field({
      type: TraversalConnectionType,
      description:
        'Every resource reachable from this one, each once with its depth and the edge that first ' +
        'reached it, breadth-first in a stable order. Cycle-safe. A walk that reaches more resources ' +
        "than the server's limit fails with LIMIT_EXCEEDED; page with `first` and `after`.",
      extensions: CONNECTION_COST,
      args: {
        direction: t.arg({ type: DirectionType, defaultValue: 'OUTGOING' }),
        predicates: t.arg.stringList({ description: 'Predicate types to follow (default: every type).' }),
        kinds: kindsArg(),
        maxDepth: maxDepthArg(),
        first: firstArg(),
        after: t.arg.string(),
      },
      resolve: (resource, args, context) => traversalPage(context, resource.ref, args),
    }),
    ancestors: ownershipWalk(
      'INCOMING',
      'Owners of this resource, their owners, and so on up, over OwnerReference edges.',
    ),
    descendants: ownershipWalk(
      'OUTGOING',
      'What this resource owns, and what that owns, all the way down over OwnerReference edges.',
    ),
    path: t.field({
      type: [RelationshipType],
      nullable: { list: true, items: false },
      description:
        'A shortest path of relationships from this resource to `to`: [] when `to` is this resource, ' +
        'null when it cannot be reached within `maxDepth` hops.',
      // At most `maxDepth` relationships long.
      extensions: costExtensions({ listSize: 'maxDepth' }),
      args: {
        to: t.arg({ type: ResourceRefInputType, required: true }),
        predicates: t.arg.stringList({ description: 'Predicate types to follow (default: every type).' }),
        direction: t.arg({ type: DirectionType, defaultValue: 'OUTGOING' }),
        maxDepth: maxDepthArg(),
      },
      resolve: (resource, args, context) =>
        inSlices(
          context.budget,
          context.store.shortestPathSteps(resource.ref, args.to, {
            direction: args.direction,
            predicates: args.predicates,
            maxDepth: args.maxDepth,
          }),
        ),
    }),
  };
});

/** How many owners the cost analysis counts a resource as having (most have one: a controller). */
const OWNERS_ESTIMATE = 2;
/** How many dependents it counts (a ReplicaSet owns its replicas' pods). */
const DEPENDENTS_ESTIMATE = 20;

/** One hop over OwnerReference edges, batched through the execution's loaders. */
builder.objectFields(ResourceType, (t) => ({
  owners: t.field({
    type: [ResourceType],
    description:
      'Stored resources that own this one (subjects of its incoming OwnerReference edges). Owners ' +
      'that are not stored are left out; `relationships(direction: INCOMING)` shows their refs.',
    extensions: costExtensions({ listSize: OWNERS_ESTIMATE }),
    resolve: (resource, _args, context, info) =>
      ownershipNeighbours(loadersOf(context, info), resource.ref, 'INCOMING'),
  }),
  dependents: t.field({
    type: [ResourceType],
    description:
      'Stored resources this one owns (objects of its outgoing OwnerReference edges). Dependents ' +
      'that are not stored are left out.',
    extensions: costExtensions({ listSize: DEPENDENTS_ESTIMATE }),
    resolve: (resource, _args, context, info) =>
      ownershipNeighbours(loadersOf(context, info), resource.ref, 'OUTGOING'),
  }),
}));
