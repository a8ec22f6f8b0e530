/**
 * Subscribers under load: many graphql-ws subscribers of one subscription and one raw websocket
 * client that subscribes, then stops reading. The others receive every event in order; the stalled
 * one is ended with SLOW_CONSUMER and its last revision once its store queue passes its bound; the
 * server's memory and its websocket send buffers stay bounded; writers are not slowed.
 *
 * FANOUT_SUBSCRIBERS sets the number of subscribers (default 200; the figure is 1,000).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import WebSocket from 'ws';
import { startServer, type TestServer } from '../schema/helpers.ts';

const SUBSCRIBERS = Number(process.env.FANOUT_SUBSCRIBERS ?? 200);
/** The store watch bound in this test (the default is 10,000). */
const MAX_QUEUED = 20;
/** Writes measured without, then with, the stalled client. */
const BASELINE_WRITES = 100;
/** The stalled client asks for `data`: large events fill the socket's kernel buffers quickly. */
const DATA = 'x'.repeat(256 * 1024);
const MAX_STALLED_WRITES = 3000;

const SUBSCRIPTION = `subscription Fanout {
  resourceEvents(namespace: "fan", initialState: true) { type revision resource { ref { name } version } }
}`;
const STALLED = `subscription Stalled {
  resourceEvents(namespace: "fan") { type revision resource { ref { name } version data } }
}`;
const APPLY = `mutation Apply($input: ResourceInput!) { applyResource(input: $input) { version revision } }`;

type Message = { type: string; id?: string; payload?: { data?: unknown; errors?: unknown[] } };
interface EventPayload {
  data?: { resourceEvents: { type: string; revision: string } };
  errors?: { extensions?: { code?: string; lastRevision?: number } }[];
}

/** One graphql-ws subscriber: the revisions it received, in order. */
interface Subscriber {
  readonly revisions: number[];
  synced: Promise<void>;
  failure: unknown;
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Bytes of live JS objects and buffers, after a full collection. */
function retained(): number {
  gc();
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

async function metricsOf(server: TestServer): Promise<Map<string, number>> {
  const text = await (await fetch(server.url.replace(/\/graphql$/, '/metrics'))).text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return values;
}

describe('subscribers under load', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({
      storeOptions: { maxQueuedEvents: MAX_QUEUED },
      app: { maxQueuedEvents: MAX_QUEUED },
    });
  });
  after(() => server.close());

