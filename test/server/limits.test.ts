import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type DocumentNode, type GraphQLError, getIntrospectionQuery, parse, print } from 'graphql';
import WebSocket from 'ws';
import * as operations from '../../examples/generated/graphql.ts';
import { DEFAULT_LIMITS, type Limits, QUERY_TOO_COMPLEX } from '../../src/server/limits.ts';
import { createGraphQLHandler } from '../../src/server/yoga.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { podRef, type Response, startServer, subscribe, type TestServer } from '../schema/helpers.ts';

/** Small limits, so that each case below breaks exactly one of them with a short document. */
const LIMITS: Partial<Limits> = {
  maxDepth: 4,
  maxAliases: 3,
  maxDirectives: 3,
  maxTokens: 200,
  maxCost: 300,
  maxDocumentLength: 2000,
  maxBodyBytes: 64 * 1024,
  maxMessageBytes: 64 * 1024,
};

/** A store whose every property read is counted: a resolver cannot run without reading it. */
function countingStore(store: Store): { store: Store; reads: () => number } {
  let reads = 0;
  const proxy = new Proxy(store, {
    get(target, key) {
      reads++;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: proxy, reads: () => reads };
}

/** `addResource` of Pod `name` selecting `selection`: it must not happen when a limit rejects it. */
function addPod(name: string, selection: string, field = 'addResource'): string {
  return `mutation { ${field}(input: { ref: { version: "v1", kind: "Pod", name: "${name}" } }) { ${selection} } }`;
}

/** One mutation per limit, each over that limit alone. */
const overLimit: [keyof Limits, string][] = [
  ['maxDepth', addPod('deep', 'relationships { edges { node { revision } } }')],
  ['maxAliases', addPod('aliased', 'b: version c: revision d: uid', 'a: addResource')],
  [
    'maxDirectives',
    addPod(
      'directed',
      'version @include(if: true) revision @include(if: true) uid @skip(if: false) id @skip(if: false)',
    ),
  ],
  ['maxTokens', addPod('wordy', `version${' id'.repeat(200)}`)],
  ['maxCost', addPod('costly', 'relationships(first: 1000) { edges { cursor } }')],
  ['maxDocumentLength', `# ${'x'.repeat(2000)}\n${addPod('long', 'version')}`],
];

/** One query per limit, exactly at it: accepted. */
const atLimit: [keyof Limits, string][] = [
  ['maxDepth', '{ resources { edges { node { version } } } }'],
  ['maxAliases', '{ a: revision b: revision c: revision }'],
  ['maxDirectives', '{ revision @include(if: true) @skip(if: false) types @include(if: true) { kind } }'],
  ['maxTokens', `{${' revision'.repeat(198)} }`],
  ['maxDocumentLength', '{ revision }\n#'.padEnd(2000, 'x')],
];

interface Posted {
  status: number;
  body: Response<unknown>;
}

async function post(url: string, query: string): Promise<Posted> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: (await response.json()) as Response<unknown> };
}

function assertRejected(result: Response<unknown>, limit: keyof Limits): void {
  assert.equal(result.data ?? null, null, `${limit}: no data`);
  assert.equal(result.errors?.length, 1, `${limit}: one error, got ${JSON.stringify(result.errors)}`);
  const [error] = result.errors ?? [];
  assert.equal(error?.extensions?.code, QUERY_TOO_COMPLEX, `${limit}: ${error?.message}`);
  assert.equal(error?.extensions?.limit, limit);
  assert.equal(error?.extensions?.max, LIMITS[limit]);
  assert.match(error?.message ?? '', /limit of \d+ exceeded/);
}

