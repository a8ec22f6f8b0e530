import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type ListQuery,
  type Page,
  parseLabelSelector,
  type Resource,
  type ResourceRef,
  type Store,
} from '../../src/store/index.ts';
import { codeOf, pod, tempStore } from './helpers.ts';

const TYPES = [
  { group: '', version: 'v1', kind: 'Pod' },
  { group: '', version: 'v1', kind: 'Service' },
  { group: 'apps', version: 'v1', kind: 'Deployment' },
  { group: 'apps', version: 'v1beta1', kind: 'Deployment' },
  { group: 'batch', version: 'v1', kind: 'Job' },
];
const NAMESPACES = ['', 'default', 'kube-system'];
const LABEL_KEYS = ['app', 'tier', 'example.com/team'];
const LABEL_VALUES = ['a', 'b', 'c'];

/** Reads every page of a listing. */
function listAll(store: Store, query: ListQuery, limit: number): Resource[] {
  const out: Resource[] = [];
  let after: string | null = null;
  for (;;) {
    const page: Page<Resource> = store.list({ ...query, limit, after });
    out.push(...page.items);
    if (!page.hasNextPage) return out;
    after = page.endCursor;
  }
}

const refOrder = (r: ResourceRef) => [r.group, r.version, r.kind, r.namespace, r.name].join('\u0000');