  it(`should deliver every event in order to ${SUBSCRIBERS} subscribers while one stalled client is ended with SLOW_CONSUMER`, async (t) => {
    let written = 0;
    /** One write, timed; every write changes `data`, so each is one revision and one event. */
    async function write(name: string): Promise<number> {
      const started = performance.now();
      const input = {
        ref: { version: 'v1', kind: 'Pod', namespace: 'fan', name },
        data: { n: written++, DATA },
      };
      const response = await server.request<{ applyResource: { revision: string } }, unknown>(APPLY, {
        input,
      });
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      return performance.now() - started;
    }
    const writeSeries = async (count: number, until?: () => boolean) => {
      const latencies: number[] = [];
      for (let i = 0; i < count && !until?.(); i++) latencies.push(await write(`pod-${i % 20}`));
      return latencies;
    };

    // N subscribers of the same subscription, each on its own socket.
    const subscribers: Subscriber[] = [];
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const subscriber: Subscriber = { revisions: [], synced: Promise.resolve(), failure: null };
      subscriber.synced = new Promise((resolve, reject) => {
        server.connect().subscribe(
          { query: SUBSCRIPTION },
          {
            next: (result) => {
              const event = (result as EventPayload).data?.resourceEvents;
              if (!event) subscriber.failure = result;
              else if (event.type === 'SYNCED') resolve();
              else subscriber.revisions.push(Number(event.revision));
            },
            error: (error) => {
              subscriber.failure = error;
              reject(error);
            },
            complete: () => {},
          },
        );
      });
      subscribers.push(subscriber);
    }
    await Promise.all(subscribers.map((subscriber) => subscriber.synced));
    const heapOf = ({ heapUsed, external }: NodeJS.MemoryUsage) => heapUsed + external;
    const memory = {
      rss: process.memoryUsage().rss,
      rssPeak: 0,
      heap: heapOf(process.memoryUsage()),
      heapPeak: 0,
    };

    const baseline = await writeSeries(BASELINE_WRITES);

    // The stalled client: subscribes, receives SYNCED, then stops reading its socket.
    const stalled = new WebSocket(server.wsUrl, 'graphql-transport-ws');
    const received: Message[] = [];
    let wake: (() => void) | null = null;
    stalled.on('message', (data) => {
      received.push(JSON.parse(String(data)) as Message);
      wake?.();
    });
    stalled.on('close', (code) => {
      received.push({ type: `closed ${code}` });
      wake?.();
    });
    const nextMessage = async (): Promise<Message> => {
      for (;;) {
        const message = received.shift();
        if (message) return message;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    };
    await new Promise((resolve, reject) => stalled.once('open', resolve).once('error', reject));
    stalled.send(JSON.stringify({ type: 'connection_init' }));
    assert.equal((await nextMessage()).type, 'connection_ack');
    // No initial state: a socket that has carried no bulk keeps a small receive window (Linux grows
    // it only as the application reads), so backpressure builds after a few hundred KiB.
    stalled.send(JSON.stringify({ id: 's', type: 'subscribe', payload: { query: STALLED } }));
    while ((await metricsOf(server)).get('resource_store_subscribers') !== SUBSCRIBERS + 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    stalled.pause();
    const retainedBefore = retained();
    const firstStalledRevision = server.store.revision + 1;

    // Write until the store ends the stalled watch, sampling memory and send buffers meanwhile.
    let slowClosed = false;
    let maxBuffered = 0;
    const sampler = setInterval(() => {
      const usage = process.memoryUsage();
      memory.rssPeak = Math.max(memory.rssPeak, usage.rss);
      memory.heapPeak = Math.max(memory.heapPeak, heapOf(usage));
      void metricsOf(server).then((metrics) => {
        maxBuffered = Math.max(
          maxBuffered,
          metrics.get('resource_store_websocket_buffered_bytes{of="max"}') ?? 0,
        );
        // More events behind than its queue holds: the server has ended its subscription (a live
        // subscription's queue is the server's, not the store watch's). The client learns it
        // in-band, after the events already sent.
        slowClosed ||= (metrics.get('resource_store_slow_consumer_closes_total{where="queue"}') ?? 0) > 0;
      });
    }, 100);
    const stalledStart = performance.now();
    const withStalled = await writeSeries(MAX_STALLED_WRITES, () => slowClosed);
    const stalledWrites = withStalled.length;
    const stalledSeconds = (performance.now() - stalledStart) / 1000;
    const retainedAfter = retained();
    // The stalled client reads again, at once (a socket stalled past graphql-ws's keep-alive, 12 s
    // to ping and 12 s for the pong, is dropped): the events it was sent, in order, then
    // SLOW_CONSUMER with the revision to resume from, then complete. Writers go on meanwhile.
    stalled.resume();
    const stalledRevisions: number[] = [];
    let failure = undefined as EventPayload['errors'];
    let ending = '';
    const stalledRead = (async () => {
      for (;;) {
        const message = await nextMessage();
        if (message.type !== 'next') {
          ending = message.type;
          return;
        }
        const payload = message.payload as EventPayload;
        if (payload.errors) failure = payload.errors;
        else stalledRevisions.push(Number(payload.data?.resourceEvents.revision));
      }
    })();
    withStalled.push(...(await writeSeries(BASELINE_WRITES)));
    clearInterval(sampler);
    assert.ok(slowClosed, `the stalled subscriber was not ended after ${stalledWrites} writes`);

    // Every subscriber got every event, in order.
    const last = server.store.revision;
    const expected = Array.from({ length: written }, (_, i) => last - written + 1 + i);
    const deadline = Date.now() + 20_000;
    while (subscribers.some((s) => s.revisions.length < written) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    let mismatched = 0;
    for (const subscriber of subscribers) {
      if (subscriber.failure !== null || subscriber.revisions.join() !== expected.join()) mismatched++;
    }
    const deliveries = subscribers.reduce((sum, s) => sum + s.revisions.length, 0);

    await stalledRead;
    stalled.close();
    const lastDelivered = stalledRevisions.at(-1) ?? firstStalledRevision - 1;

    const metrics = await metricsOf(server);
    const figure = (values: number[]) =>
      `p50 ${quantile(values, 0.5).toFixed(1)} ms, p95 ${quantile(values, 0.95).toFixed(1)} ms`;
    t.diagnostic(
      `${SUBSCRIBERS} subscribers, ${written} events each, ${deliveries} deliveries, ${mismatched} mismatched`,
    );
    t.diagnostic(`write latency without the stalled client: ${figure(baseline)} (${baseline.length} writes)`);
    t.diagnostic(`write latency with it: ${figure(withStalled)} (${withStalled.length} writes)`);
    t.diagnostic(
      `stalled client ended after ${stalledWrites} writes (${stalledSeconds.toFixed(1)} s of writing): ` +
        `${stalledRevisions.length} events delivered, then ${failure?.[0]?.extensions?.code} at lastRevision ` +
        `${failure?.[0]?.extensions?.lastRevision}`,
    );
    t.diagnostic(
      `rss ${mib(memory.rss)} before, peak ${mib(memory.rssPeak)} (LMDB's mapped pages included); ` +
        `JS heap + buffers ${mib(memory.heap)} before, peak ${mib(memory.heapPeak)}, retained after a GC ` +
        `${mib(retainedBefore)} before the stall, ${mib(retainedAfter)} when it was ended; ` +
        `largest websocket send buffer ${(maxBuffered / 1024).toFixed(0)} KiB; ` +
        `events delivered (metric) ${metrics.get('resource_store_events_delivered_total')}`,
    );

    assert.equal(mismatched, 0, 'every subscriber receives every event in order');
    assert.equal(ending, 'complete', 'the stalled subscription completes');
    assert.equal(failure?.[0]?.extensions?.code, 'SLOW_CONSUMER');
    assert.equal(failure?.[0]?.extensions?.lastRevision, lastDelivered, 'lastRevision is the last delivered');
    assert.deepEqual(
      stalledRevisions,
      Array.from({ length: stalledRevisions.length }, (_, i) => firstStalledRevision + i),
      'the stalled client got a gapless prefix',
    );
    // What the stalled client was not sent is not kept beyond the queue bound (20 events).
    assert.ok(retainedAfter - retainedBefore < 32 * 2 ** 20, 'memory stays bounded');
    assert.ok(memory.rssPeak - memory.rss < 768 * 2 ** 20, 'memory stays bounded');
    assert.ok(maxBuffered < 4 * 2 ** 20, 'no websocket buffers megabytes in user space');
    // A noisy 2-core machine: only a gross slowdown counts.
    assert.ok(
      quantile(withStalled, 0.5) < 3 * quantile(baseline, 0.5) + 5,
      'writers are not slowed by the stalled client',
    );
  });
});
