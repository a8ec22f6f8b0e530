/**
 * Input types shared by queries, mutations and subscriptions, and their conversion to the store's
 * input shapes.
 */
import {
  badInput,
  type JsonObject,
  type JsonValue,
  type RelationshipInput,
  type ResourceInput,
  type ResourcePatch,
} from '../store/index.ts';
import { builder } from './builder.ts';

/** Identifies a resource; `group` and `namespace` default to `""` (core group, cluster scope). */
export const ResourceRefInputType = builder.inputType('ResourceRefInput', {
  fields: (t) => ({
    group: t.string({ required: true, defaultValue: '' }),
    version: t.string({ required: true }),
    kind: t.string({ required: true }),
    namespace: t.string({ defaultValue: '' }),
    name: t.string({ required: true }),
  }),
});

/** Any subset of group/version/kind; an omitted part matches every value. */
export const TypeFilterType = builder.inputType('TypeFilter', {
  fields: (t) => ({
    group: t.string(),
    version: t.string(),
    kind: t.string(),
  }),
});

/** What a client writes for a resource. Omitted fields are empty: update and apply replace. */
export const ResourceInputType = builder.inputType('ResourceInput', {
  fields: (t) => ({
    ref: t.field({ type: ResourceRefInputType, required: true }),
    uid: t.string({ description: 'Generated when omitted on creation; immutable afterwards.' }),
    labels: t.field({ type: 'JSONObject', description: 'String values only.' }),
    annotations: t.field({ type: 'JSONObject', description: 'String values only.' }),
    data: t.field({ type: 'JSON' }),
    dataType: t.string({ description: 'A type URL for `data`, like `k8s.io/api/core/v1.Pod`.' }),
  }),
});

/** `input ResourcePatch`: a JSON Merge Patch of a resource (the store's `ResourcePatch`). */
export const ResourcePatchType = builder.inputType('ResourcePatch', {
  description:
    'A JSON Merge Patch (RFC 7386) of a resource: each field given is merged into the stored one, ' +
    'a null member removes that key (a label, an annotation, a field of `data`), a null field clears ' +
    'it, and fields left out stay as they are.',
  fields: (t) => ({
    labels: t.field({
      type: 'JSONObject',
      description: 'String values add or change labels, nulls remove them.',
    }),
    annotations: t.field({
      type: 'JSONObject',
      description: 'String values add or change annotations, nulls remove them.',
    }),
    dataType: t.string(),
    data: t.field({
      type: 'JSON',
      description: 'Merged into `data`; a value that is not an object replaces it.',
    }),
  }),
});

/** Converts a `ResourcePatch` argument to the store's patch, keeping which fields were given. */
export function toResourcePatch(input: typeof ResourcePatchType.$inferInput): ResourcePatch {
  const patch: { -readonly [K in keyof ResourcePatch]: ResourcePatch[K] } = {};
  if (input.labels !== undefined) patch.labels = input.labels as ResourcePatch['labels'];
  if (input.annotations !== undefined) patch.annotations = input.annotations as ResourcePatch['annotations'];
  if (input.dataType !== undefined) patch.dataType = input.dataType;
  if (input.data !== undefined) patch.data = input.data as JsonValue;
  return patch;
}

/** The typed label of a triplet. */
export const PredicateInputType = builder.inputType('PredicateInput', {
  fields: (t) => ({
    type: t.string({ required: true }),
    data: t.field({ type: 'JSONObject' }),
  }),
});

/** A triplet: subject, predicate, object. */
export const RelationshipInputType = builder.inputType('RelationshipInput', {
  fields: (t) => ({
    subject: t.field({ type: ResourceRefInputType, required: true }),
    predicate: t.field({ type: PredicateInputType, required: true }),
    object: t.field({ type: ResourceRefInputType, required: true }),
  }),
});

/** The GraphQL shape of a `ResourceInput` argument. */
export type ResourceInputArg = typeof ResourceInputType.$inferInput;

/** The GraphQL shape of a `RelationshipInput` argument. */
export type RelationshipInputArg = typeof RelationshipInputType.$inferInput;

function toStringMap(value: JsonObject | null | undefined, field: string): Record<string, string> | null {
  if (value == null) return null;
  const map: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') throw badInput(`${field}.${key}`, 'values must be strings');
    map[key] = entry;
  }
  return map;
}

/** Converts a `ResourceInput` argument to the store's input, checking that label values are strings. */
export function toResourceInput(input: ResourceInputArg): ResourceInput {
  return {
    ref: input.ref,
    uid: input.uid,
    labels: toStringMap(input.labels, 'labels'),
    annotations: toStringMap(input.annotations, 'annotations'),
    data: input.data as JsonValue | undefined,
    dataType: input.dataType,
  };
}

/** Converts a `RelationshipInput` argument to the store's input. */
export function toRelationshipInput(input: RelationshipInputArg): RelationshipInput {
  return {
    subject: input.subject,
    predicate: { type: input.predicate.type, data: input.predicate.data },
    object: input.object,
  };
}
