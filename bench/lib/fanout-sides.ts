/**
 * The two sides of the fan-out case, each an event source the bench process publishes through:
 * the server (`createApp` over a fresh store; an event is a store write whose resource carries the
 * mark) and the baseline (a plain `ws` server broadcasting one pre-serialized message per event).
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { App } from '../../src/server/index.ts';
import { openStore, type ResourceInput, type Store } from '../../src/store/index.ts';
import { removeDir, tempDir } from './fixtures.ts';
import type { EventMark } from './subscribers.ts';

/** The namespace every fan-out event is written in. */
export const FANOUT_NAMESPACE = 'fanout';

/** Resources the server side writes in turn (each event is one write of one of them). */
const RESOURCES = 8;

/** Characters of padding that bring one delivered message to about 2 KiB. */
const PADDING = 'x'.repeat(1520);

/** The subscription every graphql-ws subscriber sends: the resource's fields, `data` included. */
export const FANOUT_SUBSCRIPTION = `subscription Fanout($namespace: String!) {
  resourceEvents(namespace: $namespace) {
    type
    revision
    resource {
      ref { group version kind namespace name }
      uid version revision labels annotations createdAt updatedAt data
    }
  }
}`;

/** An event source under test. */
export interface FanoutSide {
  /** Where subscribers connect. */
  readonly url: string;
  /** Sends the event with sequence number `seq` of round `round` (0: a probe). */
  publish(round: number, seq: number): void;
  close(): Promise<void>;
}

const markNow = (r: number, s: number): EventMark => ({
  r,
  s,
  t: performance.timeOrigin + performance.now(),
});

/** The data of a fan-out resource: the mark and padding. */
function eventData(mark: EventMark): { [key: string]: number | string } {
  return { r: mark.r, s: mark.s, t: mark.t, padding: PADDING };
}

/** The resource written for an event. */
function inputOf(mark: EventMark): ResourceInput {
  const name = `event-${mark.s % RESOURCES}`;
  return {
    ref: { group: '', version: 'v1', kind: 'ConfigMap', namespace: FANOUT_NAMESPACE, name },
    labels: { app: 'fanout', 'app.kubernetes.io/part-of': 'bench' },
    annotations: { 'bench.example.com/case': 'fanout' },
    data: eventData(mark),
  };
}

/** The server: `createApp` with its defaults (metrics on, logging off) over a store in a temp dir. */
export async function serverSide(onError: (error: unknown) => void): Promise<FanoutSide> {
  const dir = tempDir('fanout');
  const store: Store = await openStore({ path: dir });
  // Loaded here: building the schema takes seconds that runs of other cases need not pay.
  const { createApp } = await import('../../src/server/index.ts');
  const app: App = createApp({ store, port: 0, logging: false });
  await app.start();
  return {
    url: app.url.replace(/^http/, 'ws'),
    publish(round, seq) {
      store.apply(inputOf(markNow(round, seq))).catch(onError);
    },
    async close() {
      await app.stop();
      await store.close();
      removeDir(dir);
    },
  };
}

/** A `next` message shaped like the server's, for the baseline to broadcast. */
function baselineMessage(mark: EventMark): string {
  const now = new Date().toISOString();
  const input = inputOf(mark);
  const resource = {
    ref: { ...input.ref, group: '' },
    uid: '5f0c6f0e-3c3b-4f7e-9d55-0b6f8d1c2a10',
    version: 1 + mark.s,
    revision: String(1 + mark.s),
    labels: input.labels,
    annotations: input.annotations,
    createdAt: now,
    updatedAt: now,
    data: input.data,
  };
  const event = { type: 'UPDATED', revision: String(1 + mark.s), resource };
  return JSON.stringify({ id: 'a1b2c3d4', type: 'next', payload: { data: { resourceEvents: event } } });
}

/** The baseline: a plain `ws` server broadcasting one pre-serialized message to every client. */
export async function baselineSide(): Promise<FanoutSide & { readonly messageBytes: number }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    messageBytes: Buffer.byteLength(baselineMessage(markNow(1, 0))),
    publish(round, seq) {
      const message = Buffer.from(baselineMessage(markNow(round, seq)));
      for (const client of server.clients) client.send(message, { binary: false });
    },
    async close() {
      for (const client of server.clients) client.terminate();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
