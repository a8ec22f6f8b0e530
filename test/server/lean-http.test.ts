/**
 * The lean HTTP path against yoga: the same requests, over real HTTP, to a server with the lean path
 * and to one without it (`leanHttp: false`, yoga serves everything) over the same store, must get the
 * same answers; the request log's `handler` says which code served each one.
 */
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { readNodeBody } from '../../src/server/body-limit.ts';
import type { AppConfig } from '../../src/server/index.ts';
import { CSRF_HEADER } from '../../src/server/yoga.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import {
  capturingLogger,
  costExtensions,
  eventually,
  instrument,
  type LogLine,
  podRef,
  startServer,
  type TestServer,
} from '../schema/helpers.ts';

/** A server with the lean path and one without, over one store, each logging to its own lines. */
interface Pair {
  readonly lean: TestServer;
  readonly yoga: TestServer;
  readonly leanLines: LogLine[];
  close(): Promise<void>;
}

async function startPair(store: Store, app: Partial<AppConfig> = {}): Promise<Pair> {
  const leanLog = capturingLogger();
  const lean = await startServer({ store, app: { ...app, logger: leanLog.logger } });
  const yoga = await startServer({
    store,
    app: { ...app, leanHttp: false, logger: capturingLogger().logger },
  });
  return {
    lean,
    yoga,
    leanLines: leanLog.lines,
    close: async () => {
      await lean.close();
      await yoga.close();
    },
  };
}

/** The headers whose values must agree (the request id is compared by presence). */
const COMPARED_HEADERS = [
  'content-type',
  'allow',
  'www-authenticate',
  'access-control-allow-origin',
  'access-control-allow-credentials',
  'vary',
  'connection',
];

interface Answer {
  status: number;
  headers: Record<string, string | null>;
  hasRequestId: boolean;
  body: unknown;
}

async function answerOf(url: string, init: RequestInit): Promise<Answer> {
  const response = await fetch(url, init);
  const text = await response.text();
  const headers = Object.fromEntries(COMPARED_HEADERS.map((name) => [name, response.headers.get(name)]));
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.status, headers, hasRequestId: response.headers.has('x-request-id'), body };
}

/** A JSON POST of `body` (a string is sent as it is) with extra headers. */
function post(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}

const READ = 'query Read($ref: ResourceRefInput!) { resource(ref: $ref) { ref { name } version labels } }';
const GRAPHQL_RESPONSE = { accept: 'application/graphql-response+json' };

/** Requests the lean path answers itself. */
const LEAN_CASES: [string, RequestInit][] = [
  ['a point read', post({ query: READ, variables: { ref: podRef('seen') } })],
  ['a point read of a missing resource', post({ query: READ, variables: { ref: podRef('missing') } })],
  [
    'an operation picked by name',
    post({ query: `${READ} query Other { revision }`, operationName: 'Other' }),
  ],
  ['a dry-run mutation', post({ query: 'mutation { deleteRelationships(relationships: []) }' })],
  ['null params', post({ query: '{ revision }', variables: null, operationName: null, extensions: null })],
  ['extensions', post({ query: '{ revision }', extensions: { persistedQuery: { version: 1 } } })],
  ['Accept: graphql-response+json', post({ query: '{ revision }' }, GRAPHQL_RESPONSE)],
  ['Accept: */*', post({ query: '{ revision }' }, { accept: '*/*' })],
  [
    'Accept: both JSON types',
    post({ query: '{ revision }' }, { accept: 'application/json, application/graphql-response+json' }),
  ],
  [
    'Accept with a utf-8 charset',
    post({ query: '{ revision }' }, { accept: 'application/json; charset=utf-8' }),
  ],
  [
    'Content-Type with a charset',
    post({ query: '{ revision }' }, { 'content-type': 'application/json;charset=UTF-8' }),
  ],
  ['a validation error', post({ query: '{ revisio }' })],
  ['a validation error, graphql-response+json', post({ query: '{ revisio }' }, GRAPHQL_RESPONSE)],
  ['a variable error', post({ query: READ, variables: {} }, GRAPHQL_RESPONSE)],
  ['a variable of the wrong type', post({ query: READ, variables: { ref: 'Pod/x' } })],
  [
    'a coded store error',
    post({ query: READ, variables: { ref: { version: 'v1', kind: 'Pod', name: '' } } }),
  ],
  [
    'a coded store error, graphql-response+json',
    post({ query: READ, variables: { ref: podRef('') } }, GRAPHQL_RESPONSE),
  ],
  ['an unexpected error, masked', post({ query: READ, variables: { ref: podRef('boom') } })],
  [
    'an unexpected error, graphql-response+json',
    post({ query: READ, variables: { ref: podRef('boom') } }, GRAPHQL_RESPONSE),
  ],
  [
    'a query over the depth limit',
    post({ query: `{ ${'resources { edges { node { '.repeat(5)}uid${' } } }'.repeat(5)} }` }),
  ],
  ['a body over the limit', post({ query: '{ revision }', variables: { pad: 'x'.repeat(70 * 1024) } })],
  ['a request id', post({ query: '{ revision }' }, { 'x-request-id': 'given-1' })],
];

