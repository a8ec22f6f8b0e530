/**
 * The `import` and `generate` subcommands of the CLI, for Kubernetes dumps (see the usage texts);
 * `import` also reads the store's own exports (`../transfer/`).
 */
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import {
  type Command,
  ignoreClosedPipe,
  optionalInteger,
  printUsage,
  UsageError,
  withUsage,
} from '../cli/command.ts';
import type { ImportProgress, ImportSummary } from '../ingest/index.ts';
import { isStoreError, openStore } from '../store/index.ts';
import { importExports, readImportFile } from '../transfer/import.ts';
import { generateCluster, writeList } from './generate.ts';
import { importSourced } from './import.ts';

const IMPORT_USAGE = `usage: resource-store import FILE... [--data DIR] [--cluster NAME] [--batch-size N] [--json]

  FILE            kubectl get -o json or -o yaml output: a List, one object, or YAML documents;
                  or the output of resource-store export (named *.ndjson, *.jsonl, *.nq or *.nt, or
                  recognised by its first line), or a part of it; - is stdin
  --data DIR      store directory, created if missing (env RESOURCE_STORE_DATA; default ./data)
  --cluster NAME  label every resource resource-store/cluster=NAME
  --batch-size N  objects (for an export: lines) per atomic transaction (default 500)
  --json          print the summary as JSON
  -h, --help      show this help

Re-importing a dump or an export changes nothing; an export imported into an empty store recreates it.
One run imports either dumps or exports. Import into a directory no server is using.
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
    const options = { batchSize, cluster: values.cluster, onProgress: progress };
    const inputs = [];
    for (const file of positionals) inputs.push(await readImportFile(file));
    const exports = inputs.flatMap((input) => (input.kind === 'export' ? [input.content] : []));
    const dumps = inputs.flatMap((input) => (input.kind === 'dump' ? input.objects : []));
    if (exports.length > 0 && exports.length < inputs.length) {
      throw new UsageError('import either Kubernetes dumps or resource-store exports in one run, not both');
    }
    const summary =
      exports.length > 0
        ? await importExports(store, exports, options)
        : await importSourced(store, dumps, options);
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
