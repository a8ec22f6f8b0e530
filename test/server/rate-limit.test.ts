/**
 * The cost budget per principal (`rateLimitCost`) over real HTTP (the lean path and yoga's) and the
 * websocket: admitted operations spend their estimated cost; past the budget, RATE_LIMITED with
 * `retryAfterSeconds` (429 and Retry-After over HTTP, an `error` for the operation on a socket); the
 * budget refills; principals (by token) have budgets of their own. And the buckets alone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AuthConfig } from '../../src/server/auth.ts';
import { CostBuckets } from '../../src/server/cost-buckets.ts';
import { RATE_LIMITED } from '../../src/server/use-rate-limit.ts';
import { type Response, startServer, subscribe, type TestServer } from '../schema/helpers.ts';

/** A listing of ten resources: it costs 21 (the connection, its ten edges and their nodes). */
const QUERY = '{ resources(first: 10) { edges { node { uid } } } }';
const COST = 21;
/** 600 a minute: ten a second, so a refused operation of cost 21 may retry within three seconds. */
const PER_MINUTE = 600;

/** One operation over HTTP: its status, its Retry-After header, its answer. */
async function send(
  url: string,
  method: 'POST' | 'GET',
  token?: string,
): Promise<{ status: number; retryAfter: string | null; answer: Response<unknown> }> {
  const headers: Record<string, string> = {
    accept: 'application/graphql-response+json',
    'x-graphql-yoga-csrf': '1',
    ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
  };
  const response =
    method === 'POST'
      ? await fetch(url, {
          method,
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ query: QUERY }),
        })
      : await fetch(`${url}?query=${encodeURIComponent(QUERY)}`, { headers });
  const answer = (await response.json()) as Response<unknown>;
  return { status: response.status, retryAfter: response.headers.get('retry-after'), answer };
}

/** Sends the query until it is refused (bounded by what the budget can hold); returns the refusal. */
async function spendAll(url: string, token?: string) {
  for (let sent = 0; sent <= PER_MINUTE / COST + 5; sent++) {
    const reply = await send(url, 'POST', token);
    if (reply.status !== 200) return { ...reply, admitted: sent };
    assert.equal(
      (reply.answer as { extensions?: { cost?: { requested: number } } }).extensions?.cost?.requested,
      COST,
    );
  }
  assert.fail('the budget never ran out');
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the cost budget per client', () => {
  let server: TestServer;

  before(async () => {
    server = await startServer({ app: { rateLimitCost: PER_MINUTE } });
  });

  after(() => server.close());

  it('should answer 429 with Retry-After and retryAfterSeconds once the client has spent its budget', async () => {
    const refused = await spendAll(server.url);
    // 600 hold 28 operations of 21, and a few more refill while they run.
    assert.ok(refused.admitted >= Math.floor(PER_MINUTE / COST), `${refused.admitted} admitted`);
    assert.ok(refused.admitted <= Math.floor(PER_MINUTE / COST) + 3, `${refused.admitted} admitted`);
    assert.equal(refused.status, 429);
    const [error] = refused.answer.errors ?? [];
    assert.equal(error?.extensions?.code, RATE_LIMITED);
    const retryAfterSeconds = error?.extensions?.retryAfterSeconds as number;
    assert.ok(Number.isInteger(retryAfterSeconds) && retryAfterSeconds >= 1 && retryAfterSeconds <= 3);
    assert.equal(refused.retryAfter, String(retryAfterSeconds));
    assert.equal(refused.answer.data, undefined);
    // yoga's path shares the budget: the same client is refused there too.
    const overYoga = await send(server.url, 'GET');
    assert.equal(overYoga.status, 429);
    assert.equal(overYoga.answer.errors?.[0]?.extensions?.code, RATE_LIMITED);
    assert.ok(overYoga.retryAfter !== null && Number(overYoga.retryAfter) >= 1);
  });

  it('should refuse an operation over the websocket with an error for it alone, and refill', async () => {
    await spendAll(server.url);
    const client = server.connect();
    const refused = subscribe(client, QUERY);
    assert.equal(await refused.completed(), true);
    const [error] = refused.failure ?? [];
    assert.equal(error?.extensions?.code, RATE_LIMITED);
    assert.equal(error?.extensions?.http, undefined);
    const retryAfterSeconds = error?.extensions?.retryAfterSeconds as number;
    await wait(retryAfterSeconds * 1000);
    const admitted = subscribe(client, QUERY);
    const result = await admitted.next();
    assert.equal(result.errors, undefined);
    assert.equal(admitted.failure, null);
    // Over HTTP too: refused while the socket's spending refills, admitted after Retry-After.
    const again = await send(server.url, 'POST');
    if (again.status === 429) await wait(Number(again.retryAfter) * 1000);
    assert.equal((await send(server.url, 'POST')).status, 200);
  });
});

