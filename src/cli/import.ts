/**
 * `resource-store import FILE...`: imports Kubernetes dumps (`src/k8s/`) or exports of the store
 * (`src/transfer/`) into the store directory; prints the summary, and progress on a terminal.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_BATCH_SIZE, type ImportSummary } from '../ingest/index.ts';
import { importDumps } from '../k8s/import.ts';
import { DEFAULTS } from '../server/defaults.ts';
import { isStoreError, openStore } from '../store/index.ts';
import { importExports } from '../transfer/import.ts';
import { type Command, optionalInteger, parsedCommand, UsageError } from './command.ts';
import { readImportFiles } from './import-files.ts';
import { importProgress } from './progress.ts';
import { DATA_VARIABLE, dataDirectory } from './settings.ts';

/** Seconds between plain progress lines by default. */
const DEFAULT_PROGRESS_SECONDS = 2;

const IMPORT_USAGE = `usage: resource-store import FILE... [--data DIR] [--cluster NAME] [--batch-size N]
                             [--progress-interval SECONDS] [--json]

  FILE            kubectl get -o json or -o yaml output: a List, one object, or YAML documents;
                  or the output of resource-store export (named *.ndjson, *.jsonl, *.nq or *.nt, or
                  recognised by its first line), or a part of it; - is stdin
  --data DIR      store directory, created if missing (env ${DATA_VARIABLE}; default ${DEFAULTS.dataDirectory})
  --cluster NAME  label every resource resource-store/cluster=NAME
  --batch-size N  objects (for an export: lines) per atomic transaction (default ${DEFAULT_BATCH_SIZE})
  --progress-interval SECONDS
                  when standard error is not a terminal, a progress line at most this often (and at
                  each further 10%), once the import has run this long (default ${DEFAULT_PROGRESS_SECONDS}; 0: every batch)
  --json          print the summary as JSON
  -h, --help      show this help

Re-importing a dump or an export changes nothing; an export imported into an empty store recreates it.
One run imports either dumps or exports. One process writes a store at a time: an import into a
directory a server is using is refused. JSON dump files are read twice, item by item (checked first,
then written), and never held whole; YAML files and standard input are read whole. On a terminal, progress is a bar on standard error.
`;

/**
 * Address space reserved for the store's file up front (virtual memory, not disk). When the file
 * outgrows its map, lmdb-js maps it anew and keeps the earlier maps for a while, so the same pages
 * count in the resident memory of an import several times; one large map avoids that.
 */
const IMPORT_MAP_BYTES = 64 * 2 ** 30;

const IMPORT_OPTIONS = {
  data: { type: 'string' },
  cluster: { type: 'string' },
  'batch-size': { type: 'string' },
  'progress-interval': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** The checked options of `import`. */
export interface ImportSettings {
  readonly files: readonly string[];
  readonly data: string;
  readonly cluster: string | undefined;
  readonly batchSize: number | undefined;
  /** Seconds between plain progress lines. */
  readonly progressInterval: number;
  readonly json: boolean;
}

/** Reads `import`'s arguments: flags win over environment variables. Throws {@link UsageError}. */
export function parseImportArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ImportSettings | 'help' {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: IMPORT_OPTIONS,
  });
  if (values.help) return 'help';
  if (positionals.length === 0) throw new UsageError('import needs at least one FILE');
  return {
    files: positionals,
    data: dataDirectory(values.data, env),
    cluster: values.cluster,
    batchSize: optionalInteger('--batch-size', values['batch-size']),
    progressInterval:
      optionalInteger('--progress-interval', values['progress-interval']) ?? DEFAULT_PROGRESS_SECONDS,
    json: values.json,
  };
}

/** `import`: reads dumps or exports and applies them to the store; prints a summary. */
export const importCommand: Command = parsedCommand({
  name: 'import',
  summary: 'Import Kubernetes dumps (kubectl get -o json/yaml) with derived relationships',
  usage: IMPORT_USAGE,
  options: IMPORT_OPTIONS,
  parse: parseImportArgs,
  execute: runImport,
});

async function runImport(settings: ImportSettings): Promise<number> {
  const { files, data, cluster, batchSize, json } = settings;
  // A file that cannot be read fails before the store (and its directory) is made.
  const unreadable = files.find((file) => file !== '-' && readError(file) !== null);
  if (unreadable !== undefined) {
    process.stderr.write(`import failed: ${unreadable} cannot be read (${readError(unreadable)})\n`);
    return 1;
  }
  const started = performance.now();
  const store = await openStore({ path: data, mapSize: IMPORT_MAP_BYTES }).catch((error: unknown) => {
    if (!isStoreError(error)) throw error;
    process.stderr.write(`import failed: ${error.message}\n`);
    return null;
  });
  if (store === null) return 1;
  const progress = importProgress({ stream: process.stderr, intervalMs: settings.progressInterval * 1000 });
  try {
    const options = { batchSize, cluster, onProgress: progress.onProgress, onScan: progress.onScan };
    const inputs = await readImportFiles(files);
    const summary =
      'exports' in inputs
        ? await importExports(store, inputs.exports, options)
        : await importDumps(store, inputs.dumps, options);
    progress.finish(true);
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(
      json
        ? `${JSON.stringify({ ...summary, seconds: Math.round(seconds * 1000) / 1000 }, null, 2)}\n`
        : formatSummary(summary, seconds),
    );
    if (summary.objects === 0 && summary.relationships === 0) {
      process.stderr.write(`warning: ${files.join(', ')} held no Kubernetes objects and no export lines\n`);
      return 1;
    }
    return 0;
  } catch (error) {
    progress.finish(false);
    if (!isStoreError(error)) throw error;
    process.stderr.write(`import failed: ${error.message}\n`);
    return 1;
  } finally {
    await store.close();
  }
}

/** Why a file cannot be read (`ENOENT`, `EACCES`, `EISDIR`), or null when it can. */
function readError(file: string): string | null {
  try {
    accessSync(file, constants.R_OK);
    return statSync(file).isDirectory() ? 'EISDIR' : null;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  }
}

/** A human-readable import summary, ending with the time the import took and its rate. */
export function formatSummary(summary: ImportSummary, seconds: number): string {
  const lines = [
    `objects: ${summary.objects} (${summary.changedObjects} created or changed, ${summary.replacedObjects} replaced)`,
    ...table(summary.objectsByKind),
    `relationships: ${summary.relationships} (${summary.changedRelationships} new or changed)`,
    ...table(summary.relationshipsByPredicate),
    `dangling owner references: ${summary.danglingOwnerReferences.length}`,
    ...summary.warnings.map((warning) => `warning: ${warning}`),
    `revision: ${summary.revision}`,
    `elapsed: ${seconds.toFixed(1)} s (${Math.round(summary.objects / Math.max(seconds, 0.001))} objects/s)`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Indented `name  count` lines, largest count first. */
function table(counts: Record<string, number>): string[] {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const width = Math.max(0, ...entries.map(([name]) => name.length));
  return entries.map(([name, n]) => `  ${name.padEnd(width)}  ${n}`);
}
