/**
 * Data as written: every string a client writes — ref parts, uids, labels, annotations, data type,
 * JSON data and predicate data, keys and values alike — must be well-formed Unicode. A lone UTF-16
 * surrogate is BAD_USER_INPUT, over real HTTP, and nothing is stored; a surrogate pair is a
 * character like any other and is stored as written.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Response, startServer, type TestServer } from '../schema/helpers.ts';

const REF = { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'text', name: 'web' };
const ADD = 'mutation M($input: ResourceInput!) { addResource(input: $input) { version } }';
const PATCH =
  'mutation M($ref: ResourceRefInput!, $patch: ResourcePatch!) { patchResource(ref: $ref, patch: $patch) { version } }';
const LINK = 'mutation M($r: [RelationshipInput!]!) { addRelationships(relationships: $r) { revision } }';

/** Lone surrogates: high, low, reversed pair, high at the end. */
const LONE = ['\ud800', 'a\udc00b', '\udfff\ud800', 'x\ud83d'];

/** Every place a string is written, as (what, query, variables) for a lone surrogate `s`. */
function writes(s: string): [string, string, Record<string, unknown>][] {
  const input = (extra: object) => ({ input: { ref: { ...REF, name: 'new' }, ...extra } });
  const link = (predicate: object) => ({
    r: [{ subject: REF, predicate, object: { ...REF, name: 'other' } }],
  });
  return [
    ['ref name', ADD, input({ ref: { ...REF, name: `n${s}` } })],
    ['uid', ADD, input({ uid: s })],
    ['label key', ADD, input({ labels: { [`a${s}`]: 'v' } })],
    ['label value', ADD, input({ labels: { app: s } })],
    ['annotation key', ADD, input({ annotations: { [s]: 'v' } })],
    ['annotation value', ADD, input({ annotations: { note: s } })],
    ['data type', ADD, input({ dataType: s })],
    ['data string', ADD, input({ data: { spec: { image: s } } })],
    ['data key', ADD, input({ data: { [s]: 1 } })],
    ['data in an array', ADD, input({ data: [1, [s]] })],
    ['data as a string', ADD, input({ data: s })],
    ['patched annotation', PATCH, { ref: REF, patch: { annotations: { note: s } } }],
    ['patched data', PATCH, { ref: REF, patch: { data: { deep: { key: s } } } }],
    ['patched data key', PATCH, { ref: REF, patch: { data: { [s]: 'v' } } }],
    ['predicate type', LINK, link({ type: `T${s}` })],
    ['predicate data', LINK, link({ type: 'DependsOn', data: { reason: s } })],
    ['predicate data key', LINK, link({ type: 'DependsOn', data: { [s]: true } })],
  ];
}

describe('well-formed Unicode in every string written', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
    await server.store.add({ ref: REF, annotations: { note: 'kept' }, data: { deep: { key: 'kept' } } });
  });
  after(() => server.close());

  it('should refuse a lone surrogate anywhere with BAD_USER_INPUT and store nothing', async () => {
    const revision = server.store.revision;
    for (const s of LONE) {
      for (const [what, query, variables] of writes(s)) {
        const response: Response<unknown> = await server.request(query, variables as never);
        const [error] = response.errors ?? [];
        assert.equal(
          error?.extensions?.code,
          'BAD_USER_INPUT',
          `${what} ${JSON.stringify(s)}: ${error?.message}`,
        );
      }
    }
    assert.equal(server.store.revision, revision, 'nothing was written');
    assert.equal(server.store.count(), 1);
    const stored = server.store.get(REF);
    assert.deepEqual(stored?.annotations, { note: 'kept' });
  });

  it('should store a surrogate pair as written, in annotations and data', async () => {
    const crab = '🦀';
    const response = await server.request(ADD, {
      input: { ref: { ...REF, name: 'crab' }, annotations: { [crab]: crab }, data: { [crab]: [crab] } },
    } as never);
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    const stored = server.store.get({ ...REF, name: 'crab' });
    assert.deepEqual(stored?.annotations, { [crab]: crab });
    assert.deepEqual(stored?.data, { [crab]: [crab] });
  });
});