/** Requests the lean path takes by their head but hands to yoga once it has read their body. */
const HANDED_OVER_CASES: [string, RequestInit][] = [
  ['a batch', post([{ query: '{ revision }' }, { query: '{ revision }' }])],
  ['invalid JSON', post('{"query": ')],
  ['an empty body', post('')],
  ['a JSON null', post('null')],
  ['a JSON string', post('"{ revision }"')],
  ['a byte order mark', post(`\ufeff${JSON.stringify({ query: '{ revision }' })}`)],
  ['no query', post({ variables: {} })],
  ['a query that is not a string', post({ query: 42 })],
  ['variables that are an array', post({ query: '{ revision }', variables: [] })],
  ['extensions that are a string', post({ query: '{ revision }', extensions: 'x' })],
  ['an operation name that is not a string', post({ query: '{ revision }', operationName: 1 })],
  ['an unknown param', post({ query: '{ revision }', other: 1 })],
  ['a __proto__ param', post('{"query":"{ revision }","__proto__":{"x":1}}')],
  ['a syntax error', post({ query: '{ revision ' })],
  ['a syntax error, graphql-response+json', post({ query: '{ revision ' }, GRAPHQL_RESPONSE)],
  ['an unknown operation name', post({ query: READ, operationName: 'Nope' })],
  ['several operations and no name', post({ query: `${READ} query Other { revision }` })],
  ['a query over the token limit', post({ query: `{${' revision'.repeat(1000)} }` }, GRAPHQL_RESPONSE)],
  [
    'a subscription',
    post({ query: 'subscription { resourceEvents { type } }' }, { accept: 'application/json' }),
  ],
];

/** Requests yoga serves from the start. */
const YOGA_CASES: [string, RequestInit][] = [
  ['a GET', { headers: { [CSRF_HEADER]: '1' } }],
  [
    'a text/plain POST without the CSRF header',
    post({ query: '{ revision }' }, { 'content-type': 'text/plain' }),
  ],
  [
    'a form POST',
    post('query=%7B%20revision%20%7D', { 'content-type': 'application/x-www-form-urlencoded' }),
  ],
  ['Content-Type in other letters', post({ query: '{ revision }' }, { 'content-type': 'Application/JSON' })],
  [
    'Content-Type graphql+json',
    post({ query: '{ revision }' }, { 'content-type': 'application/graphql+json' }),
  ],
  [
    'another charset',
    post({ query: '{ revision }' }, { 'content-type': 'application/json; charset=latin1' }),
  ],
  [
    'Accept of another charset',
    post({ query: '{ revision }' }, { accept: 'application/json; charset=latin1' }),
  ],
  ['Accept: text/event-stream', post({ query: '{ revision }' }, { accept: 'text/event-stream' })],
  ['Accept: application/xml', post({ query: '{ revision }' }, { accept: 'application/xml' })],
  ['Accept: multipart/mixed', post({ query: '{ revision }' }, { accept: 'multipart/mixed' })],
  ['a PUT', { ...post({ query: '{ revision }' }), method: 'PUT' }],
];

