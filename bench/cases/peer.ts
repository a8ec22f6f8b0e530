/**
 * Case `peer`: resource-store against what a user would pick instead, PostgreSQL 15 with PostGraphile
 * v4 over it (the harness in `<root>/../shared/peer`, run from a copy in the temp directory), on the
 * same real cluster dump in the same run. For each dump, resource-store imports it with its own
 * importer and serves it with the real `resource-store serve` in a child process, the peer loads it
 * into a fresh durable PostgreSQL cluster and serves it with PostGraphile in its own process, and the
 * project's autocannon process loads both in alternating rounds of the same duration with the same
 * requests on the same objects: a point read, a listing of every Pod, the OwnerReference descendants
 * of one Deployment (10 connections each), and a labels write (50 connections). Every answer is
 * checked (200, no `errors`). Targets: reads at ≥ 2× the peer's rate, writes at ≥ 3×.
 *
 * Skipped, with a line saying why, in `--smoke` (so never in `npm test`), when the shared folder or
 * a dump is missing, and when PostgreSQL is not installed and cannot be.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { BenchCase, BenchContext } from '../lib/context.ts';
import { alternate, p99sOf, ratesOf, type Sample } from '../lib/measure.ts';
import { loadHarness, type Peer, type PeerHarness, SHARED_DIR } from '../lib/peer-harness.ts';
import { type ServedDump, serveDump } from '../lib/peer-store.ts';
import { type PeerWorkload, peerWorkloads } from '../lib/peer-workloads.ts';
import { type CaseResult, formatRate, resultOf } from '../lib/report.ts';
import { type LoadGenerator, toSample } from '../load/generator.ts';

/** The dumps compared when `--peer-dumps` is not given. */
export const DEFAULT_PEER_DUMPS: readonly string[] = ['openshift-metal.json'];

const BASELINE_IS =
  'PostgreSQL 15 + PostGraphile 4 (durable commits) in their own processes: same dump, requests, targets and load generator';

/** Prints why the case, or one dump of it, did not run. */
function skipped(what: string, reason: string): CaseResult[] {
  console.log(`peer: ${what} skipped: ${reason}`);
  return [];
}

/** The path of a dump of `../shared/k8s/`, given by file name with or without `.json`. */
export function peerDumpPath(dump: string): string {
  return join(SHARED_DIR, 'k8s', dump.endsWith('.json') ? dump : `${dump}.json`);
}

/** Runs one workload on both sides in alternating rounds; the samples and the answers checked. */
async function measure(
  context: BenchContext,
  load: LoadGenerator,
  workload: PeerWorkload,
  urls: { readonly store: string; readonly peer: string },
): Promise<{ samples: Record<'store' | 'peer', Sample[]>; answers: Record<'store' | 'peer', number> }> {
  const answers = { store: 0, peer: 0 };
  const jobs = { store: 0, peer: 0 };
  const side = (name: 'store' | 'peer') => async () => {
    const result = await load.run({
      url: urls[name],
      connections: workload.connections,
      durationMs: context.mode.http.durationMs,
      scenario: { kind: 'bodies', bodies: workload[name](jobs[name]++) },
    });
    answers[name] += result.requests;
    return toSample(result);
  };
  const samples = await alternate(
    { store: side('store'), peer: side('peer') },
    { rounds: context.mode.http.rounds, warmup: context.mode.warmup },
  );
  return { samples, answers };
}

/** The rate and p99 results of one workload on one dump. */
function workloadResults(
  dump: string,
  workload: PeerWorkload,
  samples: Record<'store' | 'peer', Sample[]>,
  size: Record<string, number>,
): CaseResult[] {
  const id = `peer-${dump}-${workload.key}`;
  const name = `${workload.name} vs PostGraphile, ${dump}, ${workload.connections} connections`;
  return [
    resultOf(
      { id, name, unit: workload.unit, target: workload.target, baselineIs: BASELINE_IS, size },
      ratesOf(samples.store),
      ratesOf(samples.peer),
    ),
    resultOf(
      {
        id: `${id}-p99`,
        name: `${name}, p99 latency`,
        unit: 'ms',
        target: Math.round(100 / workload.target) / 100,
        compare: 'atMost',
        baselineIs: "the peer's p99; the target is the rate target's inverse (closed-loop load)",
        size,
      },
      p99sOf(samples.store),
      p99sOf(samples.peer),
    ),
  ];
}