describe('query limits', () => {
  let server: TestServer;
  let base: Store;
  let reads: () => number;
  before(async () => {
    base = await openStore({ inMemory: true });
    const counting = countingStore(base);
    reads = counting.reads;
    server = await startServer({ store: counting.store, app: { limits: LIMITS } });
  });
  after(async () => {
    await server.close();
    await base.close();
  });

  it('should reject an HTTP operation over any limit with QUERY_TOO_COMPLEX before a resolver runs', async () => {
    const revision = base.revision;
    for (const [limit, query] of overLimit) {
      const before = reads();
      const { status, body } = await post(server.url, query);
      assertRejected(body, limit);
      assert.equal(status, 400, `${limit}: a request error under application/graphql-response+json`);
      assert.equal(reads(), before, `${limit}: the store was not touched`);
    }
    assert.equal(base.revision, revision, 'no mutation happened');
    assert.equal(base.count(), 0);
    const before = reads();
    assert.equal((await post(server.url, '{ revision }')).status, 200);
    assert.ok(reads() > before, 'an accepted operation does read the store');
  });

  it('should accept an operation exactly at each limit', async () => {
    for (const [limit, query] of atLimit) {
      const { status, body } = await post(server.url, query);
      assert.equal(body.errors, undefined, `${limit}: ${JSON.stringify(body.errors)}`);
      assert.equal(status, 200);
    }
  });

  it('should reject the same operations over the websocket, failing only them', async () => {
    const client = server.connect();
    const since = String(base.revision);
    const sibling = subscribe(
      client,
      'subscription($since: Revision) { resourceEvents(since: $since) { revision resource { ref { name } } } }',
      { since },
    );
    await base.add({ ref: podRef('before-rejections') });
    assert.ok((await sibling.next()).data, 'the sibling streams before');
    const revision = base.revision;
    for (const [limit, query] of overLimit) {
      const before = reads();
      const rejected = subscribe(client, query);
      assert.equal(await rejected.completed(), true, `${limit}: the operation ended`);
      assertRejected({ errors: [...(rejected.failure ?? [])] }, limit);
      assert.equal(reads(), before, `${limit}: the store was not touched`);
    }
    const deepSubscription = subscribe(
      client,
      'subscription { resourceEvents { resource { relationships { edges { node { revision } } } } } }',
    );
    assert.equal(await deepSubscription.completed(), true);
    assertRejected({ errors: [...(deepSubscription.failure ?? [])] }, 'maxDepth');
    assert.equal(base.revision, revision, 'no mutation happened');

    await base.add({ ref: podRef('after-rejections') });
    const event = (await sibling.next()) as Response<{
      resourceEvents: { resource: { ref: { name: string } } };
    }>;
    assert.equal(
      event.data?.resourceEvents.resource.ref.name,
      'after-rejections',
      'the sibling still streams',
    );
    sibling.stop();
  });
});

describe('default limits', () => {
  it('should admit every example operation and GraphiQL introspection', async () => {
    const store = await openStore({ inMemory: true });
    try {
      const yoga = createGraphQLHandler(store, {
        graphiql: false,
        logging: false,
        limits: DEFAULT_LIMITS,
        introspection: true,
        csrfPrevention: true,
        corsOrigins: [],
      });
      const documents = Object.entries(operations).filter(([name]) => name.endsWith('Document')) as [
        string,
        DocumentNode,
      ][];
      documents.push(['introspection', parse(getIntrospectionQuery({ descriptions: true, oneOf: true }))]);
      assert.ok(documents.length > 20, `found ${documents.length} documents`);
      for (const [name, document] of documents) {
        const { schema, parse: parseDocument, validate } = yoga.getEnveloped({});
        const errors: readonly GraphQLError[] = validate(schema, parseDocument(print(document)));
        assert.deepEqual(
          errors.map((error) => error.message),
          [],
          name,
        );
      }
    } finally {
      await store.close();
    }
  });
});

/** Sends a raw HTTP POST; resolves with the status and body once answered, and the bytes it got to send. */
function postRaw(
  url: string,
  headers: Record<string, string>,
  write: (request: ReturnType<typeof httpRequest>) => () => number,
): Promise<{ status: number; body: string; sent: number }> {
  return new Promise((resolve, reject) => {
    let sent = () => 0;
    const request = httpRequest(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
    });
    request.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body, sent: sent() }));
    });
    // The server closes the connection after refusing: writes still under way fail, as they should.
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    sent = write(request);
  });
}