describe('listing resources', () => {
  it('should return exactly the matching resources in key order for any query and page size', async () => {
    const resourceArb = fc.record({
      type: fc.constantFrom(...TYPES),
      namespace: fc.constantFrom(...NAMESPACES),
      name: fc.stringMatching(/^[a-z][a-z0-9]{0,3}$/),
      labels: fc.dictionary(fc.constantFrom(...LABEL_KEYS), fc.constantFrom(...LABEL_VALUES), { maxKeys: 3 }),
    });
    const requirementArb = fc.oneof(
      fc.tuple(fc.constantFrom(...LABEL_KEYS), fc.constantFrom(...LABEL_VALUES)).map(([k, v]) => `${k}=${v}`),
      fc
        .tuple(fc.constantFrom(...LABEL_KEYS), fc.constantFrom(...LABEL_VALUES))
        .map(([k, v]) => `${k}!=${v}`),
      fc
        .tuple(fc.constantFrom(...LABEL_KEYS), fc.subarray(LABEL_VALUES, { minLength: 1 }))
        .map(([k, vs]) => `${k} in (${vs.join(',')})`),
      fc.constantFrom(...LABEL_KEYS).map((k) => `!${k}`),
      fc.constantFrom(...LABEL_KEYS),
    );
    const queryArb = fc.record({
      // A stored type with some of its parts left out, so that most queries match something.
      type: fc
        .tuple(fc.constantFrom(...TYPES), fc.subarray(['group', 'version', 'kind'] as const))
        .map(([type, parts]): { group?: string; version?: string; kind?: string } =>
          Object.fromEntries(parts.map((part) => [part, type[part]])),
        ),
      namespace: fc.option(fc.constantFrom(...NAMESPACES), { nil: undefined }),
      labelSelector: fc.array(requirementArb, { maxLength: 1 }).map((rs) => rs.join(',')),
    });
    const caseArb = fc.record({
      resources: fc.uniqueArray(resourceArb, {
        selector: (r) => refOrder({ ...r.type, namespace: r.namespace, name: r.name }),
        minLength: 20,
        maxLength: 60,
      }),
      queries: fc.array(queryArb, { minLength: 1, maxLength: 5 }),
      limit: fc.integer({ min: 1, max: 7 }),
    });
    const store = await tempStore();
    let multiPage = 0;
    for (const { resources, queries, limit } of fc.sample(caseArb, { numRuns: 40, seed: 20261124 })) {
      const existing = store.list({ limit: 10_000 }).items;
      await store.transaction(existing.map((r) => ({ op: 'delete' as const, ref: r.ref })));
      await store.transaction(
        resources.map((r) => ({
          op: 'add' as const,
          resource: { ref: { ...r.type, namespace: r.namespace, name: r.name }, labels: r.labels },
        })),
      );
      for (const query of queries) {
        const selector = parseLabelSelector(query.labelSelector);
        const expected = resources
          .filter(
            (r) =>
              (query.type.group === undefined || r.type.group === query.type.group) &&
              (query.type.version === undefined || r.type.version === query.type.version) &&
              (query.type.kind === undefined || r.type.kind === query.type.kind) &&
              (query.namespace === undefined || r.namespace === query.namespace) &&
              selector.matches(r.labels),
          )
          .map((r) => refOrder({ ...r.type, namespace: r.namespace, name: r.name }))
          .sort();
        const actual = listAll(store, query, limit).map((r) => refOrder(r.ref));
        assert.deepEqual(actual, expected, `query ${JSON.stringify(query)} in pages of ${limit}`);
        assert.equal(store.count(query), expected.length);
        if (expected.length > limit) multiPage++;
      }
    }
    assert.deepEqual(store.checkIntegrity(), []);
    assert.ok(multiPage >= 20, `only ${multiPage} listings spanned several pages`);
  });

  it('should read every page of a listing at the first page revision despite concurrent writes', async () => {
    const store = await tempStore();
    for (let i = 0; i < 10; i++)
      await store.add({ ref: pod(`p${i}`), labels: { app: i % 2 ? 'odd' : 'even' } });
    const first = store.list({ type: { kind: 'Pod' }, limit: 3 });
    assert.deepEqual(
      first.items.map((r) => r.ref.name),
      ['p0', 'p1', 'p2'],
    );
    // Changes after the first page: a delete ahead, an add ahead, an update ahead, a label change.
    await store.delete(pod('p5'));
    await store.add({ ref: pod('p55') });
    await store.update({ ref: pod('p7'), labels: { app: 'changed' } }, 1);
    const rest: Resource[] = [];
    let after = first.endCursor;
    while (after) {
      const page = store.list({ type: { kind: 'Pod' }, limit: 3, after });
      assert.equal(page.revision, first.revision);
      rest.push(...page.items);
      after = page.endCursor;
    }
    assert.deepEqual(
      rest.map((r) => r.ref.name),
      ['p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9'],
    );
    assert.deepEqual(rest.find((r) => r.ref.name === 'p7')?.labels, { app: 'odd' });

    const now = listAll(store, { type: { kind: 'Pod' } }, 4).map((r) => r.ref.name);
    assert.deepEqual(now, ['p0', 'p1', 'p2', 'p3', 'p4', 'p55', 'p6', 'p7', 'p8', 'p9']);
  });

  it('should page a label-selected listing at its snapshot when labels change between pages', async () => {
    const store = await tempStore();
    for (let i = 0; i < 6; i++) await store.add({ ref: pod(`p${i}`), labels: { app: 'web' } });
    const first = store.list({ labelSelector: 'app=web', limit: 2 });
    await store.update({ ref: pod('p4'), labels: { app: 'other' } }, 1);
    await store.add({ ref: pod('p3a'), labels: { app: 'web' } });
    const second = store.list({ labelSelector: 'app=web', limit: 10, after: first.endCursor });
    assert.deepEqual(
      second.items.map((r) => r.ref.name),
      ['p2', 'p3', 'p4', 'p5'],
    );
  });

  it('should reject a cursor from another listing or a malformed one with BAD_USER_INPUT', async () => {
    const store = await tempStore();
    for (let i = 0; i < 3; i++) await store.add({ ref: pod(`p${i}`) });
    const page = store.list({ type: { kind: 'Pod' }, limit: 1 });
    assert.equal(
      await codeOf(() => store.list({ type: { kind: 'Node' }, after: page.endCursor })),
      'BAD_USER_INPUT',
    );
    assert.equal(await codeOf(() => store.list({ after: 'garbage' })), 'BAD_USER_INPUT');
    assert.equal(await codeOf(() => store.list({ limit: -1 })), 'BAD_USER_INPUT');
    assert.equal(await codeOf(() => store.list({ labelSelector: 'a in (' })), 'BAD_USER_INPUT');
  });

  it('should fail a cursor older than the retained log with REVISION_COMPACTED', async () => {
    const store = await tempStore({ retention: { minRevisions: 0, minAgeMs: 0, intervalMs: 0 } });
    for (let i = 0; i < 3; i++) await store.add({ ref: pod(`p${i}`) });
    const page = store.list({ limit: 1 });
    await store.add({ ref: pod('p9') });
    await store.compact();
    assert.equal(await codeOf(() => store.list({ limit: 1, after: page.endCursor })), 'REVISION_COMPACTED');
  });

  it('should list resources and relationships as they were at an older revision', async () => {
    const store = await tempStore();
    for (let i = 0; i < 12; i++)
      await store.add({ ref: pod(`p${i}`), labels: { app: i % 3 ? 'web' : 'db' } });
    await store.addRelationships(
      [1, 2, 3, 4].map((i) => ({ subject: pod('p0'), predicate: { type: 'Calls' }, object: pod(`p${i}`) })),
    );
    const at = store.revision;
    const resourcesThen = listAll(store, { labelSelector: 'app=web' }, 100);
    const edgesThen = store.relationships({ subject: pod('p0') }).items;
    await store.delete(pod('p2'));
    await store.update({ ref: pod('p4'), labels: { app: 'db' } }, 1);
    await store.update({ ref: pod('p3'), labels: { app: 'web' } }, 1);
    await store.add({ ref: pod('p20'), labels: { app: 'web' } });
    await store.addRelationships([{ subject: pod('p0'), predicate: { type: 'Calls' }, object: pod('p9') }]);

    for (const limit of [1, 4, 100]) {
      const pages: Resource[] = [];
      let after: string | null = null;
      do {
        const page: Page<Resource> = store.list({
          labelSelector: 'app=web',
          limit,
          after,
          atRevision: after ? null : at,
        });
        assert.equal(page.revision, at);
        pages.push(...page.items);
        after = page.endCursor;
      } while (after);
      assert.deepEqual(pages, resourcesThen, `limit ${limit}`);
    }
    assert.deepEqual(store.relationships({ subject: pod('p0') }, { atRevision: at }).items, edgesThen);
    assert.notDeepEqual(store.relationships({ subject: pod('p0') }).items, edgesThen);
    assert.equal(await codeOf(() => store.list({ atRevision: store.revision + 1 })), 'BAD_USER_INPUT');
    assert.equal(await codeOf(() => store.list({ atRevision: -1 })), 'BAD_USER_INPUT');
    const page = store.list({ limit: 1, atRevision: at });
    assert.equal(
      await codeOf(() => store.list({ after: page.endCursor, atRevision: at - 1 })),
      'BAD_USER_INPUT',
    );
  });

  it('should fail a listing at a compacted revision with REVISION_COMPACTED', async () => {
    const store = await tempStore({ retention: { minRevisions: 0, minAgeMs: 0, intervalMs: 0 } });
    for (let i = 0; i < 3; i++) await store.add({ ref: pod(`p${i}`) });
    await store.compact();
    assert.equal(await codeOf(() => store.list({ atRevision: 1 })), 'REVISION_COMPACTED');
    assert.equal(store.list({ atRevision: store.revision }).items.length, 3);
  });

  it('should count stored types and drop a type when its last resource goes', async () => {
    const store = await tempStore();
    await store.add({ ref: pod('a') });
    await store.add({ ref: pod('b', 'other') });
    await store.add({
      ref: { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'default', name: 'd' },
    });
    assert.deepEqual(store.types(), [
      { group: '', version: 'v1', kind: 'Pod', count: 2 },
      { group: 'apps', version: 'v1', kind: 'Deployment', count: 1 },
    ]);
    assert.equal(store.count({ type: { group: '', version: 'v1', kind: 'Pod' }, namespace: 'other' }), 1);
    await store.delete({ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'default', name: 'd' });
    assert.deepEqual(
      store.types().map((t) => t.kind),
      ['Pod'],
    );
    assert.deepEqual(
      store.list({ namespace: 'default' }).items.map((r) => r.ref.name),
      ['a'],
    );
  });
});
