/**
 * `resourceEvents`: a live stream of resource changes, optionally resumed from a revision or
 * preceded by the current state.
 */
import type { ResourceEvent } from '../store/index.ts';
import { builder } from './builder.ts';
import { exposed } from './exposed.ts';
import { TypeFilterType } from './inputs.ts';
import { ResourceType } from './resource.ts';
import { deliveriesOf, eventOf } from './streams.ts';

/** `enum ResourceEventType`. */
const ResourceEventTypeType = builder.enumType('ResourceEventType', {
  values: {
    ADDED: { description: 'The resource was created, or started matching the filters.' },
    UPDATED: { description: 'The resource changed.' },
    DELETED: { description: 'The resource was deleted, or stopped matching the filters.' },
    SYNCED: { description: 'Every current resource has been sent (`initialState`); live events follow.' },
  } as const,
});

/** `type ResourceEvent`. */
const ResourceEventObject = builder.objectRef<ResourceEvent>('ResourceEvent').implement({
  fields: (t) => ({
    type: t.field({ type: ResourceEventTypeType, resolve: (event) => event.type }),
    revision: t.field({
      type: 'Revision',
      description: 'Resume with `since` set to the last revision received to miss nothing.',
      resolve: (event) => event.revision,
    }),
    resource: t.field({
      type: ResourceType,
      nullable: true,
      description: 'The new state; for DELETED the final state. Null for SYNCED.',
      resolve: (event) => exposed(event.resource),
    }),
    previous: t.field({
      type: ResourceType,
      nullable: true,
      description: 'The state before the change (UPDATED, DELETED).',
      resolve: (event) => exposed(event.previous),
    }),
  }),
});

builder.subscriptionField('resourceEvents', (t) =>
  t.field({
    type: ResourceEventObject,
    description:
      'Changes to matching resources, in revision order. With `since`, every change after that ' +
      'revision is replayed first; with `initialState`, every current match arrives as ADDED, then SYNCED.',
    args: {
      type: t.arg({ type: TypeFilterType }),
      namespace: t.arg.string(),
      labelSelector: t.arg.string(),
      since: t.arg({ type: 'Revision' }),
      initialState: t.arg.boolean({ defaultValue: false }),
    },
    subscribe: (_root, args, context) => deliveriesOf(context.store.watch(args), context.budget),
    resolve: eventOf,
  }),
);