/** Checks every case against yoga and says which handler served each. */
async function assertSameAsYoga(
  pair: Pair,
  cases: [string, RequestInit][],
  handler: 'lean' | 'yoga',
  path = '',
) {
  for (const [name, init] of cases) {
    const before = pair.leanLines.filter((line) => line.msg === 'request').length;
    const lean = await answerOf(pair.lean.url + path, init);
    const yoga = await answerOf(pair.yoga.url + path, init);
    assert.deepEqual(lean, yoga, name);
    await eventually(() => pair.leanLines.filter((line) => line.msg === 'request').length > before);
    const line = pair.leanLines.filter((candidate) => candidate.msg === 'request').at(-1);
    assert.equal(line?.handler, handler, `${name}: served by ${String(line?.handler)}`);
  }
}

describe('lean HTTP path', () => {
  let base: Store;
  let pair: Pair;
  before(async () => {
    base = await openStore({ inMemory: true });
    await base.add({ ref: podRef('seen'), labels: { app: 'web' } });
    const store = instrument(base, {
      get: (ref) => {
        if (ref.name === 'boom') throw new Error('disk on fire');
        return base.get(ref);
      },
    });
    pair = await startPair(store, { limits: { maxBodyBytes: 64 * 1024 } });
  });
  after(async () => {
    await pair.close();
    await base.close();
  });

  it('should serve JSON POSTs itself, answering exactly as yoga does', async () => {
    await assertSameAsYoga(pair, LEAN_CASES, 'lean');
  });

  it('should hand yoga the requests only the body shows to be unusual, keeping its answers', async () => {
    await assertSameAsYoga(pair, HANDED_OVER_CASES, 'yoga');
  });

  it('should leave yoga every other request: GET, forms, other types and charsets, other methods', async () => {
    await assertSameAsYoga(pair, YOGA_CASES, 'yoga');
    await assertSameAsYoga(pair, [['a POST to another path', post({ query: '{ revision }' })]], 'yoga', '/');
  });

  it('should echo a plain request id and replace one that is not', async () => {
    const given = await fetch(pair.lean.url, post({ query: '{ revision }' }, { 'x-request-id': 'abc.42' }));
    assert.equal(given.headers.get('x-request-id'), 'abc.42');
    const forged = await fetch(pair.lean.url, post({ query: '{ revision }' }, { 'x-request-id': 'a"b' }));
    assert.match(forged.headers.get('x-request-id') ?? '', /^[0-9a-f]{12}-[0-9a-z]+$/);
  });
});

