/**
 * Imports exports (`format.ts`) back into a store, with the batching of every import (`src/ingest/`):
 * every file is read and checked first, so a malformed line fails the import before anything is
 * written; then resources and relationships are written in order, `batchSize` lines per atomic
 * transaction, a resource by `apply` (importing the same export again changes nothing) and a
 * relationship by adding it. A batch the store rejects is not written and the error names the file and line at fault.
 *
 * Into an empty store this recreates every resource (ref, uid, labels, annotations, dataType, data)
 * and every relationship (with its data, dangling ends included). Versions, revisions and timestamps
 * are the importing store's own. Into a non-empty store it adds and updates like the Kubernetes
 * import: a stored resource under another uid is replaced, nothing absent from the export is removed.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import {
  type DanglingOwner,
  emptySummary,
  type ImportItem,
  type ImportOptions,
  type ImportSummary,
  readingFile,
  writeItems,
} from '../ingest/index.ts';
import { badInput, OWNER_REFERENCE, type Store } from '../store/index.ts';
import { refIri } from './format.ts';
import { type ExportContent, ExportReader, looksLikeExport } from './reader.ts';

/** Bytes read from the start of a file to tell an export from a dump. */
export const HEAD_BYTES = 64 * 1024;

/**
 * Whether the file at `path` is an export: its name ends in `.ndjson`, `.jsonl`, `.nq` or `.nt`, or it
 * starts like one (the export header or an N-Quads statement).
 */
export async function isExportFile(path: string): Promise<boolean> {
  return looksLikeExport(path, await readingFile(path, readHead(path)));
}

/** Reads an export file line by line. */
export async function readExportFile(path: string): Promise<ExportContent> {
  const reader = new ExportReader(path);
  const stream = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  await readingFile(
    path,
    (async () => {
      for await (const line of lines) reader.line(line);
    })(),
  );
  return reader.finish();
}

/** Reads exports and imports them. */
export async function importExportFiles(
  store: Store,
  paths: readonly string[],
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const contents: ExportContent[] = [];
  for (const path of paths) contents.push(await readExportFile(path));
  return importExports(store, contents, options);
}

/**
 * Imports the content of exports, in order: every resource and relationship of each, in the order
 * of the files. A ref or uid given twice fails before anything is written.
 */
export async function importExports(
  store: Store,
  contents: readonly ExportContent[],
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const items: ImportItem[] = [];
  const refs = new Map<string, string>();
  const uids = new Map<string, string>();
  for (const { resources } of contents) {
    for (const { source, value } of resources) {
      once(refs, refIri(value.ref), source, 'ref');
      once(uids, value.uid, source, `uid ${JSON.stringify(value.uid)}`);
      items.push({ source, resource: value, relationships: [] });
    }
  }
  const dangling: DanglingOwner[] = [];
  for (const { relationships } of contents) {
    for (const { source, value } of relationships) {
      items.push({ source, resource: null, relationships: [value] });
    }
  }
  const summary = emptySummary(dangling, [], store.revision);
  await writeItems(store, items, options, summary);
  dangling.push(...danglingOwners(store, contents));
  return summary;
}

/** Records `key` as given at `source`; fails when an earlier line gave it. */
function once(seen: Map<string, string>, key: string, source: string, what: string): void {
  const first = seen.get(key);
  if (first !== undefined) throw badInput(source, `${what} is already given at ${first}`);
  seen.set(key, source);
}

/** OwnerReference relationships whose owner (the subject) is not stored after the import. */
function danglingOwners(store: Store, contents: readonly ExportContent[]): DanglingOwner[] {
  const owned = contents.flatMap(({ relationships }) =>
    relationships.map(({ value }) => value).filter(({ predicate }) => predicate.type === OWNER_REFERENCE),
  );
  const owners = store.getMany(owned.map(({ subject }) => subject));
  return owned.flatMap(({ subject, object, predicate }, i) => {
    if (owners[i] !== null) return [];
    const uid = predicate.data?.uid;
    return [{ dependent: object, owner: subject, uid: typeof uid === 'string' ? uid : '' }];
  });
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
