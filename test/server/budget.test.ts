/**
 * The execution budget over real HTTP (the lean path and yoga's) and the websocket, on a graph of
 * 100,000 edges that makes a walk slow on purpose: 100 hubs each calling the same 1,000 leaves, walked
 * in both directions for a kind it never finds, so a walk reads every edge about twice (~0.5–1 s).
 * Fifteen such walks in one query would hold the event loop for many seconds if walks ran whole.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import type { FormattedExecutionResult } from 'graphql';
import { EXECUTION_TIMEOUT } from '../../src/server/use-execution-budget.ts';
import { openStore, type ResourceRef, type Steps, type Store } from '../../src/store/index.ts';
import { eventually, instrument, type Response, startServer, type TestServer } from '../schema/helpers.ts';

const HUBS = 100;
const LEAVES = 1000;
const MAX_EXECUTION_MS = 2000;

const ref = (kind: string, name: string): ResourceRef => ({
  group: '',
  version: 'v1',
  kind,
  namespace: 'g',
  name,
});
const hub = (n: number) => ref('Hub', `a${n}`);

/** The hubs and leaves, and an edge from every hub to every leaf: 100,000 edges, by the bulk path. */
async function denseGraph(store: Store): Promise<void> {
  const resources = [
    ...Array.from({ length: HUBS }, (_, n) => ({ ref: hub(n) })),
    ...Array.from({ length: LEAVES }, (_, n) => ({ ref: ref('Leaf', `b${n}`) })),
  ];
  await store.load({ resources });
  const batches = Array.from({ length: HUBS }, (_, a) =>
    Array.from({ length: LEAVES }, (_, b) => ({
      subject: hub(a),
      predicate: { type: 'Calls' },
      object: ref('Leaf', `b${b}`),
    })),
  );
  await Promise.all(batches.map((relationships) => store.load({ relationships })));
}

/** A walk from hub `n` over every edge of the graph that reports nothing (no resource is a `Nothing`). */
const slowWalk = (n: number) =>
  `w${n}: resource(ref: { group: "", version: "v1", kind: "Hub", namespace: "g", name: "a${n}" }) {
     traverse(direction: BOTH, kinds: ["Nothing"], maxDepth: 4, first: 1) { edges { node { depth } } } }`;
const fifteen = Array.from({ length: 15 }, (_, n) => slowWalk(n)).join('\n');
const SLOW_QUERY = `{ ${fifteen} }`;

/** What the walks of the store did: started, stepped, ended before their end (closed), ran to their end. */
interface WalkCounts {
  started: number;
  steps: number;
  closed: number;
  completed: number;
}

/** `store` with its resumable walks counted. */
function countingWalks(store: Store): { store: Store; walks: WalkCounts } {
  const walks: WalkCounts = { started: 0, steps: 0, closed: 0, completed: 0 };
  function* counted<T>(steps: Steps<T>): Steps<T> {
    walks.started++;
    let done = false;
    try {
      for (;;) {
        const step = steps.next();
        if (step.done) {
          done = true;
          walks.completed++;
          return step.value;
        }
        walks.steps++;
        yield;
      }
    } finally {
      if (!done) {
        walks.closed++;
        steps.return(undefined as T);
      }
    }
  }
  const view = instrument(store, {
    traverseSteps: ((...args: Parameters<Store['traverseSteps']>) =>
      counted(store.traverseSteps(...args))) as Store['traverseSteps'],
  });
  return { store: view, walks };
}

/** Polls `/healthz` and `{ revision }` from a process of its own until its input ends; prints latencies. */
const POLLER = `
const [healthz, graphql] = process.argv.slice(1);
let running = true;
process.stdin.on('end', () => { running = false; }).resume();
const latencies = [];
const deadline = Date.now() + 60000;
while (running && Date.now() < deadline) {
  const start = performance.now();
  const probe = await fetch(healthz);
  const read = await fetch(graphql, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ revision }"}' });
  if (probe.status !== 200 || read.status !== 200) throw new Error('status ' + probe.status + ' ' + read.status);
  await read.json();
  latencies.push((performance.now() - start) / 2);
  if (latencies.length === 1) process.stderr.write('ready\\n');
  await new Promise((resolve) => setTimeout(resolve, 20));
}
process.stdout.write(JSON.stringify(latencies));
`;

/**
 * Starts the poller against `url`; `ready` resolves once it has had its first answers, `stop()` ends
 * it and resolves to the latency of each request after those.
 */
function poll(url: string): { ready: Promise<void>; stop(): Promise<number[]> } {
  const child = spawn(process.execPath, [
    '--input-type=module',
    '-e',
    POLLER,
    url.replace(/\/graphql$/, '/healthz'),
    url,
  ]);
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += String(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let errors = '';
  const ready = new Promise<void>((resolve) =>
    child.stderr.on('data', (chunk) => {
      errors += String(chunk);
      if (errors.includes('ready\n')) resolve();
    }),
  );
  return {
    ready,
    async stop() {
      child.stdin.end();
      assert.equal(await exited, 0, `the poller failed: ${errors}`);
      return (JSON.parse(output) as number[]).slice(1);
    },
  };
}

/** POSTs (the lean path) or GETs (yoga's) the slow query; resolves to the status and the answer. */
async function send(server: TestServer, method: 'POST' | 'GET'): Promise<[number, Response<unknown>]> {
  const headers = { accept: 'application/graphql-response+json', 'x-graphql-yoga-csrf': '1' };
  const response =
    method === 'POST'
      ? await fetch(server.url, {
          method,
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ query: SLOW_QUERY }),
        })
      : await fetch(`${server.url}?query=${encodeURIComponent(SLOW_QUERY)}`, { headers });
  return [response.status, (await response.json()) as Response<unknown>];
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

