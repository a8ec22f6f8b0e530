/**
 * The `import` and `generate` subcommands of the CLI, for Kubernetes dumps (see the usage texts).
 */
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { type Command, UsageError } from '../cli/command.ts';
import { isStoreError, openStore } from '../store/index.ts';
import { generateCluster, writeList } from './generate.ts';
import { type ImportProgress, type ImportSummary, importFiles } from './import.ts';

const IMPORT_USAGE = `usage: resource-store import FILE... [--data DIR] [--cluster NAME] [--batch-size N] [--json]

  FILE            kubectl get -o json or -o yaml output: a List, one object, or YAML documents; - is stdin
  --data DIR      store directory, created if missing (env RESOURCE_STORE_DATA; default ./data)
  --cluster NAME  label every resource resource-store/cluster=NAME
  --batch-size N  objects per atomic transaction (default 500)
  --json          print the summary as JSON
  -h, --help      show this help

Re-importing a dump changes nothing. Import into a directory no server is using.
`;

const GENERATE_USAGE = `usage: resource-store generate [--nodes N] [--deployments N] [--replicas N] [--services N]
                                [--pvcs N] [--namespaces N] [--seed N] [--out FILE]

  Writes a synthetic cluster as one kubectl-style List: Nodes, Namespaces, Deployments with
  ReplicaSets and Pods (--replicas per Deployment), Services, and bound PersistentVolumeClaims.
  Defaults: 3 nodes, 10 deployments, 3 replicas, a service per deployment, 2 pvcs, a namespace per
  25 deployments, seed 1. The same options and seed always write the same file.

  --out FILE   write to FILE instead of standard output
  -h, --help   show this help
`;

/** `import`: reads dumps and applies them to the store; prints a summary. */
export const importCommand: Command = {
  name: 'import',
  summary: 'Import Kubernetes dumps (kubectl get -o json/yaml) with derived relationships',
  run: (argv) => withUsage(IMPORT_USAGE, () => runImport(argv)),
};

/** `generate`: writes a synthetic cluster dump. */
export const generateCommand: Command = {
  name: 'generate',
  summary: 'Write a synthetic Kubernetes cluster dump of any size',
  run: (argv) => withUsage(GENERATE_USAGE, () => runGenerate(argv)),
};

/** The Kubernetes subcommands, for the CLI's command table. */
export const k8sCommands: readonly Command[] = [importCommand, generateCommand];

async function runImport(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      cluster: { type: 'string' },
      'batch-size': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return printUsage(IMPORT_USAGE);
  if (positionals.length === 0) throw new UsageError('import needs at least one FILE');
  const batchSize = optionalInteger('--batch-size', values['batch-size']);
  const path = values.data ?? process.env.RESOURCE_STORE_DATA ?? './data';
  const store = await openStore({ path });
  const progress = process.stderr.isTTY ? showProgress : undefined;
  try {
    const summary = await importFiles(store, positionals, {
      batchSize,
      cluster: values.cluster,
      onProgress: progress,
    });
    if (progress) process.stderr.write('\n');
    process.stdout.write(values.json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary));
    return 0;
  } catch (error) {
    if (!isStoreError(error)) throw error;
    process.stderr.write(`${progress ? '\n' : ''}import failed: ${error.message}\n`);
    return 1;
  } finally {
    await store.close();
  }
}

async function runGenerate(argv: readonly string[]): Promise<number> {
  const count = { type: 'string' } as const;
  const { values } = parseArgs({
    args: [...argv],
    options: {
      nodes: count,
      deployments: count,
      replicas: count,
      services: count,
      pvcs: count,
      namespaces: count,
      seed: count,
      out: { type: 'string', short: 'o' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return printUsage(GENERATE_USAGE);
  const objects = generateCluster({
    nodes: optionalInteger('--nodes', values.nodes),
    deployments: optionalInteger('--deployments', values.deployments),
    replicasPerDeployment: optionalInteger('--replicas', values.replicas),
    services: optionalInteger('--services', values.services),
    pvcs: optionalInteger('--pvcs', values.pvcs),
    namespaces: optionalInteger('--namespaces', values.namespaces),
    seed: optionalInteger('--seed', values.seed),
  });
  if (values.out === undefined) {
    await writeList(objects, process.stdout).catch(ignoreClosedPipe);
    return 0;
  }
  const file = createWriteStream(values.out);
  const written = await writeList(objects, file);
  file.end();
  await finished(file);
  process.stderr.write(`wrote ${written} objects to ${values.out}\n`);
  return 0;
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

/** Runs a command; a bad argument prints the message and the usage, and exits with 2. */
async function withUsage(text: string, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const parseError = typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
    if (!(error instanceof UsageError || error instanceof RangeError || parseError)) throw error;
    process.stderr.write(`${(error as Error).message}\n\n${text}`);
    return 2;
  }
}

/** A reader that stops early (`generate | head`) is not an error. */
function ignoreClosedPipe(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error;
}

/** Prints a usage text that was asked for. */
function printUsage(text: string): number {
  process.stdout.write(text);
  return 0;
}

/** A non-negative integer flag, or undefined when it is absent. */
function optionalInteger(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} must be a non-negative integer, given "${value}"`);
  return Number(value);
}
