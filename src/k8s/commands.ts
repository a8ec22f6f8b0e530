/**
 * Command-line subcommands for Kubernetes dumps, as a table the CLI registers:
 *
 * - `import FILE... [--data DIR] [--cluster NAME] [--batch-size N] [--json]` imports `kubectl get -o json`
 *   or `-o yaml` dumps (`-` reads standard input) into the store at DIR (default `./data`).
 * - `generate [--nodes N] [--deployments N] [--replicas N] [--services N] [--pvcs N] [--namespaces N]
 *   [--seed N] [--out FILE]` writes a synthetic cluster as one `List` (to standard output by default).
 */
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { isStoreError, openStore } from '../store/index.ts';
import { generateCluster, writeList } from './generate.ts';
import { type ImportProgress, type ImportSummary, importFiles } from './import.ts';

/** A subcommand: `run` receives the arguments after its name and resolves to an exit code. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  run(argv: readonly string[]): Promise<number>;
}

const IMPORT_USAGE = 'usage: import FILE... [--data DIR] [--cluster NAME] [--batch-size N] [--json]';
const GENERATE_USAGE =
  'usage: generate [--nodes N] [--deployments N] [--replicas N] [--services N] [--pvcs N] [--namespaces N] [--seed N] [--out FILE]';

/** `import`: reads dumps and applies them to the store; prints a summary. */
export const importCommand: Command = {
  name: 'import',
  summary: 'Import Kubernetes objects (kubectl get -o json/yaml dumps) with their relationships',
  run: (argv) => withUsage(IMPORT_USAGE, () => runImport(argv)),
};

async function runImport(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      data: { type: 'string', default: './data' },
      cluster: { type: 'string' },
      'batch-size': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || positionals.length === 0) return usage(IMPORT_USAGE, values.help);
  const batchSize =
    values['batch-size'] === undefined ? undefined : integer('--batch-size', values['batch-size']);
  const store = await openStore({ path: values.data });
  try {
    const summary = await importFiles(store, positionals, {
      batchSize,
      cluster: values.cluster,
      onProgress: process.stderr.isTTY ? showProgress : undefined,
    });
    if (process.stderr.isTTY) process.stderr.write('\n');
    process.stdout.write(values.json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary));
    return 0;
  } catch (error) {
    if (!isStoreError(error)) throw error;
    process.stderr.write(`${process.stderr.isTTY ? '\n' : ''}import failed: ${error.message}\n`);
    return 1;
  } finally {
    await store.close();
  }
}

/** `generate`: writes a synthetic cluster dump. */
export const generateCommand: Command = {
  name: 'generate',
  summary: 'Write a synthetic Kubernetes cluster dump (Deployments, ReplicaSets, Pods, Services, PVCs)',
  run: (argv) => withUsage(GENERATE_USAGE, () => runGenerate(argv)),
};

async function runGenerate(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      nodes: { type: 'string' },
      deployments: { type: 'string' },
      replicas: { type: 'string' },
      services: { type: 'string' },
      pvcs: { type: 'string' },
      namespaces: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string', short: 'o' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return usage(GENERATE_USAGE, true);
  const option = (flag: keyof typeof values) => {
    const value = values[flag];
    return typeof value === 'string' ? integer(`--${flag}`, value) : undefined;
  };
  const objects = generateCluster({
    nodes: option('nodes'),
    deployments: option('deployments'),
    replicasPerDeployment: option('replicas'),
    services: option('services'),
    pvcs: option('pvcs'),
    namespaces: option('namespaces'),
    seed: option('seed'),
  });
  if (values.out === undefined) {
    await writeList(objects, process.stdout);
    return 0;
  }
  const file = createWriteStream(values.out);
  const count = await writeList(objects, file);
  file.end();
  await finished(file);
  process.stderr.write(`wrote ${count} objects to ${values.out}\n`);
  return 0;
}

/** The Kubernetes subcommands, for the CLI's command table. */
export const k8sCommands: readonly Command[] = [importCommand, generateCommand];

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

function table(counts: Record<string, number>): string[] {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const width = Math.max(0, ...entries.map(([name]) => name.length));
  return entries.map(([name, n]) => `  ${name.padEnd(width)}  ${n}`);
}

function showProgress(progress: ImportProgress): void {
  const { objects, totalObjects, relationships } = progress;
  const percent = totalObjects === 0 ? 100 : Math.floor((objects / totalObjects) * 100);
  process.stderr.write(
    `\rimported ${objects}/${totalObjects} objects (${percent}%), ${relationships} relationships`,
  );
}

/** Runs a command; a bad argument prints the message and the usage, and exits with 2. */
async function withUsage(text: string, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const badArgument =
      error instanceof RangeError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'));
    if (!badArgument) throw error;
    process.stderr.write(`${(error as Error).message}\n${text}\n`);
    return 2;
  }
}

function usage(text: string, asked: boolean): number {
  (asked ? process.stdout : process.stderr).write(`${text}\n`);
  return asked ? 0 : 2;
}

function integer(flag: string, value: string): number {
  if (!/^\d+$/.test(value))
    throw new RangeError(`${flag} must be a non-negative integer (got ${JSON.stringify(value)})`);
  return Number(value);
}