describe('the cost budget per principal', () => {
  const tokens = { a: 'token-of-principal-a', b: 'token-of-principal-b' };
  const everything = [{ verbs: ['*'], namespaces: ['*'], kinds: ['*'] }];
  const auth = {
    principals: Object.entries(tokens).map(([name, token]) => ({ name, tokens: [token], rules: everything })),
  } as AuthConfig;
  let server: TestServer;

  before(async () => {
    server = await startServer({ app: { rateLimitCost: PER_MINUTE, auth } });
  });

  after(() => server.close());

  it('should spend each principal its own budget, wherever it connects from', async () => {
    const refused = await spendAll(server.url, tokens.a);
    assert.equal(refused.status, 429);
    assert.equal((await send(server.url, 'POST', tokens.b)).status, 200);
    assert.equal((await send(server.url, 'GET', tokens.a)).status, 429);
  });
});

describe('cost buckets', () => {
  it('should admit what the bucket holds, then say when the rest will have refilled', () => {
    const buckets = new CostBuckets(60); // one a second
    assert.deepEqual(buckets.spend('x', 50), { admitted: true, remaining: 10 });
    const refused = buckets.spend('x', 20);
    assert.equal(refused.admitted, false);
    assert.ok(!refused.admitted && refused.retryAfterSeconds >= 9 && refused.retryAfterSeconds <= 10);
    assert.equal(buckets.spend('x', 10).admitted, true);
    assert.equal(buckets.spend('y', 60).admitted, true, 'every key has a bucket of its own');
  });

  it('should admit an operation costing more than a whole bucket into a full one, leaving it in debt', () => {
    const buckets = new CostBuckets(60);
    assert.equal(buckets.spend('x', 100).admitted, true);
    const refused = buckets.spend('x', 1);
    assert.ok(!refused.admitted && refused.retryAfterSeconds >= 41, JSON.stringify(refused));
    buckets.spend('y', 1);
    const notFull = buckets.spend('y', 100);
    assert.ok(!notFull.admitted && notFull.retryAfterSeconds >= 1, 'only a full bucket takes it');
  });

  it('should keep no bucket for what spends nothing, and at most maxBuckets', () => {
    const buckets = new CostBuckets(60, 100);
    buckets.spend('free', 0);
    assert.equal(buckets.size, 0);
    for (let n = 0; n < 1000; n++) buckets.spend(`address ${n}`, 1);
    assert.equal(buckets.size, 100);
    assert.equal(buckets.spend('address 999', 59).admitted, true, 'the newest are kept');
    assert.equal(buckets.spend('address 999', 1).admitted, false);
    assert.equal(buckets.spend('address 0', 60).admitted, true, 'the oldest were dropped: full again');
  });

  it('should refuse a budget that is not a positive number', () => {
    assert.throws(() => new CostBuckets(0), RangeError);
    assert.throws(() => new CostBuckets(Number.NaN), RangeError);
  });
});
