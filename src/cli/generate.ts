/**
 * `resource-store generate`: writes a synthetic Kubernetes cluster dump (`src/k8s/generate.ts`) to
 * standard output or a file.
 */
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { type ClusterOptions, generateCluster, writeList } from '../k8s/generate.ts';
import { type Command, ignoreClosedPipe, optionalInteger, parsedCommand } from './command.ts';

const GENERATE_USAGE = `usage: resource-store generate [--nodes N] [--deployments N] [--replicas N] [--services N]
                                [--pvcs N] [--namespaces N] [--seed N] [--out FILE]

  Writes a synthetic cluster as one kubectl-style List: Nodes, Namespaces, Deployments with
  ReplicaSets and Pods (--replicas per Deployment), Services, and bound PersistentVolumeClaims.
  Defaults: 3 nodes, 10 deployments, 3 replicas, a service per deployment, 2 pvcs, a namespace per
  25 deployments, seed 1. The same options and seed always write the same file.

  --out FILE   write to FILE instead of standard output
  -h, --help   show this help
`;

const COUNT = { type: 'string' } as const;

const GENERATE_OPTIONS = {
  nodes: COUNT,
  deployments: COUNT,
  replicas: COUNT,
  services: COUNT,
  pvcs: COUNT,
  namespaces: COUNT,
  seed: COUNT,
  out: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** The checked options of `generate`. */
export interface GenerateSettings {
  readonly cluster: ClusterOptions;
  /** The file to write, or undefined for standard output. */
  readonly out: string | undefined;
}

/** Reads `generate`'s arguments. Throws a usage error. */
export function parseGenerateArgs(argv: readonly string[]): GenerateSettings | 'help' {
  const { values } = parseArgs({ args: [...argv], options: GENERATE_OPTIONS });
  if (values.help) return 'help';
  const cluster = {
    nodes: optionalInteger('--nodes', values.nodes),
    deployments: optionalInteger('--deployments', values.deployments),
    replicasPerDeployment: optionalInteger('--replicas', values.replicas),
    services: optionalInteger('--services', values.services),
    pvcs: optionalInteger('--pvcs', values.pvcs),
    namespaces: optionalInteger('--namespaces', values.namespaces),
    seed: optionalInteger('--seed', values.seed),
  };
  return { cluster, out: values.out };
}

/** `generate`: writes a synthetic cluster dump. */
export const generateCommand: Command = parsedCommand({
  name: 'generate',
  summary: 'Write a synthetic Kubernetes cluster dump of any size',
  usage: GENERATE_USAGE,
  options: GENERATE_OPTIONS,
  parse: parseGenerateArgs,
  execute: runGenerate,
});

async function runGenerate({ cluster, out }: GenerateSettings): Promise<number> {
  const objects = generateCluster(cluster);
  if (out === undefined) {
    await writeList(objects, process.stdout).catch(ignoreClosedPipe);
    return 0;
  }
  const file = createWriteStream(out);
  const written = await writeList(objects, file);
  file.end();
  await finished(file);
  process.stderr.write(`wrote ${written} objects to ${out}\n`);
  return 0;
}
