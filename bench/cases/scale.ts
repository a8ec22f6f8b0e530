/**
 * Case 8: scale. A generated cluster of about a million resources (full mode) is imported with the
 * streamed importer, then about two more triplets per Pod (`ConnectsTo` a Service) bring the
 * relationships to about three million. The read cases then run again against it, each ratio held
 * against the same case's ratio on the run's ordinary cluster (target: within 20%), and the real
 * `resource-store serve` serves point reads from it in a child process while its resident memory is
 * sampled (target ≤ 300 MiB). Last, the real `resource-store export` writes the store to a file and
 * `resource-store import` reads it into an empty directory, each a child process with its peak
 * resident memory sampled (target ≤ 300 MiB each); the restored store must hold as many resources and
 * relationships, and the same sampled resources. The import time and the database size are reported.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Operation, ResourceRef } from '../../src/store/index.ts';
import { decodeRefKey, prefixEnd, typePrefix } from '../../src/store/keys.ts';
import type { BenchCase, BenchContext } from '../lib/context.ts';
import { type ClusterFixture, clusterFixture, sampleOf } from '../lib/fixtures.ts';
import type { ModeName } from '../lib/modes.ts';
import { type CaseResult, formatRate, resultOf } from '../lib/report.ts';
import { exportRoundTrip, type RoundTrip } from '../lib/round-trip.ts';
import { residentOf, startServeProcess } from '../lib/serve-process.ts';
import { httpListCase } from './http-lists.ts';
import { httpGetCase, POINT_READ_QUERY } from './http-reads.ts';
import { listCase, pointGetCase } from './reads.ts';
import { relationshipsCase } from './relationships.ts';
import { traverseCase } from './traverse.ts';

/** Deployments of the scale cluster (≈8.6 objects each with 5 replicas), by mode. */
const DEPLOYMENTS: Record<ModeName, number> = { full: 116_500, quick: 6000, smoke: 20 };
const REPLICAS = 5;
/** `ConnectsTo` triplets added per Pod. */
const CONNECTIONS_PER_POD = 2;
const RSS_LIMIT_MIB = 300;
/** The cases run again at scale. */
const CASES = [pointGetCase, listCase, relationshipsCase, traverseCase, httpGetCase, httpListCase];

/** Refs of one type, read from the keys alone. */
function refsOfType(fixture: ClusterFixture, group: string, version: string, kind: string): ResourceRef[] {
  const prefix = typePrefix(group, version, kind);
  const refs: ResourceRef[] = [];
  for (const key of fixture.raw.resources.getKeys({ start: prefix, end: prefixEnd(prefix) })) {
    refs.push(decodeRefKey(key));
  }
  return refs;
}

/** Adds `ConnectsTo` triplets from every Pod to Services, a few batches in flight. */
async function connectPods(fixture: ClusterFixture): Promise<number> {
  const services = refsOfType(fixture, '', 'v1', 'Service');
  const pods = refsOfType(fixture, '', 'v1', 'Pod');
  let added = 0;
  let batch: Operation[] = [];
  const inFlight: Promise<unknown>[] = [];
  for (let p = 0; p < pods.length; p++) {
    for (let c = 1; c <= CONNECTIONS_PER_POD; c++) {
      const object = services[(p * 7919 + c * 104_729) % services.length]!;
      batch.push({
        op: 'addRelationship',
        relationship: { subject: pods[p]!, predicate: { type: 'ConnectsTo' }, object },
      });
    }
    if (batch.length >= 2000 || p === pods.length - 1) {
      inFlight.push(fixture.store.transaction(batch));
      added += batch.length;
      batch = [];
      if (inFlight.length >= 4) await inFlight.shift();
    }
  }
  await Promise.all(inFlight);
  return added;
}

/** Each result of `scaled` held against the result of the same id in `base`: within 20%. */
function heldAgainst(
  scaled: readonly CaseResult[],
  base: readonly CaseResult[],
  size: Record<string, number>,
): CaseResult[] {
  return scaled.map((result) => {
    const ordinary = base.find((b) => b.id === result.id);
    if (!ordinary) throw new Error(`no ordinary-size result ${result.id} to compare with`);
    const atLeast = result.compare === 'atLeast';
    return resultOf(
      {
        id: `scale-${result.id}`,
        name: `${result.name}: ratio at scale vs at ordinary size`,
        unit: 'ratio',
        target: atLeast ? 0.8 : 1.2,
        compare: result.compare,
        baselineIs: `the ratio of ${result.id} on the run's ordinary cluster`,
        size,
      },
      [result.ratio],
      [ordinary.ratio],
    );
  });
}

