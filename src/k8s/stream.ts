/**
 * Streamed import, for dumps too large to hold in memory (a generated cluster of a million objects):
 * the objects are read twice from a source that can be iterated again, and never all held at once.
 *
 * 1. The first pass checks every object (a malformed one fails the import before anything is written)
 *    and keeps only what relationship derivation needs of the whole dump — uids, types, pods' labels —
 *    and the refs of stored objects that the dump holds under another uid.
 * 2. Those are deleted, as `importObjects` does, before anything else is written.
 * 3. The second pass converts the objects batch by batch and writes them through the import pipeline
 *    (`src/ingest/pipeline.ts`), a few batches in flight.
 *
 * The first pass checks what deriving relationships could fail on too (owner references), so a
 * malformed dump fails before anything is written, as with `importObjects`; the relationships
 * themselves are derived in the second pass, against the index of the whole dump.
 */
import {
  BatchPipeline,
  checkImportOptions,
  deleteRefs,
  emptySummary,
  type ImportItem,
  type ImportOptions,
  type ImportSummary,
  replacedRefs,
} from '../ingest/index.ts';
import type { ResourceRef, Store } from '../store/index.ts';
import { convertObject, type SourcedObject, toResourceInput } from './convert.ts';
import { checkOwnerReferences, DumpIndex } from './derive.ts';
import { checkObject } from './objects.ts';

/** Options of a streamed import: those of every import, and progress of the first pass. */
export interface StreamImportOptions extends ImportOptions {
  /** Called after each batch of the first pass (which checks every object), with the objects so far. */
  readonly onScan?: (scan: { readonly objects: number }) => void;
}

/** What the first pass learned of a dump. */
interface DumpScan {
  readonly index: DumpIndex;
  readonly totalObjects: number;
  /** Stored resources the dump holds under another uid. */
  readonly replaced: ResourceRef[];
}

/**
 * Imports the objects `objects()` yields, calling it twice (see the module notes), in batches of
 * `batchSize` with progress after each. Sources are `objects[i]`, as for `importObjects`.
 */
export async function importObjectStream(
  store: Store,
  objects: () => Iterable<unknown>,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  return importSourcedStream(store, () => sourced(objects()), options);
}

/**
 * Imports the objects `objects()` yields with their sources (as `dumpObjects` reads files), calling
 * it twice (see the module notes), in batches of `batchSize` with progress after each.
 */
export async function importSourcedStream(
  store: Store,
  objects: () => AsyncIterable<SourcedObject> | Iterable<SourcedObject>,
  options: StreamImportOptions = {},
): Promise<ImportSummary> {
  const { batchSize, clusterLabels } = checkImportOptions(options);
  const scan = await scanDump(store, objects(), batchSize, options.onScan);
  const summary = emptySummary([], [], store.revision);
  await deleteRefs(store, scan.replaced, batchSize, summary);
  const pipeline = new BatchPipeline(store, summary, {
    ...options,
    clusterLabels,
    totalObjects: scan.totalObjects,
  });
  const found = { danglingOwners: summary.danglingOwnerReferences, warnings: summary.warnings };
  try {
    for await (const batch of batchesOf(objects(), batchSize)) {
      const items: ImportItem[] = batch.map((object) => convertObject(object, scan.index, found));
      await pipeline.write(items);
    }
  } catch (error) {
    // A batch that failed earlier is the first failure; otherwise the batches before this one stay.
    await pipeline.finish();
    throw error;
  }
  return pipeline.finish();
}

/** The first pass: checks every object, indexes the dump and finds the objects to replace. */
async function scanDump(
  store: Store,
  objects: AsyncIterable<SourcedObject> | Iterable<SourcedObject>,
  batchSize: number,
  onScan: StreamImportOptions['onScan'],
): Promise<DumpScan> {
  const replaced: ResourceRef[] = [];
  const index = new DumpIndex([], (uid) => store.getByUid(uid)?.ref ?? null);
  let totalObjects = 0;
  const ignoredWarnings: string[] = [];
  for await (const batch of batchesOf(objects, batchSize)) {
    const converted = batch.map(({ object, source }) => {
      const checked = checkObject(object, source);
      checkOwnerReferences(checked, source);
      const { ref, uid, labels } = toResourceInput(checked, source, ignoredWarnings);
      ignoredWarnings.length = 0;
      return { ref, uid, labels, source };
    });
    totalObjects += converted.length;
    replaced.push(...replacedRefs(store, converted));
    // Only pods' labels are looked up (by Service selectors); other objects need no labels.
    for (const { ref, uid, labels } of converted)
      index.add({ ref, uid, labels: ref.kind === 'Pod' ? labels : {} });
    onScan?.({ objects: totalObjects });
  }
  return { index, totalObjects, replaced };
}

/** Each object with its source, `objects[i]`. */
function* sourced(objects: Iterable<unknown>): Generator<SourcedObject> {
  let i = 0;
  for (const object of objects) yield { object, source: `objects[${i++}]` };
}

/** Consecutive slices of `size` items. */
async function* batchesOf<T>(items: AsyncIterable<T> | Iterable<T>, size: number): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
