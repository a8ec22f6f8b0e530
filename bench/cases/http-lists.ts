/**
 * Listings and walks over HTTP, each request served by the project's server with load from a
 * separate process, against the same reads done raw in this process:
 * - one page of Pods' metadata against a raw scan that decodes each metadata record and the
 *   namespace and name from its key — the fields the query selects — (target ≥ 0.5);
 * - the same page selecting `data` against a raw scan that also reads and parses every payload
 *   (target ≥ 0.3);
 * - the OwnerReference descendants of a Deployment with at least 200 of them against a raw
 *   breadth-first walk of the `spo` index reading each reached resource (target ≥ 0.5).
 * Two connections keep the server's one event loop busy while the other request travels.
 */
import { typePrefix } from '../../src/store/keys.ts';
import type { ResourceRef } from '../../src/store/types.ts';
import type { BenchCase, BenchContext } from '../lib/context.ts';
import { type ClusterFixture, clusterFixture, countOf, refsOf } from '../lib/fixtures.ts';
import { alternate, ratesOf, type Sample } from '../lib/measure.ts';
import { RawTerms, scanMetadata, scanWhole } from '../lib/raw.ts';
import { type CaseResult, resultOf } from '../lib/report.ts';
import type { LoadGenerator } from '../load/generator.ts';
import { startServer } from '../load/servers.ts';
import { rawTraverse } from './traverse.ts';

/** A page of resources with their metadata. */
export const LIST_QUERY = `query List($type: TypeFilter!, $first: Int!) {
  resources(type: $type, first: $first) {
    edges { node { ref { namespace name } uid version labels } }
  }
}`;

/** The same page with each resource's payload. */
export const LIST_DATA_QUERY = `query ListData($type: TypeFilter!, $first: Int!) {
  resources(type: $type, first: $first) {
    edges { node { ref { namespace name } uid version labels data } }
  }
}`;

/** What a Deployment owns, all the way down. */
export const DESCENDANTS_QUERY = `query Descendants($ref: ResourceRefInput!, $first: Int!) {
  resource(ref: $ref) {
    descendants(maxDepth: 10, first: $first) { edges { node { depth resource { uid ref { kind name } } } } }
  }
}`;

const CONNECTIONS = 2;
const POD_TYPE = { group: '', version: 'v1', kind: 'Pod' } as const;
/** Pods of the Deployments of the walk case's own cluster: each owns a ReplicaSet or two and these. */
const WALK_REPLICAS = 250;

/** Times `read` (returning items read) for `durationMs`; the rate is in items per second. */
function rawSample(read: () => number, durationMs: number): Promise<Sample> {
  const started = performance.now();
  let items = 0;
  do items += read();
  while (performance.now() - started < durationMs);
  return Promise.resolve({ rate: (items * 1000) / (performance.now() - started) });
}

/** Requests of one body over HTTP against a raw read in process, alternating; rates in items per second. */
async function compare(
  context: BenchContext,
  load: LoadGenerator,
  url: string,
  profileName: string,
  request: { readonly body: string; readonly items: number },
  raw: () => number,
) {
  const durationMs = Math.max(context.mode.http.durationMs, 1000);
  return alternate(
    {
      server: async () => {
        const run = () =>
          load.run({
            url,
            connections: CONNECTIONS,
            durationMs,
            scenario: { kind: 'bodies', bodies: [request.body] },
          });
        const result = await context.profiled(profileName, run);
        return { rate: result.rate * request.items };
      },
      baseline: () => rawSample(raw, durationMs),
    },
    { rounds: context.mode.http.rounds, warmup: context.mode.warmup },
  );
}

/** Checks one answer of the server before timing it: no errors, and the items expected. */
async function checkAnswer(url: string, body: string, count: (data: never) => number, expected: number) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  const result = (await response.json()) as { data?: never; errors?: unknown[] };
  if (result.errors || !result.data)
    throw new Error(`the server answered ${JSON.stringify(result).slice(0, 300)}`);
  const found = count(result.data);
  if (found !== expected) throw new Error(`the server answered ${found} items, expected ${expected}`);
}

/** Pods in one listing (the 1,000, or every Pod of a smaller cluster). */
function listLimit(context: BenchContext, fixture: ClusterFixture): number {
  return Math.min(context.mode.httpListLimit, countOf(fixture, 'Pod'));
}

