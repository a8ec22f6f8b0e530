/**
 * Bad input over real HTTP GraphQL requests (fast-check, fixed seed): refs with empty, oversized,
 * NUL, control-character or unpaired-surrogate parts, keys over LMDB's 1,978-byte limit, invalid
 * label selectors, invalid revisions and wrongly typed variables. Each answer is a GraphQL error
 * coded BAD_USER_INPUT (or a validation error for a wrong literal): never a 5xx, never a masked
 * "Unexpected error.", and the store's contents do not change.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Store } from '../../src/store/index.ts';
import { startServer, type TestServer } from '../schema/helpers.ts';

const SEED = 20_251_106;
const RUNS = 100;
/** LMDB refuses keys longer than this. */
const LMDB_MAX_KEY = 1978;

/** A hash of every resource and relationship, and the revision: any write changes it. */
function checksum(store: Store): string {
  const hash = createHash('sha256');
  hash.update(`revision ${store.revision}\n`);
  for (let page = store.list({ limit: 1000 }); ; page = store.list({ limit: 1000, after: page.endCursor })) {
    for (const resource of page.items) hash.update(`${JSON.stringify(resource)}\n`);
    if (!page.hasNextPage) break;
  }
  for (let page = store.relationships({}, { limit: 1000 }); ; ) {
    for (const relationship of page.items) hash.update(`${JSON.stringify(relationship)}\n`);
    if (!page.hasNextPage || page.endCursor === null) break;
    page = store.relationships({}, { limit: 1000, after: page.endCursor });
  }
  return hash.digest('hex');
}

const GOOD_REF = { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'fuzz', name: 'web' };
const REF_PARTS = ['group', 'version', 'kind', 'namespace', 'name'] as const;
/** Parts that may be empty (the core group, cluster scope). */
const MAY_BE_EMPTY = new Set(['group', 'namespace']);

/** Strings no ref part accepts. */
const badPart = fc.oneof(
  fc.constant(''),
  fc.string({ minLength: 0, maxLength: 8 }).map((s) => `${s}\u0000${s}`),
  fc.integer({ min: 1, max: 0x1f }).map((code) => `a${String.fromCharCode(code)}b`),
  fc.constant('x\u007f'),
  fc.constantFrom('\ud800', 'a\udc00b', '\udfff\ud800', `${'\ud83d'}x`),
  // Over the part's limit (253 bytes at most), in ASCII and in multi-byte characters.
  fc.integer({ min: 254, max: 3000 }).map((n) => 'n'.repeat(n)),
  fc.integer({ min: 64, max: 600 }).map((n) => '🦀'.repeat(n)),
  fc.integer({ min: 128, max: 1000 }).map((n) => 'é'.repeat(n)),
  // Longer than any LMDB key.
  fc.constant('k'.repeat(LMDB_MAX_KEY + 1)),
);

/** A ref with one bad part (empty only where a part must not be empty). */
const badRef = fc
  .tuple(fc.constantFrom(...REF_PARTS), badPart)
  .filter(([part, value]) => !(value === '' && MAY_BE_EMPTY.has(part)))
  .map(([part, value]) => ({ ...GOOD_REF, [part]: value }));

const RESOURCE_FIELDS = 'ref { name } version';
/** Operations that take a ref, as (query, variables of the ref). */
const refOperations: ((ref: object) => [string, Record<string, unknown>])[] = [
  (ref) => [`query Q($ref: ResourceRefInput!) { resource(ref: $ref) { ${RESOURCE_FIELDS} } }`, { ref }],
  (ref) => [
    `mutation M($input: ResourceInput!) { addResource(input: $input) { ${RESOURCE_FIELDS} } }`,
    { input: { ref } },
  ],
  (ref) => [
    `mutation M($input: ResourceInput!) { applyResource(input: $input) { ${RESOURCE_FIELDS} } }`,
    { input: { ref, labels: { app: 'x' } } },
  ],
  (ref) => [
    `mutation M($input: ResourceInput!) { updateResource(input: $input, expectedVersion: 1) { ${RESOURCE_FIELDS} } }`,
    { input: { ref } },
  ],
  (ref) => [`mutation M($ref: ResourceRefInput!) { deleteResource(ref: $ref) { revision } }`, { ref }],
  (ref) => [
    'mutation M($r: [RelationshipInput!]!) { addRelationships(relationships: $r) { revision } }',
    { r: [{ subject: GOOD_REF, predicate: { type: 'DependsOn' }, object: ref }] },
  ],
  (ref) => [
    'mutation M($ops: [OperationInput!]!) { transaction(operations: $ops) { revision } }',
    { ops: [{ addResource: { ref: { ...GOOD_REF, name: 'in-txn' } } }, { addResource: { ref } }] },
  ],
];

