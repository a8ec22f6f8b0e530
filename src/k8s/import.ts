/**
 * Imports Kubernetes objects into a store. The whole dump is converted (and checked) first, so a
 * malformed object fails the import before anything is written (files are streamed: `stream.ts`
 * checks every object in a first pass, converts and writes in a second). Objects are then applied in batches
 * (`src/ingest/`), each batch one atomic `store.transaction` of `apply` operations for its objects
 * followed by `addRelationship` operations for the relationships those objects declare. If a batch
 * fails, the batches before it stay committed and the error names the object at fault; re-running the
 * import is safe, because applying identical content and adding an identical relationship change
 * nothing.
 *
 * An object stored under the same ref but another uid was deleted and recreated in the cluster (a
 * StatefulSet's pod, say): it is deleted first, with its relationships, and imported anew. Otherwise
 * import only adds and updates: objects missing from a later dump, and relationships a later dump no
 * longer declares, are left in place.
 */
import {
  checkImportOptions,
  emptySummary,
  type ImportOptions,
  type ImportSummary,
  writeItems,
} from '../ingest/index.ts';
import type { Store } from '../store/index.ts';
import { convertObjects, type SourcedObject } from './convert.ts';
import { type DumpSource, dumpObjects } from './dump-stream.ts';
import { importSourcedStream, type StreamImportOptions } from './stream.ts';

/**
 * Reads every file (a List, an object, or YAML documents) and imports all their objects together,
 * streamed (`stream.ts`): JSON files are read twice, item by item, and never held whole.
 */
export async function importFiles(
  store: Store,
  paths: readonly string[],
  options: StreamImportOptions = {},
): Promise<ImportSummary> {
  return importDumps(store, paths, options);
}

/**
 * Imports dumps — files, or objects already read — streamed, as {@link importFiles} does; owners are
 * matched by uid across every dump and the store.
 */
export async function importDumps(
  store: Store,
  sources: readonly DumpSource[],
  options: StreamImportOptions = {},
): Promise<ImportSummary> {
  return importSourcedStream(store, dumpObjects(sources), options);
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