type ListData = { resources: { edges: unknown[] } };

/** Lists `limit` Pods over HTTP with `query` against `raw`, as one result. */
async function listCase(context: BenchContext, data: boolean): Promise<CaseResult[]> {
  const fixture = await context.cluster();
  const limit = listLimit(context, fixture);
  const [load, server] = await Promise.all([context.load(), startServer(fixture.store)]);
  const prefix = typePrefix(POD_TYPE.group, POD_TYPE.version, POD_TYPE.kind);
  const scan = data
    ? () => scanWhole(fixture.raw, prefix, limit).length
    : () => scanMetadata(fixture.raw, prefix, limit).length;
  const query = data ? LIST_DATA_QUERY : LIST_QUERY;
  const body = JSON.stringify({ query, variables: { type: POD_TYPE, first: limit } });
  try {
    await checkAnswer(server.url, body, (d: ListData) => d.resources.edges.length, limit);
    const id = data ? 'http-list-data' : 'http-list';
    const samples = await compare(context, load, server.url, id, { body, items: limit }, scan);
    return [
      resultOf(
        {
          id,
          name: `list ${limit} Pods over GraphQL${data ? ' with data' : ''}`,
          unit: 'resources',
          target: data ? 0.3 : 0.5,
          baselineIs: data
            ? 'range scan decoding each metadata record, namespace and name, and reading and parsing its payload, in process'
            : 'range scan decoding each metadata record, and namespace and name from its key, in process',
          size: { limit, connections: CONNECTIONS },
        },
        ratesOf(samples.server),
        ratesOf(samples.baseline),
      ),
    ];
  } finally {
    await server.close();
  }
}

/** Pods' metadata over HTTP (≥ 0.5× a raw scan decoding the same fields). */
export const httpListCase: BenchCase = { id: 'http-list', run: (context) => listCase(context, false) };

/** Pods with their payloads over HTTP (≥ 0.3× a raw scan decoding everything). */
export const httpListDataCase: BenchCase = {
  id: 'http-list-data',
  run: (context) => listCase(context, true),
};

/** The Deployment with the most descendants among a few, and how many it has. */
function largestTree(fixture: ClusterFixture): { root: ResourceRef; total: number } {
  let best: { root: ResourceRef; total: number } | null = null;
  for (const root of refsOf(fixture, 'Deployment')) {
    const total = fixture.store.traverse(root, { predicates: ['OwnerReference'], limit: 10_000 }).items
      .length;
    if (best === null || total > best.total) best = { root, total };
  }
  if (best === null) throw new Error('the walk cluster has no Deployment');
  return best;
}

/** Descendants of a large Deployment over HTTP (≥ 0.5× a raw index walk in process). */
export const httpDescendantsCase: BenchCase = {
  id: 'http-descendants',
  async run(context: BenchContext): Promise<CaseResult[]> {
    const replicas = context.mode.name === 'smoke' ? 20 : WALK_REPLICAS;
    const fixture = await clusterFixture(4, replicas);
    const [load, server] = await Promise.all([context.load(), startServer(fixture.store)]);
    try {
      const { root, total } = largestTree(fixture);
      const terms = new RawTerms(fixture.raw);
      const owner = terms.predicateId('OwnerReference')!;
      const walk = () => rawTraverse(fixture.raw, terms, root, owner, 10, total).length;
      if (walk() !== total) throw new Error(`the raw walk reached ${walk()} of ${total}`);
      const body = JSON.stringify({ query: DESCENDANTS_QUERY, variables: { ref: root, first: total } });
      type Walk = { resource: { descendants: { edges: unknown[] } } };
      await checkAnswer(server.url, body, (d: Walk) => d.resource.descendants.edges.length, total);
      const samples = await compare(context, load, server.url, 'http-descendants', { body, items: 1 }, () => {
        walk();
        return 1;
      });
      return [
        resultOf(
          {
            id: 'http-descendants',
            name: `descendants of a Deployment (${total}) over GraphQL`,
            unit: 'walks',
            target: 0.5,
            baselineIs:
              'BFS over spo (subject, OwnerReference) prefix ranges, resource get per step, in process',
            size: { descendants: total, connections: CONNECTIONS },
          },
          ratesOf(samples.server),
          ratesOf(samples.baseline),
        ),
      ];
    } finally {
      await server.close();
      await fixture.close();
    }
  },
};
