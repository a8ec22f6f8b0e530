/**
 * Tokens that end, over real HTTP and graphql-ws clients: a websocket authenticated with a JWT is
 * closed (4403 `Token expired`) when the token expires, and nothing it was sent was written after
 * that; `app.reloadAuth()` takes a removed token away from new requests and from its open sockets,
 * applies changed rules to new operations, and keeps the configuration in place when the new one is
 * bad.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { type Client, createClient } from 'graphql-ws';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { type AuthConfig, AuthConfigError } from '../../src/auth/index.ts';
import { capturingLogger, eventually, podRef, startServer, type TestServer } from '../schema/helpers.ts';

const SECRET = 'a-test-secret-of-at-least-32-bytes!!';
const ALICE = 'alice-token-0123456789';
const BOB = 'bob-token-0123456789ab';
const everything = [{ verbs: ['*' as const], namespaces: ['*'], kinds: ['*'] }];

const CONFIG: AuthConfig = {
  principals: [
    { name: 'alice', tokens: [ALICE], rules: everything },
    { name: 'bob', tokens: [BOB], rules: everything },
    { name: 'carol', rules: everything },
  ],
  jwt: { algorithm: 'HS256', secret: SECRET },
};

function jwt(subject: string, exp: number, secret = SECRET): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(secret));
}

/** A live subscription to resource events over a graphql-ws client, and how its socket closed. */
interface Watcher {
  readonly client: Client;
  /** The `at` label of every event received, with when it arrived. */
  readonly events: { at: number; name: string }[];
  /** Resolves with the socket's close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Resolves when the subscription errs or completes. */
  readonly ended: Promise<void>;
}

