/**
 * Imports exports (`format.ts`) back into a store, with the batching of every import (`src/ingest/`),
 * in two passes over each file (`scan.ts`): the first reads and checks every line, so a malformed line
 * or a ref or uid given twice fails the import before anything is written, and keeps only the
 * relationships and an index of the resources' refs and uids; the second reads the resources again
 * and writes them, then the relationships, `batchSize` lines per atomic transaction, a resource by
 * `apply` (importing the same export again changes nothing) and a relationship by adding it. A batch
 * the store rejects is not written and the error names the file and line at fault.
 *
 * Into an empty store this recreates every resource (ref, uid, labels, annotations, dataType, data)
 * and every relationship (with its data, dangling ends included). Versions, revisions and timestamps
 * are the importing store's own. Into a non-empty store it adds and updates like the Kubernetes
 * import: a stored resource under another uid is replaced, nothing absent from the export is removed.
 */
import { open } from 'node:fs/promises';
import {
  BatchPipeline,
  checkImportOptions,
  type DanglingOwner,
  deleteRefs,
  emptySummary,
  type ImportItem,
  type ImportOptions,
  type ImportSummary,
  readingFile,
  replacedRefs,
} from '../ingest/index.ts';
import { OWNER_REFERENCE, type ResourceRef, type Store } from '../store/index.ts';
import { checkAcrossFiles, type ExportContent, refOfIri } from './content.ts';
import { looksLikeExport } from './reader.ts';
import { exportResources, scanExportFile } from './scan.ts';

/** Bytes read from the start of a file to tell an export from a dump. */
export const HEAD_BYTES = 64 * 1024;

/**
 * Whether the file at `path` is an export: its name ends in `.ndjson`, `.jsonl`, `.nq` or `.nt`, or it
 * starts like one (the export header or an N-Quads statement).
 */
export async function isExportFile(path: string): Promise<boolean> {
  return looksLikeExport(path, await readingFile(path, readHead(path)));
}

/**
 * Reads an export file and checks every line (the first pass), keeping its relationships and the index
 * of its resources but not the resources, which {@link importExports} reads from the file again.
 */
export async function readExportFile(path: string): Promise<ExportContent> {
  return scanExportFile(path);
}

/** Reads exports and imports them, never holding their resources (see {@link importExports}). */
export async function importExportFiles(
  store: Store,
  paths: readonly string[],
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const contents: ExportContent[] = [];
  for (const path of paths) contents.push(await scanExportFile(path));
  return importExports(store, contents, options);
}

/**
 * Imports the content of exports, in order: every resource of each, in the order of the files (a
 * scanned file read again, batch by batch), then every relationship. A ref or uid given twice fails
 * before anything is written; so does a batch size or cluster the options get wrong.
 */
export async function importExports(
  store: Store,
  contents: readonly ExportContent[],
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const { batchSize, clusterLabels } = checkImportOptions(options);
  checkAcrossFiles(contents.map(({ index }) => index));
  const summary = emptySummary([], [], store.revision);
  await deleteRefs(store, replaced(store, contents, batchSize), batchSize, summary);
  const totalObjects = contents.reduce((sum, { index }) => sum + index.size, 0);
  const pipeline = new BatchPipeline(store, summary, { ...options, clusterLabels, totalObjects });
  try {
    await writeContents(pipeline, contents, batchSize);
  } catch (error) {
    // A batch that failed earlier is the first failure; otherwise the batches before this one stay.
    await pipeline.finish();
    throw error;
  }
  await pipeline.finish();
  summary.danglingOwnerReferences.push(...danglingOwners(store, contents, batchSize));
  return summary;
}

/** Queues every resource, then every relationship, `batchSize` items a batch. */
async function writeContents(
  pipeline: BatchPipeline,
  contents: readonly ExportContent[],
  batchSize: number,
): Promise<void> {
  let batch: ImportItem[] = [];
  const add = async (item: ImportItem) => {
    batch.push(item);
    if (batch.length < batchSize) return;
    await pipeline.write(batch);
    batch = [];
  };
  for (const content of contents) {
    for await (const { source, value } of exportResources(content)) {
      await add({ source, resource: value, relationships: [] });
    }
  }
  for (const { relationships } of contents) {
    for (const { source, value } of relationships)
      await add({ source, resource: null, relationships: [value] });
  }
  if (batch.length > 0) await pipeline.write(batch);
}

/** Stored resources that the exports hold under another uid, looked up `batchSize` at a time. */
function replaced(store: Store, contents: readonly ExportContent[], batchSize: number): ResourceRef[] {
  const refs: ResourceRef[] = [];
  for (const { index } of contents) {
    let entries: { source: string; ref: ResourceRef; uid: string }[] = [];
    const flush = () => {
      refs.push(...replacedRefs(store, entries));
      entries = [];
    };
    for (const { iri, uid, line } of index.entries()) {
      entries.push({ source: index.source(line), ref: refOfIri(iri), uid });
      if (entries.length === batchSize) flush();
    }
    flush();
  }
  return refs;
}

/** OwnerReference relationships whose owner (the subject) is not stored after the import. */
function danglingOwners(
  store: Store,
  contents: readonly ExportContent[],
  batchSize: number,
): DanglingOwner[] {
  const owned = contents.flatMap(({ relationships }) =>
    relationships.map(({ value }) => value).filter(({ predicate }) => predicate.type === OWNER_REFERENCE),
  );
  const dangling: DanglingOwner[] = [];
  for (let start = 0; start < owned.length; start += batchSize) {
    const batch = owned.slice(start, start + batchSize);
    const owners = store.getMany(
      batch.map(({ subject }) => subject),
      { data: false },
    );
    batch.forEach(({ subject, object, predicate }, i) => {
      if (owners[i] !== null) return;
      const uid = predicate.data?.uid;
      dangling.push({ dependent: object, owner: subject, uid: typeof uid === 'string' ? uid : '' });
    });
  }
  return dangling;
}

/** The first bytes of a file as text. */
async function readHead(path: string): Promise<string> {
  const file = await open(path);
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await file.read(buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await file.close();
  }
}
