/**
 * Imports Kubernetes objects into a store. The whole dump is converted (and checked) first, so a
 * malformed object fails the import before anything is written. Objects are then applied in batches,
 * each batch one atomic `store.transaction` of `apply` operations for its objects followed by
 * `addRelationship` operations for the relationships those objects declare. If a batch fails, the
 * batches before it stay committed and the error names the object at fault; re-running the import is
 * safe, because applying identical content and adding an identical relationship change nothing.
 *
 * An object stored under the same ref but another uid was deleted and recreated in the cluster (a
 * StatefulSet's pod, say): it is deleted first, with its relationships, and imported anew. Otherwise
 * import only adds and updates: objects missing from a later dump, and relationships a later dump no
 * longer declares, are left in place.
 */
import {
  badInput,
  isStoreError,
  labelValueError,
  type RelationshipInput,
  type ResourceRef,
  type Store,
  StoreError,
} from '../store/index.ts';
import { type ConvertedResource, convertObjects, type SourcedObject } from './convert.ts';
import type { DanglingOwner } from './derive.ts';
import { BatchPipeline } from './pipeline.ts';
import { readDumpFile } from './read.ts';

/** The label `--cluster NAME` puts on every imported resource. */
export const CLUSTER_LABEL = 'resource-store/cluster';

/** Options of an import. */
export interface ImportOptions {
  /** Objects per transaction (default 500). */
  readonly batchSize?: number;
  /** Called after each committed batch. */
  readonly onProgress?: (progress: ImportProgress) => void;
  /** Labels every resource with `resource-store/cluster=<cluster>` (it must be a valid label value). */
  readonly cluster?: string;
}

/** Progress after a batch. */
export interface ImportProgress {
  readonly objects: number;
  readonly totalObjects: number;
  readonly relationships: number;
  readonly revision: number;
}

/** What an import did. */
export interface ImportSummary {
  /** Objects in the dump, and how many of them were created or changed. */
  objects: number;
  changedObjects: number;
  /** Stored objects deleted first because the dump has them under a new uid. */
  replacedObjects: number;
  /** Objects by kind, written `Kind` for the core group and `Kind.group` otherwise (`Deployment.apps`). */
  objectsByKind: Record<string, number>;
  /** Relationships derived, and how many of them were new or had new data. */
  relationships: number;
  changedRelationships: number;
  relationshipsByPredicate: Record<string, number>;
  /** Owner references whose owner is neither in the dump nor in the store (still linked). */
  danglingOwnerReferences: DanglingOwner[];
  /** Labels and annotations left out of resources (they remain in `data`). */
  warnings: string[];
  /** The store's revision after the import. */
  revision: number;
}

const DEFAULT_BATCH_SIZE = 500;

/** Reads every file (a List, an object, or YAML documents) and imports all their objects together. */
export async function importFiles(store: Store, paths: readonly string[], options: ImportOptions = {}) {
  const objects: SourcedObject[] = [];
  for (const path of paths) objects.push(...(await readDumpFile(path)));
  return importSourced(store, objects, options);
}

/** Imports Kubernetes objects (parsed JSON). Owners are matched by uid across `objects` and the store. */
export async function importObjects(
  store: Store,
  objects: Iterable<unknown>,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const sourced = Array.from(objects, (object, i) => ({ object, source: `objects[${i}]` }));
  return importSourced(store, sourced, options);
}

/** Converts and writes objects that carry their source. */
export async function importSourced(
  store: Store,
  objects: readonly SourcedObject[],
  options: ImportOptions = {},
): Promise<ImportSummary> {
  checkImportOptions(options);
  const conversion = convertObjects(objects, { resolveUid: (uid) => store.getByUid(uid)?.ref ?? null });
  const summary = emptySummary(conversion.danglingOwners, conversion.warnings, store.revision);
  return writeItems(store, conversion.objects, options, summary);
}

/**
 * One unit of an import: a resource to apply (or none) and relationships to add after it, from one
 * source. A converted Kubernetes object is one; so is a line of an export.
 */
export interface ImportItem {
  readonly source: string;
  readonly resource: ConvertedResource | null;
  readonly relationships: readonly RelationshipInput[];
}

/**
 * Writes items in batches of `batchSize`, each one atomic transaction, several in flight (see
 * pipeline.ts): stored resources that an item holds under another uid are deleted first, then every
 * batch applies its resources and adds its relationships. Adds the counts to `summary` and reports
 * progress after each batch, in order.
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
  const objects = items.filter(
    (item): item is ImportItem & { resource: ConvertedResource } => !!item.resource,
  );
  const stored = readStored(store, objects);
  const replaced = objects.filter(({ resource }, i) => {
    const uid = stored[i]?.uid;
    return uid !== undefined && resource.uid !== null && uid !== resource.uid;
  });
  await deleteRefs(
    store,
    replaced.map(({ resource }) => resource.ref),
    batchSize,
    summary,
  );
}

/** Deletes the resources at `refs` (stored under another uid than a dump's), `batchSize` per transaction. */
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

/** The stored resources at the objects' refs; a ref the store rejects fails naming its object. */
function readStored(store: Store, objects: readonly { source: string; resource: ConvertedResource }[]) {
  try {
    return store.getMany(objects.map((object) => object.resource.ref));
  } catch (error) {
    const index = isStoreError(error) ? /^refs\[(\d+)\]/.exec(error.details.field ?? '')?.[1] : undefined;
    if (index === undefined) throw error;
    const { code, message, details } = error as StoreError;
    throw new StoreError(
      code,
      `${objects[Number(index)]!.source}: ${message.replace(/^refs\[\d+\]\./, 'ref.')}`,
      details,
    );
  }
}

/** A summary with nothing imported yet. */
export function emptySummary(dangling: DanglingOwner[], warnings: string[], revision: number): ImportSummary {
  return {
    objects: 0,
    changedObjects: 0,
    replacedObjects: 0,
    objectsByKind: {},
    relationships: 0,
    changedRelationships: 0,
    relationshipsByPredicate: {},
    danglingOwnerReferences: dangling,
    warnings,
    revision,
  };
}

/** The validated batch size and cluster labels. */
export function checkImportOptions(options: ImportOptions) {
  return {
    batchSize: checkBatchSize(options.batchSize ?? DEFAULT_BATCH_SIZE),
    clusterLabels: clusterLabelsOf(options.cluster),
  };
}

function checkBatchSize(value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw badInput('batchSize', 'must be a positive integer');
  return value;
}

function clusterLabelsOf(cluster: string | undefined): Record<string, string> {
  if (cluster === undefined) return {};
  const problem = cluster === '' ? 'must not be empty' : labelValueError(cluster);
  if (problem !== null) throw badInput('cluster', `${problem} (it becomes the label ${CLUSTER_LABEL})`);
  return { [CLUSTER_LABEL]: cluster };
}