describe('lean HTTP path: fallbacks to yoga', () => {
  let pair: Pair;
  let store: Store;
  before(async () => {
    store = await openStore({ inMemory: true });
    pair = await startPair(store);
  });
  after(async () => {
    await pair.close();
    await store.close();
  });

  const lastHandler = () => pair.leanLines.filter((line) => line.msg === 'request').at(-1)?.handler;

  it('should answer a subscription over a JSON POST accepting only JSON as yoga does', async () => {
    const init = post({ query: 'subscription { resourceEvents { type } }' }, { accept: 'application/json' });
    const lean = await answerOf(pair.lean.url, init);
    assert.deepEqual(lean, await answerOf(pair.yoga.url, init));
    assert.equal(lean.status, 406, 'a stream cannot be one JSON result');
    await eventually(() => lastHandler() === 'yoga');
  });

  it('should answer a batched array body as yoga does (batching is off)', async () => {
    const init = post([{ query: '{ revision }' }]);
    const lean = await answerOf(pair.lean.url, init);
    assert.deepEqual(lean, await answerOf(pair.yoga.url, init));
    assert.equal(lean.status, 400);
    assert.match(JSON.stringify(lean.body), /Batching is not supported/);
    await eventually(() => lastHandler() === 'yoga');
  });

  it('should leave a GET to yoga', async () => {
    const url = `${pair.lean.url}?query=${encodeURIComponent('{ revision }')}`;
    const answer = await answerOf(url, { headers: { [CSRF_HEADER]: '1' } });
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, {
      data: { revision: String(store.revision) },
      extensions: costExtensions(0),
    });
    await eventually(() => lastHandler() === 'yoga');
  });

  it('should refuse a text/plain POST without the CSRF header with 403, as yoga does', async () => {
    const answer = await answerOf(
      pair.lean.url,
      post({ query: '{ revision }' }, { 'content-type': 'text/plain' }),
    );
    assert.equal(answer.status, 403);
    await eventually(() => lastHandler() === 'yoga');
  });

  /** The number of live subscriptions, from the metrics. */
  const subscribers = async () => {
    const text = await (await fetch(pair.lean.url.replace(/\/graphql$/, '/metrics'))).text();
    return Number(/^resource_store_subscribers (\d+)$/m.exec(text)?.[1]);
  };

  for (const [accept, what] of [
    ['text/event-stream', 'accepting server-sent events'],
    ['*/*', 'accepting anything (yoga streams a subscription then)'],
  ] as const) {
    it(`should stream a subscription to a client ${what}, and end it when the client goes away`, async () => {
      // yoga leaves the watch of a subscription it answered 406 open: count from what is live now.
      const live = await subscribers();
      const controller = new AbortController();
      const response = await fetch(pair.lean.url, {
        ...post({ query: 'subscription { resourceEvents { type resource { ref { name } } } }' }, { accept }),
        signal: controller.signal,
      });
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const name = `streamed-${accept.length}`;
      await store.add({ ref: podRef(name) });
      let text = '';
      while (!text.includes(name)) {
        const { value, done } = await reader.read();
        assert.equal(done, false, `the stream ended early: ${text}`);
        text += new TextDecoder().decode(value);
      }
      assert.match(text, /event: next/);
      assert.equal(await subscribers(), live + 1);
      controller.abort();
      await eventually(() => lastHandler() === 'yoga');
      // yoga notices a client gone at an event it writes once the connection is closed.
      for (let i = 0; i < 100 && (await subscribers()) !== live; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        await store.add({ ref: podRef(`${name}-after-${i}`) });
      }
      assert.equal(await subscribers(), live, 'the subscription ended with the request');
    });
  }
});

describe('lean HTTP path: authentication and CORS', () => {
  let store: Store;
  before(async () => {
    store = await openStore({ inMemory: true });
  });
  after(() => store.close());

  it('should authenticate as yoga does: 401 without a valid token, the principal rules with one', async () => {
    const auth = {
      principals: [
        {
          name: 'reader',
          tokens: ['reader-token-0123456789'],
          rules: [{ verbs: ['get' as const], namespaces: ['*'], kinds: ['*'] }],
        },
      ],
    };
    const pair = await startPair(store, { auth });
    try {
      const token = { authorization: 'Bearer reader-token-0123456789' };
      await assertSameAsYoga(
        pair,
        [
          ['no token', post({ query: '{ revision }' })],
          [
            'an unknown token',
            post({ query: '{ revision }' }, { authorization: 'Bearer nope-nope-nope-nope' }),
          ],
          [
            'no token and a body over the limit',
            post({ query: '{ revision }', variables: { pad: 'x'.repeat(5e6) } }),
          ],
          ['a valid token', post({ query: '{ revision }' }, token)],
          [
            'a write the principal may not do',
            post(
              {
                query:
                  'mutation { addResource(input: { ref: { version: "v1", kind: "Pod", name: "p" } }) { version } }',
              },
              token,
            ),
          ],
        ],
        'lean',
      );
    } finally {
      await pair.close();
    }
  });

  it('should add the CORS headers yoga adds, for allowed, foreign and absent origins', async () => {
    for (const corsOrigins of [
      ['http://app.example'],
      ['http://app.example', 'http://other.example'],
      ['*'],
    ]) {
      const pair = await startPair(store, { corsOrigins });
      try {
        await assertSameAsYoga(
          pair,
          [
            ['an allowed origin', post({ query: '{ revision }' }, { origin: 'http://app.example' })],
            ['a foreign origin', post({ query: '{ revision }' }, { origin: 'http://evil.example' })],
            ['no origin', post({ query: '{ revision }' })],
            [
              'an error to an allowed origin',
              post({ query: '{ revisio }' }, { origin: 'http://app.example' }),
            ],
          ],
          'lean',
        );
      } finally {
        await pair.close();
      }
    }
  });
});