/** Other keys over LMDB's limit: a uid, a predicate type, a label. */
const oversizedKeys = fc
  .integer({ min: LMDB_MAX_KEY - 100, max: 4 * LMDB_MAX_KEY })
  .chain((n) =>
    fc.constantFrom<[string, Record<string, unknown>]>(
      [
        'mutation M($input: ResourceInput!) { addResource(input: $input) { version } }',
        { input: { ref: { ...GOOD_REF, name: 'uid' }, uid: 'u'.repeat(n) } },
      ],
      [
        'mutation M($r: [RelationshipInput!]!) { addRelationships(relationships: $r) { revision } }',
        { r: [{ subject: GOOD_REF, predicate: { type: 'P'.repeat(n) }, object: GOOD_REF }] },
      ],
      [
        'mutation M($input: ResourceInput!) { addResource(input: $input) { version } }',
        { input: { ref: { ...GOOD_REF, name: 'label' }, labels: { ['l'.repeat(n)]: 'v' } } },
      ],
      [
        'mutation M($input: ResourceInput!) { addResource(input: $input) { version } }',
        { input: { ref: { ...GOOD_REF, name: 'label' }, labels: { app: 'v'.repeat(n) } } },
      ],
      ['query Q($uid: String!) { resourceByUid(uid: $uid) { version } }', { uid: 'u'.repeat(n) }],
      [
        'query Q($p: String!) { relationships(predicate: $p, first: 1) { totalCount } }',
        { p: `P${'\u0000'.repeat(n)}` },
      ],
    ),
  );

/** Label selectors that do not parse or name an invalid key or value. */
const badSelector = fc
  .tuple(
    fc.constantFrom('', 'app=web, ', 'tier, ', '!gone, '),
    fc.constantFrom(
      'a in (',
      'a in ()',
      'a in (x,,y)',
      'a notin',
      '=b',
      '!!a',
      'a b',
      'a=(b)',
      '(a)',
      ',',
      'a=b,',
      'a > x',
      'a < 1.5',
      'a > 99999999999999999999',
      '-a=b',
      'a/b/c=d',
      `${'k'.repeat(64)}=v`,
      `a=${'v'.repeat(64)}`,
      'a=\u0000',
      'A.io/b=c',
      'a in (x) y',
    ),
  )
  .map(([prefix, broken]) => prefix + broken);

/** Revisions the `Revision` scalar refuses. */
const badRevision = fc.oneof(
  fc.integer({ min: -(2 ** 31), max: -1 }),
  fc.integer({ min: -(2 ** 31), max: -1 }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Number.isInteger(x)),
  fc.constantFrom('', ' 1', '1 ', '01', '+1', '1.0', '1e3', '0x10', 'abc', '-0', '١٢', 'Infinity', 'NaN'),
  fc.bigInt({ min: 2n ** 53n, max: 2n ** 70n }).map(String),
  fc.constant(2 ** 53),
  fc.constant(Number.MAX_VALUE),
);

/** Variables of the wrong type for their operation. */
const wrongTypes = fc.constantFrom<[string, Record<string, unknown>]>(
  ['query Q($ref: ResourceRefInput!) { resource(ref: $ref) { version } }', { ref: 'apps/v1/Deployment' }],
  ['query Q($ref: ResourceRefInput!) { resource(ref: $ref) { version } }', { ref: 42 }],
  ['query Q($ref: ResourceRefInput!) { resource(ref: $ref) { version } }', { ref: [GOOD_REF] }],
  ['query Q($ref: ResourceRefInput!) { resource(ref: $ref) { version } }', { ref: { ...GOOD_REF, name: 7 } }],
  [
    'query Q($ref: ResourceRefInput!) { resource(ref: $ref) { version } }',
    { ref: { ...GOOD_REF, extra: 1 } },
  ],
  ['query Q($ref: ResourceRefInput!) { resource(ref: $ref) { version } }', {}],
  ['query Q($n: Int) { resources(first: $n) { totalCount } }', { n: 'ten' }],
  ['query Q($n: Int) { resources(first: $n) { totalCount } }', { n: 2 ** 40 }],
  ['query Q($n: Int) { resources(first: $n) { totalCount } }', { n: 1.5 }],
  [
    'mutation M($input: ResourceInput!, $v: Int!) { updateResource(input: $input, expectedVersion: $v) { version } }',
    { input: { ref: GOOD_REF }, v: 'one' },
  ],
  [
    'mutation M($input: ResourceInput!) { addResource(input: $input) { version } }',
    { input: { ref: { ...GOOD_REF, name: 'typed' }, labels: 'app=web' } },
  ],
  [
    'mutation M($ref: ResourceRefInput!, $d: Boolean) { deleteResource(ref: $ref, dryRun: $d) { revision } }',
    { ref: GOOD_REF, d: 'yes' },
  ],
  ['query Q($s: String) { resources(labelSelector: $s) { totalCount } }', { s: { app: 'web' } }],
);

