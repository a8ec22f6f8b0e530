/**
 * `relationshipEvents`: a live stream of triplet changes, optionally resumed from a revision.
 */
import type { RelationshipEvent } from '../store/index.ts';
import { builder } from './builder.ts';
import { ResourceRefInputType } from './inputs.ts';
import { RelationshipType } from './relationship.ts';
import { deliveriesOf, eventOf } from './streams.ts';

/** `enum RelationshipEventType`. */
const RelationshipEventTypeType = builder.enumType('RelationshipEventType', {
  values: {
    ADDED: { description: 'The triplet was added.' },
    UPDATED: { description: 'The triplet was added again with different predicate data.' },
    DELETED: { description: 'The triplet was removed, alone or with one of its ends.' },
  } as const,
});

/** `type RelationshipEvent`. */
const RelationshipEventObject = builder.objectRef<RelationshipEvent>('RelationshipEvent').implement({
  fields: (t) => ({
    type: t.field({ type: RelationshipEventTypeType, resolve: (event) => event.type }),
    revision: t.field({ type: 'Revision', resolve: (event) => event.revision }),
    relationship: t.field({
      type: RelationshipType,
      description: 'The new state; for DELETED the removed triplet.',
      resolve: (event) => event.relationship,
    }),
    previous: t.field({
      type: RelationshipType,
      nullable: true,
      description: 'The state before the change (UPDATED, DELETED).',
      resolve: (event) => event.previous,
    }),
  }),
});

builder.subscriptionField('relationshipEvents', (t) =>
  t.field({
    type: RelationshipEventObject,
    description:
      'Changes to matching triplets, in revision order; with `since`, replayed from that revision.',
    args: {
      subject: t.arg({ type: ResourceRefInputType }),
      object: t.arg({ type: ResourceRefInputType }),
      predicate: t.arg.string(),
      since: t.arg({ type: 'Revision' }),
    },
    subscribe: (_root, args, context) =>
      deliveriesOf(
        context.store.watchRelationships({
          subject: args.subject,
          object: args.object,
          predicateType: args.predicate,
          since: args.since,
        }),
        context.budget,
      ),
    resolve: eventOf,
  }),
);
