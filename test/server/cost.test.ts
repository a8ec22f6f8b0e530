/**
 * The cost limit over real HTTP (the lean path and yoga's) and the websocket: the shapes the default
 * admits and refuses, with page sizes as literals and as variables, `extensions.cost` on answers,
 * and the maximum page size at any depth.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_LIMITS, QUERY_TOO_COMPLEX } from '../../src/server/limits.ts';
import type { Operation, ResourceRefInput } from '../../src/store/index.ts';
import { type Response, startServer, subscribe, type TestServer } from '../schema/helpers.ts';

const DEPLOYMENTS = 100;
const deployment = (n: number) => ({
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  namespace: 'c',
  name: `d${n}`,
});
const replicaSet = (n: number) => ({ ...deployment(n), kind: 'ReplicaSet', name: `d${n}-rs` });
const pod = (n: number, i: number) => ({
  group: '',
  version: 'v1',
  kind: 'Pod',
  namespace: 'c',
  name: `d${n}-${i}`,
});

/** 100 Deployments, each owning a ReplicaSet that owns two Pods. */
function cluster(): Operation[] {
  const operations: Operation[] = [];
  const owns = (subject: ResourceRefInput, object: ResourceRefInput) => ({
    op: 'addRelationship' as const,
    relationship: {
      subject,
      predicate: { type: 'OwnerReference', data: { kind: 'x', name: 'x', uid: 'x' } },
      object,
    },
  });
  for (let n = 0; n < DEPLOYMENTS; n++) {
    operations.push(
      { op: 'add', resource: { ref: deployment(n) } },
      { op: 'add', resource: { ref: replicaSet(n) } },
    );
    operations.push(owns(deployment(n), replicaSet(n)));
    for (let i = 0; i < 2; i++) {
      operations.push({
        op: 'add',
        resource: { ref: pod(n, i), labels: { app: `d${n}` }, annotations: { note: 'x' } },
      });
      operations.push(owns(replicaSet(n), pod(n, i)));
    }
  }
  return operations;
}

const STEP = 'edges { node { depth resource { uid ref { kind name } } } }';
/** Each shape with its page sizes as `$n` (declared) and its cost at `n`. */
const ADMITTED: [string, string, number, (n: number) => number][] = [
  [
    '1,000 Pods with labels and annotations',
    'resources(type: { kind: "Pod" }, first: $n) { edges { node { labels annotations } } }',
    1000,
    (n) => 1 + n * 2,
  ],
  [
    'the first 1,000 descendants of a Deployment',
    `resource(ref: { group: "apps", version: "v1", kind: "Deployment", namespace: "c", name: "d0" }) { descendants(first: $n) { ${STEP} } }`,
    1000,
    (n) => 2 + n * 4,
  ],
  [
    '100 Deployments with their first 100 descendants each',
    `resources(type: { kind: "Deployment" }, first: $n) { edges { node { descendants(first: $n) { ${STEP} } } } }`,
    100,
    (n) => 1 + n * (3 + n * 4),
  ],
];
const NESTED =
  'resources(first: $n) { edges { node { descendants(first: $n) { edges { node { resource { relationships(first: $n) { edges { node { revision } } } } } } } } } }';

/** The query of a shape: with `$n` as a variable, or with `n` written in. */
function queryOf(shape: string, n: number, literal: boolean): [string, Record<string, unknown>] {
  return literal
    ? [`{ ${shape.replaceAll('$n', String(n))} }`, {}]
    : [`query Q($n: Int) { ${shape} }`, { n }];
}

type Transport = 'lean' | 'yoga' | 'websocket';
const TRANSPORTS: Transport[] = ['lean', 'yoga', 'websocket'];

