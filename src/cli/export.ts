/**
 * `resource-store export`: writes the store at one revision in the export format
 * (`src/transfer/format.ts`), which `import` reads back; a summary, and progress on a terminal, go
 * to standard error.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULTS } from '../server/defaults.ts';
import { isStoreError, openStore, type Store, type StoreError } from '../store/index.ts';
import {
  type ExportOptions,
  type ExportSummary,
  exportStore,
  exportStoreToFile,
} from '../transfer/export.ts';
import { type Command, ignoreClosedPipe, optionalInteger, parsedCommand } from './command.ts';
import { DATA_VARIABLE, dataDirectory } from './settings.ts';

const EXPORT_USAGE = `usage: resource-store export [--data DIR] [--at REVISION] [--out FILE|-]

  Writes every resource and relationship of the store at one revision as one text stream: a header
  line, one JSON line per resource (NDJSON), then the relationships as N-Quads. resource-store import
  reads it back: into an empty store it recreates every resource (ref, uid, labels, annotations,
  dataType, data) and relationship (with its data); versions, revisions and timestamps start anew.

  --data DIR      store directory (env ${DATA_VARIABLE}; default ${DEFAULTS.dataDirectory}); it must exist
  --at REVISION   the store as it was at REVISION (default: the current revision); it must still be
                  in the retained change log, else the export fails with REVISION_COMPACTED
  --out FILE      write to FILE, replaced only once the export is complete (default: - for stdout)
  -h, --help      show this help

A summary goes to standard error. A running server may keep using the directory.
`;

const EXPORT_OPTIONS = {
  data: { type: 'string' },
  at: { type: 'string' },
  out: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** The checked options of `export`. */
export interface ExportSettings {
  readonly data: string;
  readonly atRevision: number | undefined;
  /** The file to write, or null for standard output. */
  readonly out: string | null;
}

/** Reads `export`'s arguments: flags win over environment variables. Throws a usage error. */
export function parseExportArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ExportSettings | 'help' {
  const { values } = parseArgs({ args: [...argv], options: EXPORT_OPTIONS });
  if (values.help) return 'help';
  return {
    atRevision: optionalInteger('--at', values.at),
    data: dataDirectory(values.data, env),
    out: values.out === undefined || values.out === '-' ? null : values.out,
  };
}

/** `export`: writes the store's resources and relationships at one revision. */
export const exportCommand: Command = parsedCommand({
  name: 'export',
  summary: 'Export resources (NDJSON) and relationships (N-Quads) at one revision',
  usage: EXPORT_USAGE,
  options: EXPORT_OPTIONS,
  parse: parseExportArgs,
  execute: runExport,
});

async function runExport({ data, atRevision, out }: ExportSettings): Promise<number> {
  if (!existsSync(data)) return fail(`no store at ${data}`);
  // Read-only: beside a server writing the store, and never compacting the log that --at reads.
  const store = await openStore({ path: data, readOnly: true });
  const onProgress = process.stderr.isTTY ? showProgress : undefined;
  try {
    const options = { atRevision, onProgress };
    const summary =
      out === null ? await toStdout(store, options) : await exportStoreToFile(store, out, options);
    if (summary === null) return 0;
    process.stderr.write(
      `${onProgress ? '\n' : ''}exported ${summary.resources} resources and ${summary.relationships} relationships at revision ${summary.revision}${out === null ? '' : ` to ${out}`}\n`,
    );
    return 0;
  } catch (error) {
    if (!isStoreError(error)) throw error;
    return fail(`${onProgress ? '\n' : ''}${describe(error)}`);
  } finally {
    await store.close();
  }
}

/** Exports to standard output; null when the reader went away (`export | head`). */
async function toStdout(store: Store, options: ExportOptions): Promise<ExportSummary | null> {
  try {
    return await exportStore(store, process.stdout, options);
  } catch (error) {
    ignoreClosedPipe(error);
    return null;
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
