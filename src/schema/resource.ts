/**
 * Resources: the `Resource` node, `ResourceRef`, and the queries that read resources.
 */
import type { JsonValue, MetadataOnly, TypeCount } from '../store/index.ts';
import { paced } from './budget.ts';
import { builder } from './builder.ts';
import {
  CONNECTION_COST,
  type ConnectionResult,
  connectionFromPage,
  costExtensions,
  FIRST_DESCRIPTION,
  pageLimit,
} from './connections.ts';
import { exposed, exposedAll, type RefShape, type SchemaResource } from './exposed.ts';
import { ResourceRefInputType, TypeFilterType } from './inputs.ts';
import { loadersOf } from './loaders.ts';
import { RawJson } from './raw-json.ts';

/** `type ResourceRef`. */
export const ResourceRefType = builder.objectRef<RefShape>('ResourceRef').implement({
  description: 'Identifies a resource. The core group is "", cluster-scoped resources have namespace "".',
  fields: (t) => ({
    group: t.exposeString('group'),
    version: t.exposeString('version'),
    kind: t.exposeString('kind'),
    namespace: t.exposeString('namespace'),
    name: t.exposeString('name'),
    uid: t.string({
      nullable: true,
      description: 'Null when no resource with this ref is stored (a dangling ref).',
      resolve: async (ref, _args, context, info) => {
        if (ref.uid !== undefined) return ref.uid;
        const resource = await loadersOf(context, info).resource.load(ref);
        return resource?.uid ?? null;
      },
    }),
  }),
});

/**
 * How the schema reads resources: metadata alone. A resource's `data` is read only when a query
 * selects it, as its stored JSON text, which goes to the client as it is.
 */
export const METADATA: MetadataOnly = { data: false };

/**
 * `type Resource implements Node`. Its global ID encodes its uid. Resources come from reads (metadata
 * alone) and from writes and events (whole).
 */
export const ResourceType = builder.objectRef<SchemaResource>('Resource');

builder.node(ResourceType, {
  description: 'A stored resource.',
  id: { resolve: (resource) => resource.uid },
  loadOne: (uid, context) => exposed(context.store.getByUid(uid, METADATA)),
  fields: (t) => ({
    ref: t.expose('ref', { type: ResourceRefType }),
    uid: t.exposeString('uid'),
    labels: t.expose('labels', { type: 'JSONObject' }),
    label: t.string({
      nullable: true,
      args: { key: t.arg.string({ required: true }) },
      resolve: (resource, { key }) => (Object.hasOwn(resource.labels, key) ? resource.labels[key] : null),
    }),
    annotations: t.expose('annotations', { type: 'JSONObject' }),
    data: t.field({
      type: 'JSON',
      nullable: true,
      resolve: (resource, _args, context) => {
        if ('data' in resource) return (resource as { data: JsonValue }).data;
        const text = context.store.storedJson(resource);
        return text === null ? null : new RawJson(text);
      },
    }),
    dataType: t.exposeString('dataType', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    deletedAt: t.expose('deletedAt', { type: 'DateTime', nullable: true }),
    version: t.exposeInt('version', { description: '1 on creation, +1 on every change.' }),
    revision: t.expose('revision', {
      type: 'Revision',
      description: 'The global revision of the commit that last changed this resource.',
    }),
  }),
});

/** `type ResourceConnection`. */
export const ResourceConnectionType = builder.connectionObject(
  {
    type: ResourceType,
    name: 'ResourceConnection',
    fields: (t) => ({
      totalCount: t.int({
        description: 'Resources matching the filters.',
        resolve: (connection) => connection.totalCount(),
      }),
      revision: t.field({
        type: 'Revision',
        description: 'The revision the page was read at; every page of a listing is read there.',
        resolve: (connection) => connection.revision,
      }),
    }),
  },
  { name: 'ResourceEdge' },
);

/** How many stored types the cost analysis counts `types` as returning. */
const TYPES_ESTIMATE = 50;

/** `type TypeCount`: one stored group/version/kind and how many resources it has. */
const TypeCountType = builder.objectRef<TypeCount>('TypeCount').implement({
  fields: (t) => ({
    group: t.exposeString('group'),
    version: t.exposeString('version'),
    kind: t.exposeString('kind'),
    count: t.exposeInt('count'),
  }),
});

builder.queryFields((t) => ({
  resource: t.field({
    type: ResourceType,
    nullable: true,
    args: { ref: t.arg({ type: ResourceRefInputType, required: true }) },
    resolve: (_root, { ref }, context) => exposed(context.store.get(ref, METADATA)),
  }),
  resourceByUid: t.field({
    type: ResourceType,
    nullable: true,
    args: { uid: t.arg.string({ required: true }) },
    resolve: (_root, { uid }, context) => exposed(context.store.getByUid(uid, METADATA)),
  }),
  resources: t.field({
    type: ResourceConnectionType,
    description: 'Resources in ref order, filtered by type, namespace and a Kubernetes label selector.',
    extensions: CONNECTION_COST,
    args: {
      type: t.arg({ type: TypeFilterType }),
      namespace: t.arg.string(),
      labelSelector: t.arg.string(),
      first: t.arg.int({ description: FIRST_DESCRIPTION }),
      after: t.arg.string(),
    },
    resolve: async (_root, args, { store, budget }): Promise<ConnectionResult<SchemaResource>> => {
      const filter = { type: args.type, namespace: args.namespace, labelSelector: args.labelSelector };
      const limit = pageLimit(args.first);
      const page = await paced(budget, () => store.list({ ...filter, limit, after: args.after }, METADATA));
      return connectionFromPage(
        { ...page, items: exposedAll(page.items) as SchemaResource[] },
        args.after,
        () => paced(budget, () => store.count(filter)),
      );
    },
  }),
  types: t.field({
    type: [TypeCountType],
    description: 'Every stored group/version/kind with its number of resources.',
    extensions: costExtensions({ listSize: TYPES_ESTIMATE }),
    resolve: (_root, _args, context) => context.store.types(),
  }),
  revision: t.field({
    type: 'Revision',
    description: 'The newest revision: every write acknowledged so far is visible at it.',
    resolve: (_root, _args, context) => context.store.revision,
  }),
}));
