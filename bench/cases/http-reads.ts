/**
 * Point reads over HTTP, with load from a separate process (`bench/load`): a resource by ref (a
 * variable), at each connection count of the mode, against a plain yoga server answering
 * `{ __typename }`, on rate and on p99 latency. Listings and walks are in http-lists.ts.
 */
import type { BenchCase, BenchContext } from '../lib/context.ts';
import { sampleOf } from '../lib/fixtures.ts';
import { alternate, p99sOf, ratesOf } from '../lib/measure.ts';
import { type CaseResult, resultOf } from '../lib/report.ts';
import { toSample } from '../load/generator.ts';
import { startServer, TRIVIAL_QUERY } from '../load/servers.ts';

/** The point read clients send: a resource by ref, its uid, labels and version. */
export const POINT_READ_QUERY = `query Resource($ref: ResourceRefInput!) {
  resource(ref: $ref) { uid labels version }
}`;

/** Point reads at 10 and 50 connections: ≥ 1.0× yoga's `{ __typename }` rate, p99 ≤ 1.5×. */
export const httpGetCase: BenchCase = {
  id: 'http-get',
  async run(context: BenchContext): Promise<CaseResult[]> {
    const { mode } = context;
    const fixture = await context.cluster();
    const [load, yoga, server] = await Promise.all([
      context.load(),
      context.yogaBaseline(),
      startServer(fixture.store),
    ]);
    try {
      const refs = sampleOf([...fixture.refsByKind.values()].flat(), mode.sample);
      const bodies = refs.map((ref) =>
        JSON.stringify({ query: POINT_READ_QUERY, operationName: 'Resource', variables: { ref } }),
      );
      const results: CaseResult[] = [];
      for (const connections of mode.http.readConnections) {
        const job = { connections, durationMs: mode.http.durationMs };
        const samples = await alternate(
          {
            server: () =>
              context.profiled(`http-get-${connections}`, () =>
                load.run({ ...job, url: server.url, scenario: { kind: 'bodies', bodies } }).then(toSample),
              ),
            baseline: () =>
              load
                .run({ ...job, url: yoga.url, scenario: { kind: 'bodies', bodies: [TRIVIAL_QUERY] } })
                .then(toSample),
          },
          { rounds: mode.http.rounds, warmup: mode.warmup },
        );
        const size = { connections, refs: refs.length, storedResources: fixture.objects };
        results.push(
          resultOf(
            {
              id: `http-get-${connections}`,
              name: `point read over HTTP, ${connections} connections`,
              unit: 'requests',
              target: 1,
              baselineIs: 'plain yoga answering { __typename }, same load generator',
              size,
            },
            ratesOf(samples.server),
            ratesOf(samples.baseline),
          ),
          resultOf(
            {
              id: `http-get-${connections}-p99`,
              name: `point read over HTTP, ${connections} connections, p99 latency`,
              unit: 'ms',
              target: 1.5,
              compare: 'atMost',
              baselineIs: 'p99 of plain yoga answering { __typename }',
              size,
            },
            p99sOf(samples.server),
            p99sOf(samples.baseline),
          ),
        );
      }
      return results;
    } finally {
      await server.close();
    }
  },
};