describe('the cost limit', () => {
  let lean: TestServer;
  let yoga: TestServer;
  let client: ReturnType<TestServer['connect']>;
  before(async () => {
    lean = await startServer();
    client = lean.connect();
    await lean.store.transaction(cluster());
    yoga = await startServer({ store: lean.store, app: { leanHttp: false } });
  });
  after(async () => {
    await yoga.close();
    await lean.close();
  });

  /** The answer over a transport (the HTTP status, 0 on the websocket) and its errors in one list. */
  async function answer(transport: Transport, query: string, variables: Record<string, unknown>) {
    if (transport === 'websocket') {
      const operation = subscribe(client, query, variables);
      assert.equal(await operation.completed(), true, 'the operation ended');
      const failure = operation.failure;
      return { status: 0, body: failure ? { errors: [...failure] } : await operation.next() };
    }
    const response = await fetch((transport === 'lean' ? lean : yoga).url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query, variables }),
    });
    type Costed = Response<unknown> & { extensions?: { cost?: unknown } };
    return { status: response.status, body: (await response.json()) as Costed };
  }

  it('should admit the default shapes, with their cost in extensions.cost, literal or variable', async () => {
    for (const [name, shape, n, cost] of ADMITTED) {
      for (const literal of [false, true]) {
        for (const transport of TRANSPORTS) {
          const { status, body } = await answer(transport, ...queryOf(shape, n, literal));
          const what = `${name} (${literal ? 'literal' : 'variable'}, ${transport})`;
          assert.equal(body.errors, undefined, `${what}: ${JSON.stringify(body.errors)}`);
          if (transport !== 'websocket') assert.equal(status, 200, what);
          const expected = { requested: cost(n), limit: DEFAULT_LIMITS.maxCost };
          assert.deepEqual((body as { extensions?: unknown }).extensions, { cost: expected }, what);
        }
      }
    }
  });

  it('should answer the admitted shapes with the data they ask for', async () => {
    const { body } = await answer('lean', ...queryOf(ADMITTED[2]![1], 100, false));
    const data = body.data as { resources: { edges: { node: { descendants: { edges: unknown[] } } }[] } };
    assert.equal(data.resources.edges.length, DEPLOYMENTS);
    for (const { node } of data.resources.edges) assert.equal(node.descendants.edges.length, 3);
  });

  it('should refuse 1,000 × 1,000 × 1,000 with QUERY_TOO_COMPLEX and the cost found, literal or variable', async () => {
    for (const n of [1000, 100]) {
      for (const literal of [false, true]) {
        for (const transport of TRANSPORTS) {
          const { status, body } = await answer(transport, ...queryOf(NESTED, n, literal));
          const what = `${n} (${literal ? 'literal' : 'variable'}, ${transport})`;
          if (n === 100) {
            // 100 × 100 × 100 with an edge and a node each: a little over 2,000,000.
            assert.equal(body.errors?.[0]?.extensions?.code, QUERY_TOO_COMPLEX, what);
            continue;
          }
          assert.equal(body.data ?? null, null, what);
          const [error] = body.errors ?? [];
          assert.equal(error?.extensions?.code, QUERY_TOO_COMPLEX, what);
          assert.equal(error?.extensions?.limit, 'maxCost', what);
          assert.equal(error?.extensions?.max, DEFAULT_LIMITS.maxCost, what);
          assert.equal(typeof error?.extensions?.found, 'number', what);
          assert.ok((error?.extensions?.found as number) > 2e9, `${what}: found ${error?.extensions?.found}`);
          assert.match(error?.message ?? '', /^Query cost limit of 100000 exceeded, found \d+\.$/);
          if (transport !== 'websocket') assert.equal(status, 400, what);
        }
      }
    }
  });

  it('should refuse a page size over 1,000 at any depth with BAD_USER_INPUT and the maximum', async () => {
    const shapes = [
      'resources(first: $n) { totalCount }',
      'resources(first: 2) { edges { node { relationships(first: $n) { totalCount } } } }',
      'resources(first: 2) { edges { node { traverse(first: $n) { edges { cursor } } } } }',
      'resources(first: 1) { edges { node { ancestors(first: 1) { edges { node { resource { descendants(first: $n) { edges { cursor } } } } } } } } }',
      'relationships(first: $n) { totalCount }',
    ];
    for (const shape of shapes) {
      for (const n of [1001, 10_000, 100_000, -1]) {
        for (const literal of [false, true]) {
          for (const transport of TRANSPORTS) {
            const { status, body } = await answer(transport, ...queryOf(shape, n, literal));
            const what = `${shape} at ${n} (${literal ? 'literal' : 'variable'}, ${transport})`;
            assert.equal(body.data ?? null, null, what);
            const [error] = body.errors ?? [];
            assert.equal(error?.extensions?.code, 'BAD_USER_INPUT', `${what}: ${error?.message}`);
            assert.equal(error?.extensions?.max, 1000, what);
            assert.match(error?.message ?? '', /^first: must be an integer from 0 to 1000, given -?\d+$/);
            if (transport !== 'websocket') assert.equal(status, 400, what);
            else assert.equal(error?.extensions?.http, undefined, `${what}: no HTTP status on a socket`);
          }
        }
      }
    }
  });

  it('should judge the same document anew with each request’s variables', async () => {
    const query = 'query Q($n: Int) { resources(first: $n) { edges { cursor } } }';
    for (const transport of TRANSPORTS) {
      for (const [n, code] of [
        [10, undefined],
        [5000, 'BAD_USER_INPUT'],
        [10, undefined],
        [1.5, 'BAD_USER_INPUT'],
        [3, undefined],
      ] as const) {
        const { body } = await answer(transport, query, { n });
        assert.equal(body.errors?.[0]?.extensions?.code, code, `${transport}, n = ${n}`);
        if (code === undefined)
          assert.deepEqual((body as { extensions?: unknown }).extensions, {
            cost: { requested: 1 + n, limit: DEFAULT_LIMITS.maxCost },
          });
      }
    }
  });

  it('should answer a variable that cannot be coerced with BAD_USER_INPUT on every transport', async () => {
    for (const transport of TRANSPORTS) {
      for (const n of [1.5, 'ten', 2 ** 40]) {
        const { status, body } = await answer(
          transport,
          'query Q($n: Int) { resources(first: $n) { totalCount } }',
          {
            n,
          },
        );
        assert.equal(body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', `${transport} ${n}`);
        assert.match(body.errors?.[0]?.message ?? '', /^Variable "\$n" got invalid value/);
        if (transport !== 'websocket') assert.equal(status, 400);
      }
    }
  });

  it('should count a list by its argument and each event of a subscription', async () => {
    const ids = ['a', 'b', 'c'].map((id) => Buffer.from(`Resource:${id}`).toString('base64'));
    const { body } = await answer('lean', 'query Q($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids });
    assert.deepEqual((body as { extensions?: unknown }).extensions, {
      cost: { requested: 3, limit: DEFAULT_LIMITS.maxCost },
    });
    const events = subscribe(client, 'subscription { resourceEvents { resource { ref { name } } } }');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await lean.store.add({ ref: pod(0, 9) });
    const event = (await events.next()) as Response<unknown> & { extensions?: unknown };
    assert.deepEqual(event.extensions, { cost: { requested: 3, limit: DEFAULT_LIMITS.maxCost } });
    events.stop();
  });
});
