/**
 * What `import` reads from each FILE: an export of the store (`src/transfer/`), or a Kubernetes dump
 * (`src/k8s/`); `-` is standard input.
 */
import { readingFile, readStream } from '../ingest/index.ts';
import type { DumpSource } from '../k8s/dump-stream.ts';
import { parseDump } from '../k8s/read.ts';
import { HEAD_BYTES, isExportFile, readExportFile } from '../transfer/import.ts';
import { type ExportContent, looksLikeExport, parseExport } from '../transfer/reader.ts';
import { UsageError } from './command.ts';

/**
 * What `import` reads from one file: an export, or a Kubernetes dump — a file, streamed when it is
 * imported, or the objects of standard input, read whole.
 */
export type ImportInput =
  | { readonly kind: 'export'; readonly content: ExportContent }
  | { readonly kind: 'dump'; readonly source: DumpSource };

/**
 * Reads a file `import` was given (`-` is standard input): an export when its name ends in `.ndjson`,
 * `.jsonl`, `.nq` or `.nt` or it starts like one (the export header or an N-Quads statement), a
 * Kubernetes dump otherwise.
 */
export async function readImportFile(path: string): Promise<ImportInput> {
  if (path === '-') return parseInput(await readingFile('stdin', readStream(process.stdin)), 'stdin');
  return (await isExportFile(path))
    ? { kind: 'export', content: await readExportFile(path) }
    : { kind: 'dump', source: path };
}

/** Text read whole (standard input): an export when it starts like one, else a dump. */
function parseInput(text: string, name: string): ImportInput {
  return looksLikeExport('', text.slice(0, HEAD_BYTES))
    ? { kind: 'export', content: parseExport(text, name) }
    : { kind: 'dump', source: parseDump(text, name) };
}

/** What one run imports: the contents of exports, or the dumps, of every file in order. */
export type ImportInputs = { readonly exports: ExportContent[] } | { readonly dumps: DumpSource[] };

/** Reads every file; a {@link UsageError} when they mix exports and dumps. */
export async function readImportFiles(paths: readonly string[]): Promise<ImportInputs> {
  const inputs: ImportInput[] = [];
  for (const path of paths) inputs.push(await readImportFile(path));
  const exports = inputs.flatMap((input) => (input.kind === 'export' ? [input.content] : []));
  if (exports.length === 0)
    return { dumps: inputs.flatMap((input) => (input.kind === 'dump' ? [input.source] : [])) };
  if (exports.length < inputs.length) {
    throw new UsageError('import either Kubernetes dumps or resource-store exports in one run, not both');
  }
  return { exports };
}
