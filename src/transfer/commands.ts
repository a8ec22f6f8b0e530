/**
 * The `export` subcommand of the CLI: writes the store at one revision in the export format
 * (`format.ts`), which `import` reads back.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { type Command, ignoreClosedPipe, optionalInteger, printUsage, withUsage } from '../cli/command.ts';
import { badInput, isStoreError, openStore, type Store, type StoreError } from '../store/index.ts';
import { type ExportSummary, exportStore } from './export.ts';

const EXPORT_USAGE = `usage: resource-store export [--data DIR] [--at REVISION] [--out FILE|-]

  Writes every resource and relationship of the store at one revision as one text stream: a header
  line, one JSON line per resource (NDJSON), then the relationships as N-Quads. resource-store import
  reads it back: into an empty store it recreates every resource (ref, uid, labels, annotations,
  dataType, data) and relationship (with its data); versions, revisions and timestamps start anew.

  --data DIR      store directory (env RESOURCE_STORE_DATA; default ./data); it must exist
  --at REVISION   the store as it was at REVISION (default: the current revision); it must still be
                  in the retained change log, else the export fails with REVISION_COMPACTED
  --out FILE      write to FILE, replaced only once the export is complete (default: - for stdout)
  -h, --help      show this help

A summary goes to standard error. A running server may keep using the directory.
`;

/** `export`: writes the store's resources and relationships at one revision. */
export const exportCommand: Command = {
  name: 'export',
  summary: 'Export resources (NDJSON) and relationships (N-Quads) at one revision',
  run: (argv) => withUsage(EXPORT_USAGE, () => runExport(argv)),
};

async function runExport(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      data: { type: 'string' },
      at: { type: 'string' },
      out: { type: 'string', short: 'o' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return printUsage(EXPORT_USAGE);
  const atRevision = optionalInteger('--at', values.at);
  const path = values.data ?? process.env.RESOURCE_STORE_DATA ?? './data';
  if (!existsSync(path)) return fail(`no store at ${path}`);
  // No background compaction here: it would remove the log that --at reads.
  const store = await openStore({ path, retention: { intervalMs: 0 } });
  const progress = process.stderr.isTTY ? showProgress : undefined;
  try {
    const out = values.out === undefined || values.out === '-' ? null : values.out;
    const summary =
      out === null
        ? await toStdout(store, atRevision, progress)
        : await toFile(store, out, atRevision, progress);
    if (summary === null) return 0;
    process.stderr.write(
      `${progress ? '\n' : ''}exported ${summary.resources} resources and ${summary.relationships} relationships at revision ${summary.revision}${out === null ? '' : ` to ${out}`}\n`,
    );
    return 0;
  } catch (error) {
    if (!isStoreError(error)) throw error;
    return fail(`${progress ? '\n' : ''}${describe(error)}`);
  } finally {
    await store.close();
  }
}

type Progress = ((summary: ExportSummary) => void) | undefined;

/** Exports to standard output; null when the reader went away (`export | head`). */
async function toStdout(store: Store, atRevision: number | undefined, onProgress: Progress) {
  try {
    return await exportStore(store, process.stdout, { atRevision, onProgress });
  } catch (error) {
    ignoreClosedPipe(error);
    return null;
  }
}

/** Exports to a temporary file beside `path`, renamed to `path` once complete. */
async function toFile(store: Store, path: string, atRevision: number | undefined, onProgress: Progress) {
  const partial = `${path}.partial-${process.pid}`;
  const file = createWriteStream(partial);
  try {
    const summary = await exportStore(store, file, { atRevision, onProgress });
    file.end();
    await finished(file);
    await rename(partial, path);
    return summary;
  } catch (error) {
    file.destroy();
    await rm(partial, { force: true });
    if (isStoreError(error)) throw error;
    throw badInput(path, `cannot be written (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

/** The message of a store error, with what to do about a compacted revision. */
function describe(error: StoreError): string {
  const { compactedRevision } = error.details;
  if (error.code !== 'REVISION_COMPACTED' || compactedRevision === undefined) {
    return error.message.replace(/^atRevision: /, '--at: ');
  }
  return `REVISION_COMPACTED: ${error.message}; the oldest revision --at can export is ${compactedRevision}`;
}

function fail(message: string): number {
  process.stderr.write(`export failed: ${message}\n`);
  return 1;
}

/** Rewrites one terminal line with the export's progress. */
function showProgress({ resources, relationships }: ExportSummary): void {
  process.stderr.write(`\rexported ${resources} resources, ${relationships} relationships`);
}
