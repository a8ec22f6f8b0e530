import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { graphql } from 'graphql';
import { schema } from '../../src/schema/index.ts';
import { nodeRef, podRef, type Response, startServer, type TestServer } from '../schema/helpers.ts';

/** Queries whose compiled answers must equal graphql-js's, with their variables. */
const QUERIES: [string, Record<string, unknown>][] = [
  [
    'query R($ref: ResourceRefInput!) { resource(ref: $ref) { uid version labels annotations data ref { group kind name namespace } } }',
    // `group` and `namespace` are left to their input-field defaults.
    { ref: { version: 'v1', kind: 'Node', name: 'node-1' } },
  ],
  [
    'query L($first: Int) { resources(type: { kind: "Pod" }, first: $first) { totalCount edges { cursor node { ...F } } pageInfo { hasNextPage endCursor } } } fragment F on Resource { name: ref { name } v: version labels }',
    { first: 3 },
  ],
  [
    'query E($ref: ResourceRefInput!, $withData: Boolean!) { resource(ref: $ref) { __typename data @include(if: $withData) relationships { edges { node { predicate { type } objectRef { name } object { uid } } } } } }',
    { ref: podRef('web-1'), withData: false },
  ],
  [
    '{ types { kind count } missing: resource(ref: { version: "v1", kind: "Pod", name: "nope" }) { uid } }',
    {},
  ],
];

describe('compiled queries', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
    await server.store.add({
      ref: nodeRef('node-1'),
      labels: { zone: 'a' },
      data: { capacity: { cpu: '4' } },
    });
    for (let i = 0; i < 5; i++) {
      await server.store.add({
        ref: podRef(`web-${i}`),
        labels: { app: 'web' },
        data: { spec: { index: i } },
      });
      await server.store.addRelationships([
        {
          subject: podRef(`web-${i}`),
          predicate: { type: 'RunsOn', data: { slot: i } },
          object: nodeRef('node-1'),
        },
      ]);
    }
  });
  after(() => server.close());

  it('should answer every query exactly as graphql-js does', async () => {
    for (const [query, variables] of QUERIES) {
      const { extensions, ...compiled } = (await server.request(query, variables)) as Response<unknown> & {
        extensions?: { cost?: { requested: number } };
      };
      assert.equal(typeof extensions?.cost?.requested, 'number', `${query}: its cost`);
      const reference = await graphql({
        schema,
        source: query,
        variableValues: variables,
        contextValue: { store: server.store },
      });
      assert.deepEqual(compiled, JSON.parse(JSON.stringify(reference)), query);
      assert.equal(compiled.errors, undefined, query);
    }
  });

  it("should reject bad variables with graphql-js's errors and run nothing", async () => {
    const query = QUERIES[0]![0];
    const variables = { ref: { version: 'v1', name: 'node-1' } };
    const compiled = (await server.request(query, variables)) as Response<unknown>;
    const reference = await graphql({ schema, source: query, variableValues: variables, contextValue: {} });
    assert.equal(compiled.data, undefined);
    assert.deepEqual(
      compiled.errors?.map((e) => e.message),
      reference.errors?.map((e) => e.message),
    );
    assert.match(
      compiled.errors?.[0]?.message ?? '',
      /Field "kind" of required type "String!" was not provided/,
    );
  });

  it('should give a store failure in a compiled query its code at its path, as graphql-js does', async () => {
    const query =
      'query P($ref: ResourceRefInput!) {\n  resource(ref: $ref) {\n    uid\n    relationships(after: "bm90LWEtY3Vyc29y") { edges { cursor } }\n  }\n}';
    const variables = { ref: podRef('web-0') };
    const answer = await server.request(query, variables);
    const reference = await graphql({
      schema,
      source: query,
      variableValues: variables,
      contextValue: { store: server.store },
    });
    assert.equal(answer.errors?.length, 1);
    const [error] = answer.errors ?? [];
    assert.equal(error?.extensions?.code, 'BAD_USER_INPUT');
    assert.deepEqual(error?.path, ['resource', 'relationships']);
    assert.deepEqual((error as { locations?: unknown }).locations, [{ line: 4, column: 5 }]);
    assert.deepEqual(
      (error as { locations?: unknown }).locations,
      JSON.parse(JSON.stringify(reference.errors?.[0]?.locations)),
    );
    assert.deepEqual(answer.data, JSON.parse(JSON.stringify(reference.data)));
  });
});
