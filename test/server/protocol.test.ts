/**
 * The graphql-transport-ws protocol as a raw websocket client sees it: each violation closes the
 * socket with its close code, and a rejected operation fails alone.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { costExtensions, startServer, type TestServer } from '../schema/helpers.ts';

interface Closed {
  code: number;
  reason: string;
}

type Message = { type: string; id?: string; payload?: unknown };

/** A websocket speaking graphql-transport-ws by hand: messages are queued until read. */
class RawClient {
  private readonly received: Message[] = [];
  private readonly waiting: ((message: Message) => void)[] = [];
  readonly closed: Promise<Closed>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as Message;
      const waiter = this.waiting.shift();
      if (waiter) waiter(message);
      else this.received.push(message);
    });
    this.closed = new Promise((resolve) => {
      socket.once('close', (code, reason) => resolve({ code, reason: String(reason) }));
    });
  }

  /** Connects asking for `protocol`, or for none when it is null. */
  static async open(url: string, protocol: string | null = 'graphql-transport-ws'): Promise<RawClient> {
    const client = new RawClient(protocol === null ? new WebSocket(url) : new WebSocket(url, protocol));
    await new Promise((resolve, reject) => {
      client.socket.once('open', resolve).once('error', reject);
    });
    return client;
  }

  send(message: Message | string): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The next message; rejects when none comes within `timeoutMs`. */
  next(timeoutMs = 2000): Promise<Message> {
    const ready = this.received.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no message within ${timeoutMs} ms`)), timeoutMs);
      this.waiting.push((message) => {
        clearTimeout(timer);
        resolve(message);
      });
    });
  }

  /** Sends `connection_init` and waits for the ack. */
  async init(): Promise<void> {
    this.send({ type: 'connection_init' });
    assert.deepEqual(await this.next(), { type: 'connection_ack' });
  }
}

const INIT_TIMEOUT_MS = 150;

describe('graphql-transport-ws protocol', () => {
  let server: TestServer;
  const clients: RawClient[] = [];
  const open = async (protocol?: string | null) => {
    const client = await RawClient.open(server.wsUrl, protocol);
    clients.push(client);
    return client;
  };
  before(async () => {
    server = await startServer({
      app: { connectionInitTimeoutMs: INIT_TIMEOUT_MS, limits: { maxDepth: 3 } },
    });
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.socket.terminate();
  });
  after(() => server.close());

  it('should close with 4408 a socket that sends no connection_init within the timeout', async () => {
    const started = Date.now();
    const client = await open();
    const closed = await client.closed;
    assert.equal(closed.code, 4408);
    assert.match(closed.reason, /initialisation timeout/i);
    assert.ok(Date.now() - started >= INIT_TIMEOUT_MS - 20, 'not before the configured timeout');
  });

  it('should keep a socket that sent connection_init in time past the timeout', async () => {
    const client = await open();
    await client.init();
    await new Promise((resolve) => setTimeout(resolve, INIT_TIMEOUT_MS * 2));
    assert.equal(client.socket.readyState, WebSocket.OPEN);
    client.send({ type: 'ping' });
    assert.deepEqual(await client.next(), { type: 'pong' });
  });

  it('should close with 4429 a socket that sends connection_init twice', async () => {
    const client = await open();
    await client.init();
    client.send({ type: 'connection_init' });
    assert.equal((await client.closed).code, 4429);
  });

  it('should close with 4401 a socket that subscribes before the ack', async () => {
    const client = await open();
    client.send({ id: '1', type: 'subscribe', payload: { query: '{ revision }' } });
    const closed = await client.closed;
    assert.equal(closed.code, 4401);
    assert.match(closed.reason, /unauthorized/i);
  });

  it('should close with 4409 a socket that reuses the id of a running operation', async () => {
    const client = await open();
    await client.init();
    const subscription = {
      id: 'same',
      type: 'subscribe',
      payload: { query: 'subscription { resourceEvents { type } }' },
    };
    client.send(subscription);
    client.send(subscription);
    const closed = await client.closed;
    assert.equal(closed.code, 4409);
    assert.match(closed.reason, /same/);
  });

  it('should close with 4400 a socket that sends a message that is not the protocol', async () => {
    const cases: (Message | string)[] = [
      'not json',
      { type: 'no-such-type' },
      { type: 'subscribe', payload: { query: '{ revision }' } }, // no id
      { id: '1', type: 'subscribe', payload: { query: 42 } },
    ];
    for (const message of cases) {
      const client = await open();
      await client.init();
      client.send(message);
      assert.equal((await client.closed).code, 4400, JSON.stringify(message));
    }
  });

  it('should close with 4406 a socket that asks for no subprotocol', async () => {
    const client = await open(null);
    assert.equal((await client.closed).code, 4406);
  });

  it('should answer an operation over a limit with an error for its id alone, keeping the socket', async () => {
    const client = await open();
    await client.init();
    const deep = '{ resources { edges { node { ref { kind } } } } }';
    client.send({ id: 'deep', type: 'subscribe', payload: { query: deep } });
    const rejected = await client.next();
    assert.equal(rejected.type, 'error');
    assert.equal(rejected.id, 'deep');
    const [error] = rejected.payload as { extensions?: Record<string, unknown> }[];
    assert.equal(error?.extensions?.code, 'QUERY_TOO_COMPLEX');

    client.send({ id: 'deep', type: 'subscribe', payload: { query: '{ revision }' } });
    assert.deepEqual(await client.next(), {
      id: 'deep',
      type: 'next',
      payload: { data: { revision: String(server.store.revision) }, extensions: costExtensions(0) },
    });
    assert.deepEqual(await client.next(), { id: 'deep', type: 'complete' });
    assert.equal(client.socket.readyState, WebSocket.OPEN);
  });
});