/**
 * The import of the dump into an empty store (until durable and closed) against the peer's bulk load
 * of it (one transaction of `jsonb_to_recordset` chunks of 500 rows): one run each, target ≥ 5×.
 */
function importResult(dump: string, served: ServedDump, peer: Peer): CaseResult {
  const { loaded } = peer.info;
  return resultOf(
    {
      id: `peer-${dump}-import`,
      name: `import of the dump vs PostgreSQL's bulk load, ${dump}`,
      unit: 'objects',
      target: 5,
      baselineIs: "the peer's bulk load of the same dump into a fresh PostgreSQL (one run each)",
      size: { objects: served.objects, peerResources: loaded.resources },
    },
    [(served.objects * 1000) / served.importMs],
    [(loaded.resources * 1000) / loaded.ms],
  );
}

/** Says what both sides hold and how they are set up. */
function logSetup(context: BenchContext, dump: string, served: ServedDump, peer: Peer): void {
  const { info } = peer;
  context.log(
    `peer: ${dump}: resource-store imported ${served.objects} objects and ${served.relationships} relationships ` +
      `in ${(served.importMs / 1000).toFixed(1)}s (${formatRate((served.objects * 1000) / served.importMs)}/s), ` +
      `serving ${served.server.url} (pid ${served.server.pid})`,
  );
  context.log(
    `peer: ${dump}: PostgreSQL ${info.postgres} + PostGraphile ${info.postgraphile} loaded ` +
      `${info.loaded.resources} resources and ${info.loaded.relationships} relationships in ${info.loaded.ms} ms, ` +
      `durability ${JSON.stringify(info.durability)}, serving ${peer.url}`,
  );
}

/** Every comparison on one dump. */
async function compareOn(context: BenchContext, harness: PeerHarness, path: string): Promise<CaseResult[]> {
  const dump = basename(path, '.json');
  let served: ServedDump | null = null;
  let peer: Peer | null = null;
  try {
    served = await serveDump(path);
    peer = await harness.startPeer({ dumpPath: path, log: context.log });
    logSetup(context, dump, served, peer);
    const load = await context.load();
    const urls = { store: served.server.url, peer: peer.url };
    const results: CaseResult[] = [importResult(dump, served, peer)];
    for (const workload of await peerWorkloads(peer, urls.store)) {
      const { samples, answers } = await measure(context, load, workload, urls);
      context.log(
        `peer: ${dump} ${workload.key}: checked ${answers.store} resource-store and ${answers.peer} peer ` +
          'answers, every one 200 without errors',
      );
      const size = {
        ...workload.size,
        connections: workload.connections,
        objects: served.objects,
        storeAnswers: answers.store,
        peerAnswers: answers.peer,
      };
      results.push(...workloadResults(dump, workload, samples, size));
    }
    return results;
  } finally {
    try {
      await served?.close();
    } finally {
      await peer?.stop();
    }
  }
}

/** Reads ≥ 2× and writes ≥ 3× the rate of PostgreSQL + PostGraphile on the same dump. */
export const peerCase: BenchCase = {
  id: 'peer',
  async run(context: BenchContext): Promise<CaseResult[]> {
    if (context.mode.name === 'smoke') return skipped('the case', 'not run by --smoke');
    const loaded = await loadHarness(context.log);
    if ('skip' in loaded) return skipped('the case', loaded.skip);
    const results: CaseResult[] = [];
    for (const dump of context.peerDumps) {
      const path = peerDumpPath(dump);
      if (!existsSync(path)) skipped(dump, `no dump at ${path}`);
      else results.push(...(await compareOn(context, loaded.harness, path)));
    }
    return results;
  },
};
