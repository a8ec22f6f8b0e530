/**
 * What a browser may do: CSRF prevention, cross-origin calls over HTTP and websocket, and the
 * switches for production (introspection, GraphiQL).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { CSRF_HEADER, INTROSPECTION_DISABLED } from '../../src/server/index.ts';
import { costExtensions, type Response, startServer, subscribe, type TestServer } from '../schema/helpers.ts';

const QUERY = `?query=${encodeURIComponent('{ revision }')}`;

/** Resolves with the HTTP status of the upgrade: 101 when the socket opened. */
function upgradeStatus(url: string, origin?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, 'graphql-transport-ws', origin === undefined ? {} : { origin });
    socket.once('open', () => {
      socket.terminate();
      resolve(101);
    });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

describe('CSRF prevention', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  it('should refuse a GET without the CSRF header with 403, and serve it with the header', async () => {
    const refused = await fetch(server.url + QUERY);
    assert.equal(refused.status, 403);
    const body = (await refused.json()) as Response<unknown>;
    assert.match(body.errors?.[0]?.message ?? '', /CSRF/);
    const served = await fetch(server.url + QUERY, { headers: { [CSRF_HEADER]: '1' } });
    assert.equal(served.status, 200);
  });

  it('should refuse a form-like POST without the header and accept a JSON POST without it', async () => {
    const body = JSON.stringify({ query: '{ revision }' });
    const plain = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body,
    });
    assert.equal(plain.status, 403, 'a page can send text/plain cross-site without a preflight');
    const json = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    assert.equal(json.status, 200);
  });

  it('should serve GET without the header when CSRF prevention is off', async () => {
    const open = await startServer({ app: { csrfPrevention: false } });
    try {
      assert.equal((await fetch(open.url + QUERY)).status, 200);
    } finally {
      await open.close();
    }
  });
});

describe('cross-origin browser calls', () => {
  let server: TestServer;
  let allowing: TestServer;
  before(async () => {
    server = await startServer();
    allowing = await startServer({ app: { corsOrigins: ['http://app.example'] } });
  });
  after(async () => {
    await server.close();
    await allowing.close();
  });

  const preflight = (url: string, origin: string) =>
    fetch(url, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });

  it('should allow no foreign origin over HTTP by default', async () => {
    const response = await preflight(server.url, 'http://evil.example');
    assert.equal(response.headers.get('access-control-allow-origin'), null);
  });

  it('should allow the configured origins over HTTP', async () => {
    const response = await preflight(allowing.url, 'http://app.example');
    assert.equal(response.headers.get('access-control-allow-origin'), 'http://app.example');
  });

  it('should refuse a websocket from a foreign page with 403 and accept the own origin and non-browsers', async () => {
    const own = new URL(server.url).origin;
    assert.equal(await upgradeStatus(server.wsUrl, 'http://evil.example'), 403);
    assert.equal(await upgradeStatus(server.wsUrl, own), 101);
    assert.equal(await upgradeStatus(server.wsUrl), 101, 'no Origin: not a browser');
    assert.equal(await upgradeStatus(allowing.wsUrl, 'http://app.example'), 101);
    assert.equal(await upgradeStatus(allowing.wsUrl, 'http://evil.example'), 403);
  });
});

describe('production switches', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ app: { introspection: false, graphiql: false } });
  });
  after(() => server.close());

  it('should refuse introspection with INTROSPECTION_DISABLED over HTTP and websocket', async () => {
    for (const query of ['{ __schema { types { name } } }', '{ __type(name: "Resource") { name } }']) {
      const response = await server.request(query);
      assert.equal(response.errors?.[0]?.extensions?.code, INTROSPECTION_DISABLED, query);
      assert.equal(response.data ?? null, null);
    }
    const overSocket = subscribe(server.connect(), '{ __schema { queryType { name } } }');
    assert.equal(await overSocket.completed(), true);
    assert.equal(overSocket.failure?.[0]?.extensions?.code, INTROSPECTION_DISABLED);
    assert.deepEqual(await server.request('{ __typename }'), {
      data: { __typename: 'Query' },
      extensions: costExtensions(0),
    });
  });

  it('should not suggest field names when introspection is off', async () => {
    const response = await server.request('{ revisio }');
    const message = response.errors?.[0]?.message ?? '';
    assert.match(message, /Cannot query field "revisio"/);
    assert.doesNotMatch(message, /Did you mean/);
  });

  it('should serve no GraphiQL page when GraphiQL is off', async () => {
    const page = await fetch(server.url, { headers: { accept: 'text/html', [CSRF_HEADER]: '1' } });
    assert.doesNotMatch(page.headers.get('content-type') ?? '', /text\/html/);
    assert.doesNotMatch(await page.text(), /graphiql/i);
  });
});
