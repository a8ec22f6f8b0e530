/**
 * Predicates, the typed labels of relationships: the built-in `OwnerReference` and `PodNodeBinding`,
 * and `GenericPredicate` for every other type.
 */
import {
  invariant,
  type JsonObject,
  OWNER_REFERENCE,
  POD_NODE_BINDING,
  type Predicate,
} from '../store/index.ts';
import { builder } from './builder.ts';

/** The predicate types with a GraphQL type of their own, and the name of that type. */
const BUILT_IN = { [OWNER_REFERENCE]: 'OwnerReference', [POD_NODE_BINDING]: 'PodNodeBinding' } as const;

function optional<T extends 'string' | 'boolean'>(
  data: JsonObject | null,
  key: string,
  type: T,
): (T extends 'string' ? string : boolean) | null {
  const value = data?.[key];
  return typeof value === type ? (value as T extends 'string' ? string : boolean) : null;
}

function required(predicate: Predicate, key: string): string {
  const value = predicate.data?.[key];
  // The store validates the data of built-in predicates against their schemas before storing them.
  invariant(typeof value === 'string', `${predicate.type} predicate without a string ${key}`);
  return value;
}

/** `interface Predicate`. */
export const PredicateType = builder.interfaceRef<Predicate>('Predicate').implement({
  description: 'The typed label of a relationship.',
  fields: (t) => ({
    type: t.exposeString('type'),
  }),
  resolveType: (predicate) =>
    Object.hasOwn(BUILT_IN, predicate.type)
      ? BUILT_IN[predicate.type as keyof typeof BUILT_IN]
      : 'GenericPredicate',
});

builder.objectRef<Predicate>('OwnerReference').implement({
  description: 'The subject owns the object (Kubernetes `metadata.ownerReferences`).',
  interfaces: [PredicateType],
  fields: (t) => ({
    apiVersion: t.string({ nullable: true, resolve: (p) => optional(p.data, 'apiVersion', 'string') }),
    kind: t.string({ resolve: (p) => required(p, 'kind') }),
    name: t.string({ resolve: (p) => required(p, 'name') }),
    uid: t.string({ resolve: (p) => required(p, 'uid') }),
    controller: t.boolean({ nullable: true, resolve: (p) => optional(p.data, 'controller', 'boolean') }),
    blockOwnerDeletion: t.boolean({
      nullable: true,
      resolve: (p) => optional(p.data, 'blockOwnerDeletion', 'boolean'),
    }),
  }),
});

builder.objectRef<Predicate>('PodNodeBinding').implement({
  description: 'The subject, a Pod, is scheduled on the object, a Node.',
  interfaces: [PredicateType],
  fields: (t) => ({
    nodeName: t.string({ resolve: (p) => required(p, 'nodeName') }),
  }),
});

builder.objectRef<Predicate>('GenericPredicate').implement({
  description: 'A predicate of a type without a GraphQL type of its own.',
  interfaces: [PredicateType],
  fields: (t) => ({
    data: t.field({ type: 'JSONObject', nullable: true, resolve: (p) => p.data }),
  }),
});