function assertTooLarge(result: { status: number; body: string }): void {
  assert.equal(result.status, 413);
  const body = JSON.parse(result.body) as Response<unknown>;
  assert.equal(body.errors?.[0]?.extensions?.code, 'PAYLOAD_TOO_LARGE');
  assert.match(body.errors?.[0]?.message ?? '', /larger than the limit of 65536 bytes/);
}

describe('request size limits', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ app: { limits: LIMITS } });
  });
  after(() => server.close());

  it('should answer 413 with a coded error to a body over the limit', async () => {
    const variables = { padding: 'x'.repeat(70 * 1024) };
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ revision }', variables }),
    });
    assertTooLarge({ status: response.status, body: await response.text() });
    const fits = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ revision }', variables: { padding: 'x'.repeat(60 * 1024) } }),
    });
    assert.equal(fits.status, 200, 'a body under the limit is served');
  });

  it('should refuse a body declared over the limit without waiting for it', async () => {
    // 1 GiB announced, 9 bytes sent: only an answer from the header can arrive.
    const result = await postRaw(server.url, { 'content-length': String(2 ** 30) }, (request) => {
      request.write('{"query":');
      return () => 9;
    });
    assertTooLarge(result);
  });

  it('should refuse a chunked body once it passes the limit, without reading the rest', async () => {
    const total = 256 * 1024 * 1024;
    const result = await postRaw(server.url, {}, (request) => {
      let sent = 0;
      let answered = false;
      request.on('response', () => {
        answered = true;
      });
      const chunk = Buffer.alloc(64 * 1024, ' ');
      const pump = () => {
        while (!answered && sent < total) {
          sent += chunk.length;
          if (!request.write(chunk)) return void request.once('drain', pump);
        }
        request.end();
      };
      pump();
      return () => sent;
    });
    assertTooLarge(result);
    assert.ok(result.sent < total / 4, `answered after ${result.sent} of ${total} bytes were sent`);
  });

  it('should close a websocket whose message is over the limit with 1009, leaving other sockets alone', async () => {
    const client = server.connect();
    const sibling = subscribe(
      client,
      'subscription { resourceEvents(namespace: "frames") { resource { ref { name } } } }',
    );
    await client.iterate({ query: '{ revision }' }).next();

    const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
    const closed = new Promise<number>((resolve) => socket.once('close', resolve));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init' }));
    await new Promise((resolve) => socket.once('message', resolve));
    const query = '{ revision }';
    socket.send(
      JSON.stringify({
        id: '1',
        type: 'subscribe',
        payload: { query, variables: { pad: 'x'.repeat(65 * 1024) } },
      }),
    );
    assert.equal(await closed, 1009, 'Message Too Big');

    await server.store.add({ ref: podRef('after-big-frame', 'frames') });
    const event = (await sibling.next()) as Response<{
      resourceEvents: { resource: { ref: { name: string } } };
    }>;
    assert.equal(event.data?.resourceEvents.resource.ref.name, 'after-big-frame');
    sibling.stop();
  });

  it('should close a websocket announcing an oversized frame before its payload arrives', async () => {
    const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
    const closed = new Promise<number>((resolve) => socket.once('close', resolve));
    await new Promise((resolve) => socket.once('open', resolve));
    // A masked text frame header claiming 1 GiB, then nothing: the server must not wait for (or
    // allocate) the payload.
    const header = Buffer.from([0x81, 0xff, 0, 0, 0, 0, 0x40, 0, 0, 0, 1, 2, 3, 4]);
    (socket as unknown as { _socket: Socket })._socket.write(header);
    assert.equal(await closed, 1009);
  });
});

describe('limit settings', () => {
  it('should refuse a limit that is not a positive integer', async () => {
    const { createApp } = await import('../../src/server/index.ts');
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      assert.throws(
        () => createApp({ storeOptions: { inMemory: true }, limits: { maxDepth: bad } }),
        /limit maxDepth must be a positive integer/,
      );
    }
  });
});
