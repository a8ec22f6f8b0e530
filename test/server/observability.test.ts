/**
 * `/metrics` (Prometheus text) and the structured request log, over a real server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openStore, type Store } from '../../src/store/index.ts';
import {
  capturingLogger,
  costExtensions,
  eventually,
  instrument,
  podRef,
  startServer,
  subscribe,
  type TestServer,
} from '../schema/helpers.ts';

async function scrape(
  server: TestServer,
): Promise<{ text: string; value(sample: string): number | undefined }> {
  const response = await fetch(server.url.replace(/\/graphql$/, '/metrics'));
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
  const text = await response.text();
  return {
    text,
    value(sample) {
      const line = text.split('\n').find((candidate) => candidate.startsWith(`${sample} `));
      return line === undefined ? undefined : Number(line.slice(sample.length + 1));
    },
  };
}

const ADD = 'mutation AddPod($input: ResourceInput!) { addResource(input: $input) { version } }';
const GET = 'query GetPod($ref: ResourceRefInput!) { resource(ref: $ref) { version } }';

async function post(
  server: TestServer,
  query: string,
  variables: unknown,
  headers: Record<string, string> = {},
) {
  return fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
}

describe('metrics', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  it('should report resources, relationships, events, subscribers, storage, commits and requests', async () => {
    const { store } = server;
    await store.add({ ref: podRef('a') });
    await store.add({ ref: podRef('b') });
    await store.addRelationships([
      { subject: podRef('a'), predicate: { type: 'DependsOn' }, object: podRef('b') },
    ]);
    // The first scrape starts the relationship count and the published-event counters.
    const first = await scrape(server);
    assert.equal(first.value('resource_store_resources{group="",version="v1",kind="Pod"}'), 2);
    assert.ok((first.value('process_resident_memory_bytes') ?? 0) > 0, 'default process metrics');
    assert.ok((first.value('resource_store_data_file_bytes') ?? 0) > 0);
    assert.ok((first.value('resource_store_disk_free_bytes') ?? 0) > 0);
    assert.equal(first.value('resource_store_storage_full'), 0);

    const events = subscribe(server.connect(), 'subscription { resourceEvents { type revision } }');
    await eventually(() => server.store.revision > 0);
    let metrics = await scrape(server);
    for (let i = 0; i < 50 && metrics.value('resource_store_subscribers') !== 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      metrics = await scrape(server);
    }
    assert.equal(metrics.value('resource_store_subscribers'), 1);
    assert.equal(metrics.value('resource_store_websockets'), 1);

    assert.deepEqual((await (await post(server, ADD, { input: { ref: podRef('c') } })).json()) as unknown, {
      data: { addResource: { version: 1 } },
      extensions: costExtensions(1),
    });
    await store.addRelationships([
      { subject: podRef('c'), predicate: { type: 'DependsOn' }, object: podRef('a') },
    ]);
    assert.equal((await events.next()).data !== undefined, true);
    await post(server, GET, { ref: { version: 'v1', kind: 'Pod', name: '' } });

    let last = await scrape(server);
    for (let i = 0; i < 50 && last.value('resource_store_relationships{predicate="DependsOn"}') !== 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      last = await scrape(server);
    }
    assert.equal(last.value('resource_store_relationships{predicate="DependsOn"}'), 2);
    assert.equal(last.value('resource_store_resources{group="",version="v1",kind="Pod"}'), 3);
    assert.equal(last.value('resource_store_events_published_total{stream="resource",type="ADDED"}'), 1);
    assert.equal(last.value('resource_store_events_published_total{stream="relationship",type="ADDED"}'), 1);
    assert.equal(last.value('resource_store_events_delivered_total'), 1);
    assert.equal(last.value('resource_store_subscriber_lag_max_revisions'), 0);
    assert.equal(last.value('resource_store_commit_duration_seconds_count{method="add",outcome="ok"}'), 1);
    assert.equal(
      last.value(
        'resource_store_graphql_duration_seconds_count{transport="http",type="mutation",operation="AddPod",outcome="ok"}',
      ),
      1,
    );
    assert.equal(
      last.value(
        'resource_store_graphql_duration_seconds_count{transport="http",type="query",operation="GetPod",outcome="BAD_USER_INPUT"}',
      ),
      1,
    );
    events.stop();
  });

  it('should refuse other methods and serve nothing with metrics off', async () => {
    const response = await fetch(server.url.replace(/\/graphql$/, '/metrics'), { method: 'POST' });
    assert.equal(response.status, 405);
    const off = await startServer({ app: { metrics: false } });
    try {
      assert.equal((await fetch(off.url.replace(/\/graphql$/, '/metrics'))).status, 404);
    } finally {
      await off.close();
    }
  });
});

describe('request log', () => {
  let server: TestServer;
  let store: Store;
  const { logger, lines } = capturingLogger();
  before(async () => {
    store = await openStore({ inMemory: true });
    const failing = instrument(store, {
      get: (ref) => {
        if (ref.name === 'boom') throw new Error('disk on fire');
        return store.get(ref);
      },
    });
    server = await startServer({ store: failing, app: { logger } });
  });
  after(async () => {
    await server.close();
    await store.close();
  });

  it('should log one line per request with its id, operation, duration and outcome, and echo the id', async () => {
    const response = await post(
      server,
      ADD,
      { input: { ref: podRef('logged') } },
      { 'x-request-id': 'req-42' },
    );
    assert.equal(response.headers.get('x-request-id'), 'req-42');
    await response.json();
    const generated = await post(server, GET, { ref: { version: 'v1', kind: 'Pod', name: '' } });
    const id = generated.headers.get('x-request-id') ?? '';
    assert.match(id, /^[0-9a-f]{12}-[0-9a-z]+$/, 'a per-process prefix and a counter');
    await generated.json();
    // An id that could forge log content is replaced.
    const forged = await post(server, GET, { ref: podRef('logged') }, { 'x-request-id': 'a"b\\n{}' });
    assert.notEqual(forged.headers.get('x-request-id'), 'a"b\\n{}');
    await forged.json();

    const requests = lines.filter((line) => line.msg === 'request');
    assert.equal(requests.length, 3);
    assert.deepEqual(
      { ...requests[0], time: 0, durationMs: 0 },
      {
        level: 30,
        time: 0,
        pid: requests[0]?.pid,
        hostname: requests[0]?.hostname,
        msg: 'request',
        reqId: 'req-42',
        transport: 'http',
        operation: 'AddPod',
        operationType: 'mutation',
        outcome: 'ok',
        durationMs: 0,
        handler: 'lean',
        method: 'POST',
        status: 200,
      },
    );
    assert.equal(typeof requests[0]?.durationMs, 'number');
    assert.equal(requests[1]?.reqId, id);
    assert.equal(requests[1]?.outcome, 'BAD_USER_INPUT');
  });

  it('should log an unexpected error with its stack, and mask it for the client', async () => {
    const body = (await (await post(server, GET, { ref: podRef('boom') })).json()) as {
      errors: { message: string }[];
    };
    assert.equal(body.errors[0]?.message, 'Unexpected error.');
    const logged = lines.find((line) => line.level === 50);
    assert.ok(logged, 'an error line');
    const err = logged.err as { message: string; stack: string };
    assert.equal(err.message, 'disk on fire');
    assert.match(err.stack, /observability\.test\.ts/);
    assert.equal(logged.path, 'resource');
    assert.equal(lines.at(-1)?.outcome, 'INTERNAL_SERVER_ERROR');
  });

  it('should log websocket operations', async () => {
    const events = subscribe(server.connect(), 'subscription Watch { resourceEvents { type } }');
    await new Promise((resolve) => setTimeout(resolve, 50));
    events.stop();
    await eventually(() => lines.some((line) => line.transport === 'ws' && line.operation === 'Watch'));
  });
});
