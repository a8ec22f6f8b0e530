/**
 * What an import writes: items, each a resource to apply (or none) and relationships to add after
 * it, from one source (a converted Kubernetes object; a line of an export).
 */
import {
  isStoreError,
  type RelationshipInput,
  type Resource,
  type ResourceInput,
  type ResourceRef,
  type Store,
  StoreError,
} from '../store/index.ts';

/** A resource input whose ref, uid and labels are complete. */
export type ImportResource = ResourceInput & {
  readonly ref: ResourceRef;
  readonly uid: string | null;
  readonly labels: Record<string, string>;
};

/** One unit of an import: a resource to apply (or none) and relationships to add after it. */
export interface ImportItem {
  /** Where the item comes from, like `cluster.json: items[12]`, for error messages. */
  readonly source: string;
  readonly resource: ImportResource | null;
  readonly relationships: readonly RelationshipInput[];
}

/** Something with a ref, from a source. */
export interface SourcedRef {
  readonly source: string;
  readonly ref: ResourceRef;
}

/** The stored resources at `entries`' refs; a ref the store rejects fails naming its entry's source. */
export function storedAt(store: Store, entries: readonly SourcedRef[]): (Resource | null)[] {
  try {
    return store.getMany(entries.map((entry) => entry.ref));
  } catch (error) {
    throw nameSource(error, entries);
  }
}

/** A store error about `refs[i]` rewritten to name entry i's source; any other error as it is. */
function nameSource(error: unknown, entries: readonly SourcedRef[]): unknown {
  const index = isStoreError(error) ? /^refs\[(\d+)\]/.exec(error.details.field ?? '')?.[1] : undefined;
  if (index === undefined || !isStoreError(error)) return error;
  const message = `${entries[Number(index)]!.source}: ${error.message.replace(/^refs\[\d+\]\./, 'ref.')}`;
  return new StoreError(error.code, message, error.details);
}
