/**
 * What shared subscriptions keep apart: a subscriber that stops reading is ended alone with
 * SLOW_CONSUMER and its last revision while the others sharing its source go on; principals with
 * different rules never share a source.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { podRef, type Subscription, startServer, subscribe, type TestServer } from '../schema/helpers.ts';

const EVENTS = `subscription Events($namespace: String) {
  resourceEvents(namespace: $namespace) { type revision resource { ref { name } data } }
}`;
/** Large events fill a stopped client's socket buffers quickly. */
const DATA = 'x'.repeat(128 * 1024);
const MAX_QUEUED = 5;

interface Event {
  resourceEvents: { revision: string; resource: { ref: { name: string } } | null };
}
type Message = {
  type: string;
  payload?: { data?: Event; errors?: { extensions?: Record<string, unknown> }[] };
};

async function metric(server: TestServer, name: string): Promise<number> {
  const text = await (await fetch(server.url.replace(/\/graphql$/, '/metrics'))).text();
  const line = text.split('\n').find((one) => one.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.slice(name.length + 1));
}

/** A raw graphql-transport-ws client that can stop reading its socket. */
async function rawSubscriber(url: string, variables: Record<string, unknown>) {
  const socket = new WebSocket(url, 'graphql-transport-ws');
  const messages: Message[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data)) as Message));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify({ type: 'connection_init' }));
  while (messages[0]?.type !== 'connection_ack') await new Promise((resolve) => setTimeout(resolve, 5));
  messages.shift();
  socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: EVENTS, variables } }));
  return { socket, messages };
}

describe('shared subscription isolation', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ app: { maxQueuedEvents: MAX_QUEUED } });
  });
  after(() => server.close());

  it('should end a stalled subscriber alone with SLOW_CONSUMER and its last revision', async () => {
    const { store } = server;
    const variables = { namespace: 'slow' };
    const fast = [0, 1, 2].map(() => subscribe<Event, unknown>(server.connect(), EVENTS, variables));
    const stalled = await rawSubscriber(server.wsUrl, variables);
    let n = 0;
    const write = () => store.apply({ ref: podRef('pod', 'slow'), data: { n: n++, DATA } });
    // Every subscriber has joined once each has received an event.
    while (stalled.messages.filter((m) => m.type === 'next').length === 0) {
      assert.ok(n < 100, 'the stalled subscriber joins');
      await write();
    }
    const from = store.revision;
    stalled.socket.pause();
    let writes = 0;
    while ((await metric(server, 'resource_store_slow_consumer_closes_total{where="queue"}')) === 0) {
      assert.ok(writes++ < 500, 'the stalled subscriber is ended');
      await write();
    }
    for (let i = 0; i < 10; i++) await write();
    const expected = Array.from({ length: store.revision - from }, (_, i) => from + 1 + i);
    for (const events of fast) {
      const received: number[] = [];
      while (received.at(-1) !== store.revision) {
        received.push(Number((await events.next()).data?.resourceEvents.revision));
      }
      assert.deepEqual(received.slice(received.indexOf(from + 1)), expected, 'the others get every event');
    }
    stalled.socket.resume();
    const deadline = Date.now() + 5000;
    while (!stalled.messages.some((m) => m.type === 'complete') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const nexts = stalled.messages.filter((m) => m.type === 'next');
    const failure = nexts.at(-1)?.payload?.errors?.[0]?.extensions;
    const delivered = nexts.slice(0, -1).map((m) => Number(m.payload?.data?.resourceEvents.revision));
    assert.equal(failure?.code, 'SLOW_CONSUMER');
    assert.equal(failure?.lastRevision, delivered.at(-1), 'lastRevision is the last one delivered');
    assert.deepEqual(
      delivered,
      Array.from({ length: delivered.length }, (_, i) => delivered[0]! + i),
    );
    assert.ok(delivered.at(-1)! < store.revision, 'it was ended before the end');
    assert.equal(stalled.messages.at(-1)?.type, 'complete');
    stalled.socket.close();
    for (const events of fast) events.stop();
  });
});

describe('shared subscriptions and principals', () => {
  let server: TestServer;
  const token = (name: string) => `${name}-token-0123456789`;
  const rule = (namespaces: string[]) => ({ verbs: ['*' as const], namespaces, kinds: ['*'] });
  before(async () => {
    const auth = {
      principals: [
        { name: 'wide', tokens: [token('wide')], rules: [rule(['*'])] },
        { name: 'narrow', tokens: [token('narrow')], rules: [rule(['team-a'])] },
      ],
    };
    server = await startServer({ app: { auth } });
  });
  after(() => server.close());

  it('should not share a source between principals, and filter each by its own rules', async () => {
    const clients: Client[] = [];
    const as = (name: string): Subscription<Event> => {
      const url = server.wsUrl;
      const client = createClient({
        url,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: true,
        connectionParams: { token: token(name) },
      });
      clients.push(client);
      return subscribe<Event, unknown>(client, EVENTS, {});
    };
    const wide = as('wide');
    const narrow = as('narrow');
    try {
      // Written until both have joined; the narrow one sees only team-a.
      let received: Event | undefined;
      for (let i = 0; !received; i++) {
        await server.store.add({ ref: podRef(`a-${i}`, 'team-a') });
        received = (await narrow.next(200).catch(() => null))?.data ?? undefined;
      }
      await server.store.add({ ref: podRef('hidden', 'team-b') });
      await server.store.add({ ref: podRef('shown', 'team-a') });
      const names: string[] = [];
      while (names.at(-1) !== 'shown')
        names.push((await wide.next()).data!.resourceEvents.resource!.ref.name);
      assert.ok(names.includes('hidden'), 'the wide principal sees team-b');
      const narrowNames: string[] = [];
      while (narrowNames.at(-1) !== 'shown') {
        narrowNames.push((await narrow.next()).data!.resourceEvents.resource!.ref.name);
      }
      assert.ok(!narrowNames.includes('hidden'), 'the narrow principal does not see team-b');
    } finally {
      await Promise.all(clients.map((client) => client.dispose()));
    }
  });
});