describe('the execution budget', () => {
  let store: Store;
  let server: TestServer;
  let walks: WalkCounts;

  before(async () => {
    store = await openStore({ inMemory: true });
    await denseGraph(store);
    const counting = countingWalks(store);
    walks = counting.walks;
    server = await startServer({
      store: counting.store,
      app: { limits: { maxExecutionMs: MAX_EXECUTION_MS } },
    });
  });

  after(async () => {
    await server.close();
    await store.close();
  });

  for (const method of ['POST', 'GET'] as const) {
    it(`should stop a query running past maxExecutionMs with ${EXECUTION_TIMEOUT} and end its walks (${method === 'POST' ? 'lean path' : 'yoga'})`, async () => {
      const before = { ...walks };
      const started = performance.now();
      const [status, answer] = await send(server, method);
      const took = performance.now() - started;
      assert.equal(status, 504);
      assert.equal(answer.data, undefined);
      assert.deepEqual(
        answer.errors?.map((error) => error.extensions),
        [{ code: EXECUTION_TIMEOUT, maxExecutionMs: MAX_EXECUTION_MS }],
      );
      assert.ok(took >= MAX_EXECUTION_MS, `answered after ${took.toFixed(0)} ms`);
      // Every walk that started ends at its next step without reaching its end: it reads no more.
      await eventually(() => walks.closed - before.closed === walks.started - before.started);
      assert.ok(walks.started > before.started);
      assert.equal(walks.completed, before.completed);
      const steps = walks.steps;
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(walks.steps, steps);
      assert.ok(
        steps - before.steps < 15 * (HUBS + LEAVES),
        `${steps - before.steps} steps of 15 whole walks`,
      );
    });
  }

  it('should keep answering /healthz and { revision } within 100 ms while a query walks a dense graph', async (t) => {
    // After the tests above, which ran the same query: no first compilation is measured here.
    const delay = monitorEventLoopDelay({ resolution: 10 });
    const poller = poll(server.url);
    // The poller starts (a process of its own) before the walks do.
    await poller.ready;
    delay.enable();
    const [status] = await send(server, 'POST');
    delay.disable();
    const latencies = await poller.stop();
    assert.equal(status, 504);
    assert.ok(latencies.length >= 5, `${latencies.length} probes answered`);
    assert.ok(median(latencies) < 100, `median probe latency ${median(latencies).toFixed(1)} ms`);
    // Run whole, fifteen walks would hold the loop for all of their seconds; paced, for a slice at a
    // time (10 ms), and this bound leaves room for a loaded machine's pauses.
    const stall = delay.max / 1e6;
    t.diagnostic(
      `${latencies.length} probes, median ${median(latencies).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms; longest stall ${stall.toFixed(1)} ms`,
    );
    assert.ok(stall < 300, `the event loop stalled for ${stall.toFixed(1)} ms at most`);
  });

  it(`should answer a query over the websocket stopped at its deadline with ${EXECUTION_TIMEOUT}, and serve the socket on`, async () => {
    const client = server.connect();
    const results: FormattedExecutionResult<Record<string, unknown>, unknown>[] = [];
    await new Promise<void>((resolve, reject) => {
      client.subscribe(
        { query: SLOW_QUERY },
        { next: (result) => void results.push(result), error: reject, complete: resolve },
      );
    });
    assert.deepEqual(
      results.map((result) => result.errors?.map((error) => error.extensions)),
      [[{ code: EXECUTION_TIMEOUT, maxExecutionMs: MAX_EXECUTION_MS }]],
    );
    const revision = await new Promise<unknown>((resolve, reject) => {
      client.subscribe(
        { query: '{ revision }' },
        { next: (result) => resolve(result.data), error: reject, complete: () => {} },
      );
    });
    assert.deepEqual(revision, { revision: String(store.revision) });
  });

  it('should not cut a mutation short: its write stays, the walks its answer selects stop at the deadline', async () => {
    const mutation = `mutation { applyResource(input: { ref: { group: "", version: "v1", kind: "Hub", namespace: "g", name: "a0" }, labels: { applied: "yes" } }) {
      ${Array.from({ length: 14 }, (_, n) => `w${n}: traverse(direction: BOTH, kinds: ["Nothing"], maxDepth: 4, first: 1) { edges { node { depth } } }`).join('\n')} } }`;
    const answer = await server.request(mutation);
    assert.equal(answer.data, null);
    assert.ok((answer.errors?.length ?? 0) > 0);
    for (const error of answer.errors ?? []) assert.equal(error.extensions?.code, EXECUTION_TIMEOUT);
    assert.deepEqual(store.get(hub(0))?.labels, { applied: 'yes' });
  });
});
