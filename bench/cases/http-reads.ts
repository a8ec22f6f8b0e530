/**
 * Reads over HTTP, with load from a separate process (`bench/load`):
 * - point reads of a resource by ref (a variable), at each connection count of the mode, against a
 *   plain yoga server answering `{ __typename }`, on rate and on p99 latency;
 * - one page of `listLimit` Pods over GraphQL, one request at a time, against a raw scan and decode
 *   of the same rows in this process.
 */
import type { BenchCase, BenchContext } from '../lib/context.ts';
import { countOf, sampleOf } from '../lib/fixtures.ts';
import { alternate, p99sOf, ratesOf, type Sample } from '../lib/measure.ts';
import { type CaseResult, resultOf } from '../lib/report.ts';
import { toSample } from '../load/generator.ts';
import { startServer, TRIVIAL_QUERY } from '../load/servers.ts';
import { scanPods } from './reads.ts';

/** The point read clients send: a resource by ref with its labels, annotations and payload. */
export const POINT_READ_QUERY = `query Resource($ref: ResourceRefInput!) {
  resource(ref: $ref) { uid version labels annotations data updatedAt }
}`;

/** The listing clients send: one page of a type, each resource with its payload. */
export const LIST_QUERY = `query List($type: TypeFilter!, $first: Int!) {
  resources(type: $type, first: $first) {
    totalCount
    edges { node { ref { namespace name } uid version labels data } }
  }
}`;

/** Point reads at 10 and 50 connections: ≥ 1.0 of yoga's `{ __typename }` rate, p99 ≤ 1.5×. */
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

/** Times raw scans of the first `limit` Pods for `durationMs`; the rate is in resources per second. */
function rawListSample(scan: () => number, durationMs: number): Promise<Sample> {
  const started = performance.now();
  let resources = 0;
  do resources += scan();
  while (performance.now() - started < durationMs);
  return Promise.resolve({ rate: (resources * 1000) / (performance.now() - started) });
}

/** A page of `listLimit` Pods over GraphQL: time ≤ 3× a raw scan and decode (rate ≥ 0.33). */
export const httpListCase: BenchCase = {
  id: 'http-list',
  async run(context: BenchContext): Promise<CaseResult[]> {
    const { mode } = context;
    const fixture = await context.cluster();
    const limit = Math.min(mode.listLimit, countOf(fixture, 'Pod'));
    const [load, server] = await Promise.all([context.load(), startServer(fixture.store)]);
    const scan = () => scanPods(fixture.raw, limit);
    const body = JSON.stringify({
      query: LIST_QUERY,
      operationName: 'List',
      variables: { type: { group: '', version: 'v1', kind: 'Pod' }, first: limit },
    });
    try {
      const durationMs = Math.max(mode.http.durationMs, 1000);
      const samples = await alternate(
        {
          server: async () => {
            const result = await context.profiled('http-list', () =>
              load.run({
                url: server.url,
                connections: 1,
                durationMs,
                scenario: { kind: 'bodies', bodies: [body] },
              }),
            );
            return { rate: result.rate * limit };
          },
          baseline: () => rawListSample(scan, durationMs),
        },
        { rounds: mode.http.rounds, warmup: mode.warmup },
      );
      return [
        resultOf(
          {
            id: 'http-list',
            name: `list ${limit} Pods over GraphQL`,
            unit: 'resources',
            target: 0.33,
            baselineIs: 'getRange over the type prefix with values, decoded into an array, in process',
            size: { limit },
          },
          ratesOf(samples.server),
          ratesOf(samples.baseline),
        ),
      ];
    } finally {
      await server.close();
    }
  },
};
