/**
 * Writes over HTTP: the write workload (`bench/lib/workload.ts`: a version-checked update that
 * replaces a label index entry, plus a triplet, in one `transaction` mutation) with 50 connections
 * from a separate process, against a plain yoga server answering `mutation { ok }`, and against the
 * same logical write done with raw lmdb-js one durable commit at a time in this process (what a
 * server without group commits is capped at).
 */
import { openStore } from '../../src/store/index.ts';
import type { BenchCase, BenchContext } from '../lib/context.ts';
import { removeDir, tempDir } from '../lib/fixtures.ts';
import { alternate, ratesOf, type Sample } from '../lib/measure.ts';
import { openRaw } from '../lib/raw.ts';
import { type CaseResult, resultOf } from '../lib/report.ts';
import { refOf } from '../lib/workload.ts';
import { startServer, TRIVIAL_MUTATION } from '../load/servers.ts';
import { RawWriter, StoreWriter } from './writes.ts';

/** Runs raw writes one after another, each awaited (durable) before the next, for `durationMs`. */
async function serialSample(writer: RawWriter, resources: number, durationMs: number): Promise<Sample> {
  const started = performance.now();
  let writes = 0;
  do await writer.write(writes++ % resources);
  while (performance.now() - started < durationMs);
  return { rate: (writes * 1000) / (performance.now() - started) };
}

/** `updateResource` + triplet over HTTP: ≥ 0.5 of yoga's trivial mutation, ≥ 10× one commit per write. */
export const httpWriteCase: BenchCase = {
  id: 'http-write',
  async run(context: BenchContext): Promise<CaseResult[]> {
    const { mode } = context;
    const { writeConnections: connections, writeResources: resources, durationMs, rounds } = mode.http;
    const storeDir = tempDir('http-write-store');
    const rawDir = tempDir('http-write-raw');
    const store = await openStore({ path: storeDir });
    const raw = openRaw(rawDir);
    const [load, yoga] = await Promise.all([context.load(), context.yogaBaseline()]);
    const server = await startServer(store);
    try {
      await new StoreWriter(store, resources).seed(resources);
      const rawWriter = new RawWriter(raw, resources);
      await rawWriter.seed(resources);
      const versions = () => Array.from({ length: resources }, (_, i) => store.get(refOf(i))!.version);
      const samples = await alternate(
        {
          server: () =>
            context.profiled('http-write', () =>
              load.run({
                url: server.url,
                connections,
                durationMs,
                scenario: { kind: 'updates', versions: versions() },
              }),
            ),
          baseline: () =>
            load.run({
              url: yoga.url,
              connections,
              durationMs,
              scenario: { kind: 'bodies', bodies: [TRIVIAL_MUTATION] },
            }),
          serial: () => serialSample(rawWriter, resources, Math.min(durationMs, 1000)),
        },
        { rounds, warmup: mode.warmup },
      );
      const size = { connections, resources };
      return [
        resultOf(
          {
            id: 'http-write',
            name: `update + labels + triplet over HTTP, ${connections} connections`,
            unit: 'writes',
            target: 0.5,
            baselineIs: 'plain yoga answering mutation { ok }, same load generator',
            size,
          },
          ratesOf(samples.server),
          ratesOf(samples.baseline),
        ),
        resultOf(
          {
            id: 'http-write-vs-serial',
            name: 'the same write over HTTP vs one raw commit per write',
            unit: 'writes',
            target: 10,
            baselineIs: 'the raw lmdb-js write awaited one at a time in process (one durable commit each)',
            size,
          },
          ratesOf(samples.server),
          ratesOf(samples.serial),
        ),
      ];
    } finally {
      await server.close();
      await raw.env.close();
      await store.close();
      removeDir(storeDir);
      removeDir(rawDir);
    }
  },
};
