import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createApp } from '../../src/server/index.ts';
import { CSRF_HEADER } from '../../src/server/yoga.ts';
import { openStore, StoreError } from '../../src/store/index.ts';
import { costExtensions, podRef, startServer, subscribe } from '../schema/helpers.ts';

describe('server', () => {
  it('should answer GET and POST on /graphql', async () => {
    const server = await startServer();
    try {
      await server.store.add({ ref: podRef('get-me') });
      const query = '{ revision }';
      const headers = { accept: 'application/graphql-response+json', [CSRF_HEADER]: '1' };
      const get = await fetch(`${server.url}?query=${encodeURIComponent(query)}`, { headers });
      assert.equal(get.status, 200);
      assert.deepEqual(await get.json(), {
        data: { revision: String(server.store.revision) },
        extensions: costExtensions(0),
      });

      const mutationOverGet = await fetch(
        `${server.url}?query=${encodeURIComponent('mutation { deleteRelationships(relationships: []) }')}`,
        { headers },
      );
      assert.equal(mutationOverGet.status, 405, 'mutations are not allowed over GET');
    } finally {
      await server.close();
    }
  });

  it('should serve GraphiQL to browsers, with subscriptions over the websocket', async () => {
    const server = await startServer();
    try {
      const page = await fetch(server.url, { headers: { accept: 'text/html' } });
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      const html = await page.text();
      assert.match(html, /graphiql/i);
      assert.match(html, /"subscriptionsProtocol":"WS"/);
    } finally {
      await server.close();
    }
  });

  it('should answer health and readiness probes', async () => {
    const server = await startServer();
    try {
      const origin = new URL(server.url).origin;
      const health = await fetch(`${origin}/healthz`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' });
      const ready = await fetch(`${origin}/readyz`);
      assert.equal(ready.status, 200);
      const missing = await fetch(`${origin}/nothing-here`);
      assert.equal(missing.status, 404);
    } finally {
      await server.close();
    }
  });

  it('should report not ready and refuse writes with STORAGE_FULL while the disk is below its floor', async () => {
    const server = await startServer({ storeOptions: { minFreeDiskBytes: Number.MAX_SAFE_INTEGER } });
    try {
      const origin = new URL(server.url).origin;
      const ready = await fetch(`${origin}/readyz`);
      assert.equal(ready.status, 503);
      assert.deepEqual(await ready.json(), {
        status: 'unavailable',
        reason: 'storage full: writes are refused',
      });
      assert.equal((await fetch(`${origin}/healthz`)).status, 200, 'the process is still alive');
      const write = await server.request(
        'mutation { addResource(input: { ref: { version: "v1", kind: "Pod", name: "p" } }) { version } }',
      );
      assert.equal(write.errors?.[0]?.extensions?.code, 'STORAGE_FULL');
      const read = await server.request('{ revision resources { totalCount } }');
      assert.equal(read.errors, undefined);
    } finally {
      await server.close();
    }
  });

  it('should close websockets on stop and leave a caller-owned store open', async () => {
    const store = await openStore({ inMemory: true });
    const app = createApp({ store, port: 0, logging: false });
    await app.start();
    let connected!: () => void;
    const ready = new Promise<void>((resolve) => {
      connected = resolve;
    });
    const closed = new Promise<number>((resolve) => {
      const client = createClient({
        url: app.url.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        on: { connected, closed: (event) => resolve((event as { code: number }).code) },
      });
      subscribe(client, 'subscription { resourceEvents { type } }');
    });
    await ready;
    await app.stop();
    assert.equal(await closed, 1001, 'the socket closes with Going Away');
    await assert.rejects(fetch(app.url), 'the port no longer accepts connections');
    assert.equal(store.get(podRef('x')), null, 'the store is still open');
    await app.stop();
    await store.close();
  });

  it('should close a store it opened itself on stop', async () => {
    const app = createApp({ storeOptions: { inMemory: true }, port: 0, logging: false });
    await app.start();
    const response = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ revision }' }),
    });
    assert.equal(response.status, 200);
    const { store } = app;
    await app.stop();
    assert.throws(
      () => store.get(podRef('x')),
      (error) => error instanceof StoreError && error.code === 'STORE_CLOSED',
    );
  });
});