function watch(server: TestServer, token: string): Watcher {
  const client = createClient({
    url: server.wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${token}` },
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    client.on('closed', (event) => {
      const { code, reason } = event as { code: number; reason: string };
      resolve({ code, reason });
    }),
  );
  const events: Watcher['events'] = [];
  const ended = new Promise<void>((resolve) => {
    client.subscribe(
      { query: 'subscription { resourceEvents { resource { ref { name } labels } } }' },
      {
        next: (result) => {
          const { resource } = (
            result.data as { resourceEvents: { resource: { ref: { name: string }; labels: { at: string } } } }
          ).resourceEvents;
          events.push({ at: Number(resource.labels.at), name: resource.ref.name });
        },
        error: () => resolve(),
        complete: () => resolve(),
      },
    );
  });
  return { client, events, closed, ended };
}

/** Writes until `watcher` has received an event named `name`: the subscription is live. */
async function live(server: TestServer, watcher: Watcher, name: string): Promise<void> {
  for (let i = 0; !watcher.events.some((event) => event.name === name); i++) {
    await server.store.apply({ ref: podRef(name), labels: { at: String(Date.now()), i: String(i) } });
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function status(server: TestServer, token: string): Promise<number> {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: '{ resources { totalCount } }' }),
  });
  await response.body?.cancel();
  return response.status;
}

describe('auth: tokens that end', () => {
  const servers: TestServer[] = [];
  const clients: Client[] = [];
  after(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await Promise.all(servers.map((server) => server.close()));
  });
  const start = async (options: Parameters<typeof startServer>[0] = {}) => {
    const server = await startServer({ ...options, app: { auth: CONFIG, ...options.app } });
    servers.push(server);
    return server;
  };
  const watcher = (server: TestServer, token: string) => {
    const w = watch(server, token);
    clients.push(w.client);
    return w;
  };

  it('should close a websocket with 4403 when its JWT expires, having sent nothing written after exp', async () => {
    const server = await start();
    const exp = Math.floor(Date.now() / 1000) + 2;
    const token = await jwt('carol', exp);
    const carol = watcher(server, token);
    const forever = watcher(server, ALICE);
    await live(server, carol, 'warm-up');
    await live(server, forever, 'warm-up');
    // A write every 25 ms, each labelled with when it was made, until well after the socket closed.
    let closedAt: number | null = null;
    void carol.closed.then(() => {
      closedAt = Date.now();
    });
    const giveUp = exp * 1000 + 5000;
    for (let i = 0; closedAt === null ? Date.now() < giveUp : Date.now() < closedAt + 300; i++) {
      await server.store.add({ ref: podRef(`w${i}`), labels: { at: String(Date.now()) } });
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.ok(closedAt !== null, 'the socket was closed after exp');
    assert.deepEqual(await carol.closed, { code: 4403, reason: 'Token expired' });
    await carol.ended;
    const deadline = exp * 1000;
    assert.ok(
      carol.events.filter((event) => event.name.startsWith('w')).length > 0,
      'events flowed before exp',
    );
    const late = carol.events.filter((event) => event.at >= deadline);
    assert.deepEqual(late, [], 'nothing written at or after exp reached the socket');
    assert.ok(
      forever.events.some((event) => event.at >= deadline),
      'a socket with a static token kept receiving',
    );
    assert.equal(await status(server, token), 401, 'the expired JWT fails over HTTP too');
  });

  it('should take a removed token away from new requests and its open sockets on reload', async () => {
    const { logger, lines } = capturingLogger();
    const server = await start({ app: { logger } });
    const alice = watcher(server, ALICE);
    const bob = watcher(server, BOB);
    await live(server, alice, 'a1');
    await live(server, bob, 'b1');
    const reload = await server.app.reloadAuth({ ...CONFIG, principals: CONFIG.principals!.slice(1) });
    assert.deepEqual(reload, { principals: 2, socketsClosed: 1 });
    assert.deepEqual(await alice.closed, { code: 4403, reason: 'Token no longer valid' });
    await alice.ended;
    assert.equal(await status(server, ALICE), 401);
    assert.equal(await status(server, BOB), 200);
    const received = alice.events.length;
    await live(server, bob, 'b2');
    assert.equal(alice.events.length, received, 'nothing more reached the closed socket');
    const again = watcher(server, ALICE);
    assert.equal((await again.closed).code, 4403, 'a new socket with the removed token is refused');
    assert.ok(lines.some((line) => /auth reloaded: 2 principals, 1 websockets closed/.test(line.msg)));
  });

  it('should apply changed rules to new operations, closing the sockets of the principal they changed', async () => {
    const server = await start();
    await server.store.add({ ref: podRef('in-default') });
    await server.store.add({ ref: podRef('in-other', 'other') });
    const bob = watcher(server, BOB);
    const alice = watcher(server, ALICE);
    await live(server, bob, 'b1');
    await live(server, alice, 'a1');
    const narrowed = CONFIG.principals!.map((principal) =>
      principal.name === 'bob'
        ? { ...principal, rules: [{ verbs: ['*' as const], namespaces: ['other'], kinds: ['*'] }] }
        : principal,
    );
    assert.equal((await server.app.reloadAuth({ ...CONFIG, principals: narrowed })).socketsClosed, 1);
    assert.deepEqual(await bob.closed, { code: 4403, reason: 'Authorization changed' });
    const count = async (token: string) => {
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ resources { totalCount } }' }),
      });
      return ((await response.json()) as { data: { resources: { totalCount: number } } }).data.resources
        .totalCount;
    };
    assert.equal(await count(BOB), 1, 'only what the new rules allow');
    assert.equal(await count(ALICE), server.store.count());
    await live(server, alice, 'a2');
    assert.equal(
      alice.events.at(-1)?.name,
      'a2',
      "alice's socket, whose rules did not change, kept streaming",
    );
  });

  it('should keep the configuration in place when the new one is bad, logging why', async () => {
    const { logger, lines } = capturingLogger();
    const server = await start({ app: { logger } });
    const alice = watcher(server, ALICE);
    await live(server, alice, 'a1');
    await assert.rejects(server.app.reloadAuth({ principals: [] }), AuthConfigError);
    await assert.rejects(
      server.app.reloadAuth(() => {
        throw new AuthConfigError('auth file x: cannot be read');
      }),
      /cannot be read/,
    );
    assert.equal(await status(server, ALICE), 200);
    await live(server, alice, 'a2');
    const errors = lines.filter((line) => line.level >= 50 && /auth not reloaded/.test(line.msg));
    assert.equal(errors.length, 2);
    assert.match(errors[0]!.msg, /nobody could authenticate/);
  });

  it('should close the sockets of JWTs the rotated key no longer verifies', async () => {
    const server = await start();
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const old = watcher(server, await jwt('carol', exp));
    await live(server, old, 'c1');
    const rotated = 'a-rotated-secret-of-at-least-32-bytes';
    await server.app.reloadAuth({ ...CONFIG, jwt: { algorithm: 'HS256', secret: rotated } });
    assert.equal((await old.closed).reason, 'Token no longer valid');
    const fresh = watcher(server, await jwt('carol', exp, rotated));
    await live(server, fresh, 'c2');
    await eventually(() => fresh.events.length > 0);
  });

  it('should refuse a reload on an app started without auth', async () => {
    const server = await startServer();
    servers.push(server);
    await assert.rejects(server.app.reloadAuth(CONFIG), /auth is off/);
  });
});
