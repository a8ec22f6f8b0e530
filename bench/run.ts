/**
 * `npm run bench [-- --quick | --smoke] [--out FILE] [--profile DIR] [--only get,list,...] [--peer-dumps kind,...]`: runs every case, each
 * store path beside its raw-LMDB baseline in alternating rounds of one process, prints one line per
 * comparison (`name: store X/s, baseline Y/s, ratio R (target T)`) and writes every figure as JSON
 * (default `bench/results/latest.json`). Progress goes to stderr. Exits 1 when a case fails to run;
 * a missed target is reported, not an error.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CASES } from './cases/index.ts';
import { DEFAULT_PEER_DUMPS } from './cases/peer.ts';
import type { BenchContext } from './lib/context.ts';
import { type ClusterFixture, clusterFixture } from './lib/fixtures.ts';
import { MODES, type ModeName } from './lib/modes.ts';
import { createProfiler } from './lib/profile.ts';
import {
  type CaseResult,
  environment,
  formatLine,
  formatRate,
  type Report,
  writeReport,
} from './lib/report.ts';
import { LoadGenerator } from './load/generator.ts';
import { type Endpoint, startYogaBaseline } from './load/servers.ts';

const USAGE = `usage: npm run bench -- [--quick | --smoke] [--out FILE] [--profile DIR] [--only ${CASES.map((c) => c.id).join(',')}] [--peer-dumps openshift-metal,kind]`;

/** Parsed command line. */
export interface BenchArgs {
  readonly mode: ModeName;
  readonly out: string;
  readonly only: readonly string[] | null;
  /** Where to write CPU profiles of the store's side of each case, or null. */
  readonly profile: string | null;
  /** Dumps of `../shared/k8s/` the peer case compares on. */
  readonly peerDumps: readonly string[];
}

/** Parses the command line (throws a usage error on anything unknown). */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      smoke: { type: 'boolean', default: false },
      out: { type: 'string' },
      only: { type: 'string' },
      profile: { type: 'string' },
      'peer-dumps': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (values.quick && values.smoke) throw new Error('--quick and --smoke exclude each other');
  const only = values.only ? values.only.split(',').map((id) => id.trim()) : null;
  const unknown = only?.filter((id) => !CASES.some((c) => c.id === id)) ?? [];
  if (unknown.length > 0) throw new Error(`unknown case ${unknown.join(', ')}\n${USAGE}`);
  return {
    mode: values.smoke ? 'smoke' : values.quick ? 'quick' : 'full',
    out: values.out ?? fileURLToPath(new URL('./results/latest.json', import.meta.url)),
    only,
    profile: values.profile ?? null,
    peerDumps: values['peer-dumps']?.split(',').map((dump) => dump.trim()) ?? DEFAULT_PEER_DUMPS,
  };
}

/** Runs the selected cases and writes the report; resolves to it. */
export async function runBench(args: BenchArgs): Promise<Report> {
  const mode = MODES[args.mode];
  const started = Date.now();
  const log = (message: string) =>
    process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}\n`);
  const shared: {
    fixture: Promise<ClusterFixture> | null;
    load: Promise<LoadGenerator> | null;
    yoga: Promise<Endpoint> | null;
  } = { fixture: null, load: null, yoga: null };
  const cases: CaseResult[] = [];
  const context: BenchContext = {
    mode,
    results: cases,
    cluster() {
      shared.fixture ??= clusterFixture(mode.clusterDeployments).then((built) => {
        log(
          `cluster: ${built.objects} objects, ${built.relationships} relationships, imported in ` +
            `${(built.importMs / 1000).toFixed(1)}s (${formatRate((built.objects * 1000) / built.importMs)} objects/s)`,
        );
        return built;
      });
      return shared.fixture;
    },
    load() {
      shared.load ??= LoadGenerator.start();
      return shared.load;
    },
    yogaBaseline() {
      shared.yoga ??= startYogaBaseline();
      return shared.yoga;
    },
    profiled: createProfiler(args.profile),
    peerDumps: args.peerDumps,
    log,
  };
  const errors: Report['errors'] = [];
  log(`mode ${mode.name}`);
  try {
    for (const benchCase of CASES) {
      if (args.only && !args.only.includes(benchCase.id)) continue;
      log(`running ${benchCase.id}`);
      try {
        for (const result of await benchCase.run(context)) {
          cases.push(result);
          console.log(formatLine(result));
        }
      } catch (error) {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        errors.push({ case: benchCase.id, message });
        console.log(`${benchCase.id}: FAILED ${message.split('\n')[0]}`);
      }
    }
  } finally {
    if (shared.fixture) await (await shared.fixture).close();
    if (shared.load) await (await shared.load).close();
    if (shared.yoga) await (await shared.yoga).close();
  }
  const missed = cases.filter((c) => !c.met).map((c) => c.id);
  console.log(
    `targets met: ${cases.length - missed.length} of ${cases.length}` +
      (missed.length > 0 ? ` (missed: ${missed.join(', ')})` : ''),
  );
  const report: Report = {
    mode: mode.name,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    environment: environment(),
    settings: mode,
    cases,
    errors,
  };
  writeReport(args.out, report);
  log(`wrote ${args.out}`);
  return report;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const report = await runBench(parseBenchArgs(process.argv.slice(2)));
    process.exitCode = report.errors.length > 0 ? 1 : 0;
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 2;
  }
}