/** What every bad request must get. */
function assertRejected(
  status: number,
  body: { errors?: { message: string; extensions?: { code?: string } }[] },
  codes: string[],
) {
  assert.ok(status < 500, `HTTP ${status}: ${JSON.stringify(body).slice(0, 300)}`);
  const errors = body.errors ?? [];
  assert.ok(errors.length > 0, `no error: ${JSON.stringify(body).slice(0, 300)}`);
  for (const error of errors) {
    assert.notEqual(error.message, 'Unexpected error.', 'a masked unexpected error');
    const code = error.extensions?.code;
    assert.ok(codes.includes(String(code)), `code ${code}: ${error.message.slice(0, 200)}`);
  }
}

describe('bad input over HTTP', () => {
  let server: TestServer;
  let before_: string;
  let requests = 0;

  async function post(query: string, variables: Record<string, unknown>) {
    requests++;
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query, variables }),
    });
    const text = await response.text();
    let body: { errors?: { message: string; extensions?: { code?: string } }[] };
    try {
      body = JSON.parse(text);
    } catch {
      assert.fail(`HTTP ${response.status}, not JSON: ${text.slice(0, 200)}`);
    }
    return { status: response.status, body };
  }

  /** Runs a property of bad requests; the store must be exactly as before after it. */
  async function check<T>(
    t: { diagnostic(message: string): void },
    name: string,
    arbitrary: fc.Arbitrary<T>,
    request: (value: T) => [string, Record<string, unknown>],
    codes: string[],
  ) {
    const start = requests;
    await fc.assert(
      fc.asyncProperty(arbitrary, async (value) => {
        const [query, variables] = request(value);
        const { status, body } = await post(query, variables);
        assertRejected(status, body, codes);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    assert.equal(checksum(server.store), before_, `${name}: the store changed`);
    t.diagnostic(`${name}: ${requests - start} requests rejected, store checksum unchanged`);
  }

  before(async () => {
    server = await startServer();
    // Some state to keep: resources with labels and an edge between them.
    await server.store.add({ ref: GOOD_REF, labels: { app: 'web', tier: 'front' } });
    await server.store.add({
      ref: { ...GOOD_REF, kind: 'ReplicaSet', name: 'web-1' },
      labels: { app: 'web' },
    });
    await server.store.addRelationships([
      {
        subject: GOOD_REF,
        predicate: { type: 'DependsOn' },
        object: { ...GOOD_REF, kind: 'ReplicaSet', name: 'web-1' },
      },
    ]);
    before_ = checksum(server.store);
  });
  after(() => server.close());

  it('should reject refs with bad parts in every operation that takes one', async (t) => {
    await check(
      t,
      'bad refs',
      fc.tuple(badRef, fc.nat(refOperations.length - 1)),
      ([ref, which]) => refOperations[which]!(ref),
      ['BAD_USER_INPUT'],
    );
  });

  it('should reject keys over LMDB’s limit before they reach LMDB', async (t) => {
    await check(t, 'oversized keys', oversizedKeys, (request) => request, ['BAD_USER_INPUT']);
  });

  it('should reject invalid label selectors in listings and subscriptions', async (t) => {
    await check(
      t,
      'label selectors',
      fc.tuple(badSelector, fc.boolean()),
      ([selector, listing]) =>
        listing
          ? ['query Q($s: String) { resources(labelSelector: $s) { totalCount } }', { s: selector }]
          : ['subscription S($s: String) { resourceEvents(labelSelector: $s) { type } }', { s: selector }],
      ['BAD_USER_INPUT'],
    );
  });

  it('should reject invalid revisions, as variables and as literals', async (t) => {
    await check(
      t,
      'revisions',
      fc.tuple(badRevision, fc.boolean()),
      ([revision, literal]) =>
        literal
          ? [`subscription S { resourceEvents(since: ${JSON.stringify(String(revision))}) { type } }`, {}]
          : [
              'subscription S($since: Revision) { resourceEvents(since: $since) { type } }',
              { since: revision },
            ],
      ['BAD_USER_INPUT'],
    );
  });

  it('should reject variables of the wrong type', async (t) => {
    // A variable that cannot be coerced to its declared type is BAD_USER_INPUT before execution.
    await check(t, 'wrong types', wrongTypes, (request) => request, [
      'BAD_USER_INPUT',
      'GRAPHQL_VALIDATION_FAILED',
    ]);
  });
});