describe('lean HTTP path: serialization and the body', () => {
  it('should serialize each finished result with the stringify option, in one call', async () => {
    const store = await openStore({ inMemory: true });
    const seen: unknown[] = [];
    const server = await startServer({
      store,
      app: {
        stringify: (result) => {
          seen.push(result);
          return JSON.stringify(result);
        },
      },
    });
    try {
      assert.deepEqual(await server.request('{ revision }'), {
        data: { revision: '0' },
        extensions: costExtensions(0),
      });
      const failed = await server.request('{ revisio }');
      assert.match(failed.errors?.[0]?.message ?? '', /Cannot query field/);
      assert.equal(seen.length, 2);
      const errors = (seen[1] as { errors: { toJSON(): { extensions?: Record<string, unknown> } }[] }).errors;
      assert.equal(errors[0]?.toJSON().extensions?.http, undefined, 'internals are stripped before');
    } finally {
      await server.close();
      await store.close();
    }
  });

  it('should refuse a declared length over the limit before reading the body, and close the connection', async () => {
    const server = await startServer({ app: { limits: { maxBodyBytes: 1024 } } });
    try {
      const { status, body, closed } = await new Promise<{ status: number; body: string; closed: boolean }>(
        (resolve, reject) => {
          const request = httpRequest(server.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'content-length': String(2 ** 30) },
          });
          request.on('response', (response) => {
            let text = '';
            response.setEncoding('utf8').on('data', (chunk: string) => {
              text += chunk;
            });
            response.on('end', () =>
              resolve({
                status: response.statusCode ?? 0,
                body: text,
                closed: response.headers.connection === 'close',
              }),
            );
          });
          request.on('error', (error: NodeJS.ErrnoException) => {
            if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
          });
          request.write('{"query":');
        },
      );
      assert.equal(status, 413);
      assert.equal(
        (JSON.parse(body) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code,
        'PAYLOAD_TOO_LARGE',
      );
      assert.equal(closed, true);
    } finally {
      await server.close();
    }
  });
});

describe('lean HTTP path: shutdown', () => {
  it('should let a JSON POST in flight finish when the app stops, and close after it', async () => {
    const base = await openStore({ inMemory: true });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started!: () => void;
    const writing = new Promise<void>((resolve) => {
      started = resolve;
    });
    const store = instrument(base, {
      add: async (input) => {
        started();
        await gate;
        return base.add(input);
      },
    });
    const server = await startServer({ store });
    try {
      const add =
        'mutation { addResource(input: { ref: { version: "v1", kind: "Pod", name: "late" } }) { version } }';
      const inFlight = fetch(server.url, post({ query: add }));
      await writing;
      const stopped = server.app.stop();
      let stoppedEarly = false;
      void stopped.then(() => {
        stoppedEarly = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(stoppedEarly, false, 'stop waits for the request in flight');
      release();
      const response = await inFlight;
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), {
        data: { addResource: { version: 1 } },
        extensions: costExtensions(1),
      });
      await stopped;
      await assert.rejects(fetch(server.url, post({ query: '{ revision }' })), 'nothing listens any more');
    } finally {
      await server.close();
      await base.close();
    }
  });
});

describe('lean HTTP path: clients that go away', () => {
  it('should end the body read of a request whose client went away before it began (as during a token check)', async () => {
    const read = new Promise<unknown>((resolve) => {
      const server = createServer((request) => {
        request.destroy();
        request.once('close', () => {
          // What the lean path meets when the socket closed while the token was being checked.
          readNodeBody(request, 1024).then(
            () => resolve('resolved'),
            (error: Error) => resolve(error.message),
          );
          server.close();
        });
      });
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        const socket = connect(port, '127.0.0.1');
        socket.on('error', () => {});
        socket.write(
          'POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{',
        );
      });
    });
    const outcome = await Promise.race([
      read,
      new Promise((resolve) => setTimeout(() => resolve('hung'), 2000)),
    ]);
    assert.equal(outcome, 'the client closed the request before its body ended');
  });
});
