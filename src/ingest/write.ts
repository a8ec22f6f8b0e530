/**
 * Writes import items in batches, each one atomic `store.transaction`, a few in flight (see
 * `pipeline.ts`). Stored resources that an item holds under another uid were deleted and recreated
 * at their source (a StatefulSet's pod, say): they are deleted first, with their relationships, and
 * written anew. Otherwise an import only adds and updates; applying identical content and adding an
 * identical relationship change nothing, so importing the same items again is safe.
 */
import type { ResourceRef, Store } from '../store/index.ts';
import { type ImportItem, type SourcedRef, storedAt } from './items.ts';
import { checkImportOptions, type ImportOptions } from './options.ts';
import { BatchPipeline } from './pipeline.ts';
import type { ImportSummary } from './summary.ts';

/**
 * Writes items in batches of `batchSize`: stored resources that an item holds under another uid are
 * deleted first, then every batch applies its resources and adds its relationships. Adds the counts
 * to `summary` and reports progress after each batch, in order.
 */
export async function writeItems(
  store: Store,
  items: readonly ImportItem[],
  options: ImportOptions,
  summary: ImportSummary,
): Promise<ImportSummary> {
  const { batchSize, clusterLabels } = checkImportOptions(options);
  await deleteReplaced(store, items, batchSize, summary);
  const totalObjects = items.filter((item) => item.resource !== null).length;
  const pipeline = new BatchPipeline(store, summary, { ...options, clusterLabels, totalObjects });
  for (let start = 0; start < items.length; start += batchSize) {
    await pipeline.write(items.slice(start, start + batchSize));
  }
  return pipeline.finish();
}

/** Deletes stored objects that the items hold under another uid, `batchSize` per transaction. */
async function deleteReplaced(
  store: Store,
  items: readonly ImportItem[],
  batchSize: number,
  summary: ImportSummary,
): Promise<void> {
  const resources = items.flatMap(({ source, resource }) =>
    resource ? [{ source, ref: resource.ref, uid: resource.uid }] : [],
  );
  await deleteRefs(store, replacedRefs(store, resources), batchSize, summary);
}

/** The refs of stored resources held under another uid than the entries'. */
export function replacedRefs(
  store: Store,
  entries: readonly (SourcedRef & { readonly uid: string | null })[],
): ResourceRef[] {
  const stored = storedAt(store, entries);
  return entries.flatMap(({ ref, uid }, i) => {
    const storedUid = stored[i]?.uid;
    return storedUid !== undefined && uid !== null && storedUid !== uid ? [ref] : [];
  });
}

/** Deletes the resources at `refs` (stored under another uid than an import's), `batchSize` per transaction. */
export async function deleteRefs(
  store: Store,
  refs: readonly ResourceRef[],
  batchSize: number,
  summary: ImportSummary,
): Promise<void> {
  for (let start = 0; start < refs.length; start += batchSize) {
    const batch = refs.slice(start, start + batchSize);
    const result = await store.transaction(batch.map((ref) => ({ op: 'delete', ref })));
    summary.replacedObjects += batch.length;
    summary.revision = result.revision;
  }
}
