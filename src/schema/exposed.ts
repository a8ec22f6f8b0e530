/**
 * Resources and refs as the schema hands them to GraphQL: a resource's ref carries its uid.
 */
import type { ResourceMetadata, ResourceRef } from '../store/index.ts';

/** A ref as shown to clients: `uid` is known for a stored resource and looked up for a bare ref. */
export type RefShape = ResourceRef & { readonly uid?: string | null };

/**
 * A resource as the schema hands it to GraphQL: its ref carries its uid, what `ResourceRef.uid` shows,
 * so `Resource.ref` needs no resolver. (graphql-jit makes three closures, a resolve info and a path
 * for every resolver call: per item of a listing, that cost more than reading the item.)
 */
export type SchemaResource = ResourceMetadata & {
  readonly ref: ResourceRef & { readonly uid: string | null };
};

/**
 * `resource` as the schema hands it out ({@link SchemaResource}). The store's reads return objects of
 * the caller's own: the uid is added to their ref, or to a copy of it when the ref is shared (the
 * term cache's, frozen); frozen resources (writes, events) are copied.
 */
export function exposed<T extends ResourceMetadata>(resource: T): T & SchemaResource;
export function exposed<T extends ResourceMetadata>(resource: T | null): (T & SchemaResource) | null;
export function exposed<T extends ResourceMetadata>(resource: T | null): (T & SchemaResource) | null {
  if (resource === null) return null;
  if (!Object.isFrozen(resource) && !Object.isFrozen(resource.ref)) {
    (resource.ref as { uid?: string }).uid = resource.uid;
    return resource as T & SchemaResource;
  }
  const { group, version, kind, namespace, name } = resource.ref;
  const ref = { group, version, kind, namespace, name, uid: resource.uid };
  if (Object.isFrozen(resource)) return { ...resource, ref };
  (resource as { ref: ResourceRef }).ref = ref;
  return resource as T & SchemaResource;
}

/** Each of `resources` as the schema hands it out (see {@link exposed}). */
export function exposedAll<T extends ResourceMetadata>(resources: readonly (T | null)[]) {
  return resources.map((resource) => exposed(resource));
}
