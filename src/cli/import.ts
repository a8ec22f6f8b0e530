/**
 * `resource-store import FILE...`: imports Kubernetes dumps (`src/k8s/`) or exports of the store
 * (`src/transfer/`) into the store directory; prints the summary, and progress on a terminal.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_BATCH_SIZE, type ImportProgress, type ImportSummary } from '../ingest/index.ts';
import { importDumps } from '../k8s/import.ts';
import { DEFAULTS } from '../server/defaults.ts';
import { isStoreError, openStore } from '../store/index.ts';
import { importExports } from '../transfer/import.ts';
import { type Command, optionalInteger, parsedCommand, UsageError } from './command.ts';
import { readImportFiles } from './import-files.ts';
import { DATA_VARIABLE, dataDirectory } from './settings.ts';

const IMPORT_USAGE = `usage: resource-store import FILE... [--data DIR] [--cluster NAME] [--batch-size N] [--json]

  FILE            kubectl get -o json or -o yaml output: a List, one object, or YAML documents;
                  or the output of resource-store export (named *.ndjson, *.jsonl, *.nq or *.nt, or
                  recognised by its first line), or a part of it; - is stdin
  --data DIR      store directory, created if missing (env ${DATA_VARIABLE}; default ${DEFAULTS.dataDirectory})
  --cluster NAME  label every resource resource-store/cluster=NAME
  --batch-size N  objects (for an export: lines) per atomic transaction (default ${DEFAULT_BATCH_SIZE})
  --json          print the summary as JSON
  -h, --help      show this help

Re-importing a dump or an export changes nothing; an export imported into an empty store recreates it.
One run imports either dumps or exports. Import into a directory no server is using.
`;

const IMPORT_OPTIONS = {
  data: { type: 'string' },
  cluster: { type: 'string' },
  'batch-size': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** The checked options of `import`. */
export interface ImportSettings {
  readonly files: readonly string[];
  readonly data: string;
  readonly cluster: string | undefined;
  readonly batchSize: number | undefined;
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

async function runImport({ files, data, cluster, batchSize, json }: ImportSettings): Promise<number> {
  const store = await openStore({ path: data });
  const progress = process.stderr.isTTY ? showProgress : undefined;
  try {
    const options = { batchSize, cluster, onProgress: progress };
    const inputs = await readImportFiles(files);
    const summary =
      'exports' in inputs
        ? await importExports(store, inputs.exports, options)
        : await importDumps(store, inputs.dumps, options);
    if (progress) process.stderr.write('\n');
    process.stdout.write(json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary));
    return 0;
  } catch (error) {
    if (!isStoreError(error)) throw error;
    process.stderr.write(`${progress ? '\n' : ''}import failed: ${error.message}\n`);
    return 1;
  } finally {
    await store.close();
  }
}

/** A human-readable import summary. */
export function formatSummary(summary: ImportSummary): string {
  const lines = [
    `objects: ${summary.objects} (${summary.changedObjects} created or changed, ${summary.replacedObjects} replaced)`,
    ...table(summary.objectsByKind),
    `relationships: ${summary.relationships} (${summary.changedRelationships} new or changed)`,
    ...table(summary.relationshipsByPredicate),
    `dangling owner references: ${summary.danglingOwnerReferences.length}`,
    ...summary.warnings.map((warning) => `warning: ${warning}`),
    `revision: ${summary.revision}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Indented `name  count` lines, largest count first. */
function table(counts: Record<string, number>): string[] {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const width = Math.max(0, ...entries.map(([name]) => name.length));
  return entries.map(([name, n]) => `  ${name.padEnd(width)}  ${n}`);
}

/** Rewrites one terminal line with the import's progress. */
function showProgress({ objects, totalObjects, relationships }: ImportProgress): void {
  const percent = totalObjects === 0 ? 100 : Math.floor((objects / totalObjects) * 100);
  process.stderr.write(
    `\rimported ${objects}/${totalObjects} objects (${percent}%), ${relationships} relationships`,
  );
}