/** Serves the scale store with `resource-store serve` under point-read load; the largest resident memory. */
async function servingResident(context: BenchContext, fixture: ClusterFixture): Promise<number> {
  const server = await startServeProcess(fixture.dir);
  const load = await context.load();
  let peak = 0;
  const sample = () => {
    peak = Math.max(peak, residentOf(server.pid)?.rssMiB ?? 0);
  };
  const timer = setInterval(sample, 100);
  try {
    const refs = sampleOf([...fixture.refsByKind.values()].flat(), context.mode.sample * 10);
    const bodies = refs.map((ref) => JSON.stringify({ query: POINT_READ_QUERY, variables: { ref } }));
    const durationMs = context.mode.http.durationMs * 2;
    for (const connections of context.mode.http.readConnections) {
      await load.run({ url: server.url, connections, durationMs, scenario: { kind: 'bodies', bodies } });
    }
    sample();
  } finally {
    clearInterval(timer);
    await server.stop();
  }
  return peak;
}

/** A peak resident memory held against the {@link RSS_LIMIT_MIB} limit. */
function rssResult(id: string, name: string, peakMiB: number, size: Record<string, number>): CaseResult {
  return resultOf(
    {
      id,
      name,
      unit: 'MiB',
      target: 1,
      compare: 'atMost',
      baselineIs: `the ${RSS_LIMIT_MIB} MiB limit`,
      size,
    },
    [peakMiB],
    [RSS_LIMIT_MIB],
  );
}

/** The export and re-import through the CLI, checked, and logged. */
async function roundTrip(
  context: BenchContext,
  fixture: ClusterFixture,
  triplets: number,
): Promise<RoundTrip> {
  const sample = sampleOf([...fixture.refsByKind.values()].flat(), context.mode.sample);
  const trip = await exportRoundTrip(
    fixture.dir,
    fixture.store,
    { resources: fixture.objects, relationships: triplets },
    sample,
  );
  const line = (run: RoundTrip['export']) =>
    `${run.seconds.toFixed(1)}s, peak ${run.peakMiB.toFixed(0)} MiB (${run.peakAnonMiB.toFixed(0)} MiB anonymous)`;
  context.log(
    `scale: export ${line(trip.export)}; import of the export ${line(trip.import)}; ` +
      `${trip.resources} resources, ${trip.relationships} relationships and ${sample.length} sampled resources alike`,
  );
  return trip;
}

/** The base results: this run's, else the cases run now on the ordinary cluster. */
async function baseResults(context: BenchContext): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const benchCase of CASES) {
    const done = context.results.filter((r) => r.id === benchCase.id || r.id.startsWith(`${benchCase.id}-`));
    results.push(...(done.length > 0 ? done : await benchCase.run(context)));
  }
  return results;
}

/**
 * Ratios at a million resources and three million triplets within 20% of ordinary size; RSS of
 * `serve`, `export` and the re-`import` ≤ 300 MiB.
 */
export const scaleCase: BenchCase = {
  id: 'scale',
  async run(context: BenchContext): Promise<CaseResult[]> {
    const base = await baseResults(context);
    const fixture = await clusterFixture(DEPLOYMENTS[context.mode.name], REPLICAS);
    try {
      const started = performance.now();
      const added = await connectPods(fixture);
      const connectMs = performance.now() - started;
      const triplets = fixture.relationships + added;
      const dbBytes = statSync(join(fixture.dir, 'data.mdb')).size;
      const size = {
        resources: fixture.objects,
        triplets,
        importSeconds: Math.round((fixture.importMs + connectMs) / 100) / 10,
        dbMiB: Math.round(dbBytes / 2 ** 20),
      };
      context.log(
        `scale: ${fixture.objects} resources imported in ${(fixture.importMs / 1000).toFixed(1)}s ` +
          `(${formatRate((fixture.objects * 1000) / fixture.importMs)}/s), ${triplets} triplets ` +
          `(${added} added in ${(connectMs / 1000).toFixed(1)}s), database ${size.dbMiB} MiB`,
      );
      const scaledContext: BenchContext = { ...context, cluster: () => Promise.resolve(fixture) };
      const scaled: CaseResult[] = [];
      for (const benchCase of CASES) scaled.push(...(await benchCase.run(scaledContext)));
      const trip = await roundTrip(context, fixture, triplets);
      // `serve` takes the store's writer lock: the bench's own handle lets it go first.
      await fixture.store.close();
      const peak = await servingResident(context, fixture);
      return [
        ...heldAgainst(scaled, base, size),
        rssResult(
          'scale-rss',
          'resident memory of resource-store serve under point reads at scale',
          peak,
          size,
        ),
        rssResult(
          'scale-export-rss',
          'peak resident memory of resource-store export at scale',
          trip.export.peakMiB,
          size,
        ),
        rssResult(
          'scale-reimport-rss',
          'peak resident memory of resource-store import of that export',
          trip.import.peakMiB,
          size,
        ),
      ];
    } finally {
      await fixture.close();
    }
  },
};
