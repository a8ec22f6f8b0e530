/**
 * The authorized store against a real store: reads, walks, writes and watches of a principal that
 * sees part of it. Walks are the store's own, narrowed to what the principal may see, so they page
 * with the store's cursors at one snapshot and obey the limits the store was opened with.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authorizedStore, type Principal } from '../../src/auth/index.ts';
import {
  isStoreError,
  type Operation,
  type Page,
  type RelationshipInput,
  type ResourceMetadata,
  type ResourceRef,
  type Store,
} from '../../src/store/index.ts';
import { allSteps, apps, codeOf, edge, names, node, owns, pod, take, tempStore } from '../store/helpers.ts';

/** Sees and changes everything in namespace `a`; reads Pods in `b`; nothing cluster-scoped. */
const ALICE: Principal = {
  name: 'alice',
  rules: [
    { verbs: ['*'], namespaces: ['a'], kinds: ['*'] },
    { verbs: ['get', 'list', 'watch'], namespaces: ['b'], kinds: ['Pod'] },
  ],
};

/** A plain relationship. */
const link = (subject: ResourceRef, object: ResourceRef) => edge(subject, object, 'Links');

async function addAll(store: Store, refs: readonly ResourceRef[]): Promise<void> {
  await store.transaction(
    refs.map((ref) => ({ op: 'add', resource: { ref, uid: `uid-${ref.name}`, data: { n: ref.name } } })),
  );
}

/**
 * d (a) → rs (b, hidden) → p1 (a); d → p2 (b, visible); p1 → n1 (cluster-scoped, hidden); p2 → p3 (a).
 * What alice can reach from d: p2, then p3; p1 only through the hidden rs.
 */
async function graph(store: Store) {
  const refs = {
    d: apps('Deployment', 'd', 'a'),
    rs: apps('ReplicaSet', 'rs', 'b'),
    p1: pod('p1', 'a'),
    p2: pod('p2', 'b'),
    p3: pod('p3', 'a'),
    n1: node('n1'),
  };
  await addAll(store, Object.values(refs));
  await store.addRelationships([
    link(refs.d, refs.rs),
    link(refs.rs, refs.p1),
    link(refs.d, refs.p2),
    link(refs.p1, refs.n1),
    link(refs.p2, refs.p3),
  ]);
  return refs;
}

describe('authorized store: reads', () => {
  it('should return null for what the principal may not get, by ref, uid, batch and payload', async () => {
    const store = await tempStore();
    const { rs, p1 } = await graph(store);
    const view = authorizedStore(store, ALICE);
    assert.equal(view.get(rs), null);
    assert.equal(view.getByUid('uid-rs'), null);
    assert.deepEqual(
      view.getMany([rs, p1], { data: false }).map((r) => r?.ref.name ?? null),
      [null, 'p1'],
    );
    const stored = store.get(rs, { data: false })!;
    assert.equal(view.storedJson(stored), null);
    assert.equal(view.storedJson(view.get(p1, { data: false })!), '{"n":"p1"}');
  });

  it('should list and count only what the principal may list, paging exactly with small pages', async () => {
    const store = await tempStore();
    await graph(store);
    await addAll(
      store,
      ['x', 'y', 'z'].map((name) => apps('ReplicaSet', name, 'b')),
    );
    const view = authorizedStore(store, ALICE);
    const listed: string[] = [];
    let after: string | null = null;
    do {
      const page: Page<ResourceMetadata> = view.list({ limit: 1, after }, { data: false });
      listed.push(...names(page.items));
      after = page.endCursor;
    } while (after);
    const wanted = store
      .list({ limit: 1000 })
      .items.filter((r) => r.ref.namespace === 'a' || (r.ref.namespace === 'b' && r.ref.kind === 'Pod'));
    assert.deepEqual(listed, names(wanted));
    assert.equal(view.count(), wanted.length);
    assert.equal(view.count({ namespace: 'b' }), 1);
    assert.deepEqual(
      view.types().map((t) => [t.kind, t.count]),
      [
        ['Pod', 3],
        ['Deployment', 1],
      ],
    );
  });

  it('should show a relationship only when the principal may get both ends', async () => {
    const store = await tempStore();
    const { d, p2 } = await graph(store);
    const view = authorizedStore(store, ALICE);
    const edges = view.relationships({}, { limit: 1 });
    assert.equal(edges.items.length, 1);
    const all = view.relationships().items.map((r) => `${r.subject.name}>${r.object.name}`);
    assert.deepEqual(all.sort(), ['d>p2', 'p2>p3']);
    assert.deepEqual(
      view.relationshipsMany([{ subject: d }, { object: p2 }]).map((list) => list.map((r) => r.object.name)),
      [['p2'], ['p2']],
    );
  });
});

describe('authorized store: walks', () => {
  it('should walk once, neither reporting nor passing through what the principal may not get', async () => {
    const store = await tempStore();
    const { d, rs, p1 } = await graph(store);
    const view = authorizedStore(store, ALICE);
    const page = view.traverse(d, { maxDepth: 5 });
    assert.deepEqual(names(page.items), ['p2', 'p3'], 'p1 is reachable only through the hidden rs');
    assert.equal(page.revision, store.revision);
    assert.deepEqual(names(view.traverse(p1, { direction: 'BOTH' }).items), [], 'rs and n1 are hidden');
    assert.deepEqual(view.traverse(rs).items, [], 'a hidden start reaches nothing');
    assert.deepEqual(names(view.traverse(d, { kinds: ['Pod'] }).items), ['p2', 'p3']);
    assert.deepEqual(names(store.traverse(d).items), ['rs', 'p2', 'p1', 'p3', 'n1']);
  });

  it('should read metadata alone through the view, as the store does', async () => {
    const store = await tempStore();
    const { d } = await graph(store);
    const view = authorizedStore(store, ALICE);
    const [step] = view.traverse(d, {}, { data: false }).items;
    assert.equal(step?.resource?.ref.name, 'p2');
    assert.ok(step?.resource && !('data' in step.resource), 'no payload is read');
    assert.deepEqual(view.traverse(d).items[0]?.resource?.data, { n: 'p2' });
  });

  it('should page a filtered walk with the store cursors at the first page revision', async () => {
    const store = await tempStore();
    const root = pod('root', 'a');
    const edges: RelationshipInput[] = [];
    for (let i = 0; i < 4; i++) {
      const child = i === 1 ? pod(`c${i}`, 'c') : pod(`c${i}`, 'a');
      edges.push(link(root, child));
      for (let j = 0; j < 3; j++) edges.push(link(child, pod(`g${i}-${j}`, j === 1 ? 'c' : 'b')));
    }
    await store.addRelationships(edges);
    const view = authorizedStore(store, ALICE);
    const whole = view.traverse(root, { limit: 1000 }).items;
    assert.deepEqual(names(whole), ['c0', 'c2', 'c3', 'g0-0', 'g0-2', 'g2-0', 'g2-2', 'g3-0', 'g3-2']);
    for (const limit of [1, 2, 8, 9])
      assert.deepEqual(allSteps(view, root, {}, limit), whole, `limit ${limit}`);
    const first = view.traverse(root, { limit: 4 });
    await store.deleteRelationships([link(root, pod('c0', 'a'))]);
    await store.addRelationships([link(root, pod('c9', 'a'))]);
    const rest = view.traverse(root, { limit: 1000, after: first.endCursor });
    assert.equal(rest.revision, first.revision);
    assert.deepEqual([...first.items, ...rest.items], whole);
    assert.equal(
      await codeOf(() => view.traverse(root, { after: first.endCursor, maxDepth: 1 })),
      'BAD_USER_INPUT',
      'a cursor belongs to its traversal',
    );
  });

  it("should obey the store's node and depth limits, counting only what the principal sees", async () => {
    const store = await tempStore({ maxTraversalNodes: 3, maxTraversalDepth: 2 });
    const hub = pod('hub', 'a');
    await store.addRelationships([
      ...['h1', 'h2', 'h3'].map((name) => link(hub, pod(name, 'c'))),
      ...['v1', 'v2', 'v3'].map((name) => link(hub, pod(name, 'a'))),
      link(pod('v1', 'a'), pod('deep', 'a')),
      link(pod('deep', 'a'), pod('deeper', 'a')),
    ]);
    const view = authorizedStore(store, ALICE);
    assert.equal(await codeOf(() => store.traverse(hub, { maxDepth: 1 })), 'LIMIT_EXCEEDED');
    assert.deepEqual(names(view.traverse(hub, { maxDepth: 1 }).items), ['v1', 'v2', 'v3']);
    assert.equal(await codeOf(() => view.traverse(hub)), 'LIMIT_EXCEEDED', 'v1..v3 and deep are four');
    assert.equal(await codeOf(() => view.traverse(hub, { maxDepth: 3 })), 'BAD_USER_INPUT');
    assert.deepEqual(
      names(view.traverse(pod('v1', 'a')).items),
      ['deep', 'deeper'],
      'the default depth is the cap',
    );
  });

  it('should find a path only through what the principal may get', async () => {
    const store = await tempStore();
    const { d, rs, p1, p3 } = await graph(store);
    const view = authorizedStore(store, ALICE);
    assert.equal(store.shortestPath(d, p1)?.length, 2);
    assert.equal(view.shortestPath(d, p1), null, 'only through the hidden rs');
    assert.deepEqual(
      view.shortestPath(d, p3)?.map((r) => r.object.name),
      ['p2', 'p3'],
    );
    assert.equal(view.shortestPath(d, rs), null);
    assert.equal(view.shortestPath(rs, rs), null);
    assert.deepEqual(view.shortestPath(d, d), []);
    assert.equal(await codeOf(() => view.shortestPath(d, p3, { maxDepth: 0 })), 'BAD_USER_INPUT');
  });
});

describe('authorized store: writes', () => {
  it('should refuse a write the principal may not make with FORBIDDEN, writing nothing', async () => {
    const store = await tempStore();
    await graph(store);
    const view = authorizedStore(store, ALICE);
    const before = store.revision;
    assert.equal(await codeOf(view.add({ ref: pod('new', 'b') })), 'FORBIDDEN');
    assert.equal(await codeOf(view.update({ ref: pod('p2', 'b') }, 1)), 'FORBIDDEN');
    assert.equal(await codeOf(view.patch(pod('p2', 'b'), { labels: { x: 'y' } })), 'FORBIDDEN');
    assert.equal(await codeOf(view.delete(pod('p2', 'b'))), 'FORBIDDEN');
    assert.equal(await codeOf(view.addRelationships([link(pod('p2', 'b'), pod('p1', 'a'))])), 'FORBIDDEN');
    assert.equal(await codeOf(view.addRelationships([link(pod('p1', 'a'), node('n1'))])), 'FORBIDDEN');
    assert.equal(store.revision, before);
    assert.equal((await view.add({ ref: pod('new', 'a') })).changed, true);
    assert.equal(
      (await view.addRelationships([link(pod('new', 'a'), pod('p2', 'b'))])).relationships.length,
      1,
    );
  });

  it('should refuse a cascade reaching what the principal sees but may not delete, however deep', async () => {
    const store = await tempStore({ maxTraversalDepth: 2 });
    const chain = [0, 1, 2, 3, 4].map((i) => pod(`c${i}`, 'a'));
    await addAll(store, chain);
    await store.addRelationships(chain.slice(1).map((ref, i) => owns(chain[i]!, ref)));
    // alice may get Pods in `b` but not delete them.
    await store.addRelationships([owns(chain[4]!, pod('beyond', 'b'))]);
    const view = authorizedStore(store, ALICE);
    assert.equal(await codeOf(view.delete(chain[0]!, null, { propagation: 'BACKGROUND' })), 'FORBIDDEN');
    assert.equal(
      await codeOf(view.transaction([{ op: 'delete', ref: chain[1]!, propagation: 'FOREGROUND' }])),
      'FORBIDDEN',
    );
    assert.equal(store.count(), 5);
    await store.deleteRelationships([owns(chain[4]!, pod('beyond', 'b'))]);
    const result = await view.delete(chain[0]!, null, { propagation: 'BACKGROUND' });
    assert.deepEqual(names(result.dependents), ['c1', 'c2', 'c3', 'c4']);
    assert.equal(store.count(), 0);
  });

  it('should keep the dependents the principal may not see, reporting neither them nor their edges', async () => {
    const store = await tempStore();
    const [root, kept, child] = [pod('root', 'a'), pod('kept', 'a'), pod('child', 'a')];
    const hidden = [pod('hidden', 'c'), apps('ReplicaSet', 'rs', 'b'), node('n1')];
    await addAll(store, [root, kept, child, ...hidden]);
    await store.addRelationships([
      owns(root, kept),
      owns(kept, child),
      ...hidden.map((ref) => owns(root, ref)),
      // What only a hidden owner owns is not reached through it.
      owns(hidden[0]!, pod('under-hidden', 'a')),
      link(kept, hidden[0]!),
    ]);
    await store.add({ ref: pod('under-hidden', 'a') });
    const view = authorizedStore(store, ALICE);
    for (const propagation of ['BACKGROUND', 'FOREGROUND'] as const) {
      const plan = await view.delete(root, null, { propagation, dryRun: true });
      assert.deepEqual(names(plan.dependents).sort(), ['child', 'kept'], propagation);
      assert.equal(plan.removedRelationships.length, 2, `${propagation}: root>kept and kept>child`);
      const planned = await view.transaction([{ op: 'delete', ref: root, propagation }]).catch(() => null);
      assert.ok(planned, 'a transaction cascades the same way');
      const [deleted] = planned.results;
      assert.ok(deleted?.op === 'delete');
      assert.deepEqual(names(deleted.dependents).sort(), ['child', 'kept']);
      assert.equal(deleted.removedRelationships.length, 2);
      for (const ref of hidden) assert.ok(store.get(ref), `${propagation}: ${ref.name} stays`);
      assert.ok(store.get(pod('under-hidden', 'a')));
      assert.equal(store.get(root), null);
      await addAll(store, [root, kept, child]);
      await store.addRelationships([
        owns(root, kept),
        owns(kept, child),
        ...hidden.map((ref) => owns(root, ref)),
      ]);
    }
    const admin = authorizedStore(store, {
      name: 'admin',
      rules: [{ verbs: ['*'], namespaces: ['*'], kinds: ['*'] }],
    });
    const all = await admin.delete(root, null, { propagation: 'BACKGROUND', dryRun: true });
    assert.deepEqual(names(all.dependents).sort(), ['child', 'hidden', 'kept', 'n1', 'rs', 'under-hidden']);
  });

  it("should hold a cascade check to the store's node limit", async () => {
    const store = await tempStore({ maxTraversalNodes: 2, maxTraversalDepth: 1 });
    const chain = [0, 1, 2, 3].map((i) => pod(`c${i}`, 'a'));
    await store.addRelationships(chain.slice(1).map((ref, i) => owns(chain[i]!, ref)));
    const view = authorizedStore(store, ALICE);
    assert.equal(
      await codeOf(view.delete(chain[0]!, null, { propagation: 'BACKGROUND', dryRun: true })),
      'LIMIT_EXCEEDED',
    );
    assert.equal(
      await codeOf(view.delete(chain[1]!, null, { propagation: 'BACKGROUND', dryRun: true })),
      'NOT_FOUND',
    );
  });

  it('should refuse a transaction that links owners and cascades unless the principal may delete everything', async () => {
    const store = await tempStore();
    await addAll(store, [pod('o', 'a'), pod('d', 'a')]);
    const operations: Operation[] = [
      { op: 'addRelationship', relationship: owns(pod('o', 'a'), pod('d', 'a')) },
      { op: 'delete', ref: pod('o', 'a'), propagation: 'BACKGROUND' },
    ];
    assert.equal(await codeOf(authorizedStore(store, ALICE).transaction(operations)), 'FORBIDDEN');
    const admin = authorizedStore(store, {
      name: 'admin',
      rules: [{ verbs: ['*'], namespaces: ['*'], kinds: ['*'] }],
    });
    await admin.transaction(operations);
    assert.equal(store.count(), 0);
  });

  it('should load a batch only where the principal may create and update every resource and write every link', async () => {
    const store = await tempStore();
    const view = authorizedStore(store, ALICE);
    const sequence = {};
    const outcomes = await Promise.allSettled([
      view.load(
        { resources: [{ ref: pod('x', 'a') }], relationships: [link(pod('x', 'a'), pod('y', 'b'))] },
        { sequence },
      ),
      view.load({ resources: [{ ref: pod('y', 'a') }, { ref: pod('z', 'b') }] }, { sequence }),
      view.load({ resources: [{ ref: pod('w', 'a') }] }, { sequence }),
    ]);
    assert.equal(outcomes[0]!.status, 'fulfilled');
    assert.ok(outcomes[1]!.status === 'rejected' && isStoreError(outcomes[1].reason, 'FORBIDDEN'));
    assert.ok(
      outcomes[2]!.status === 'rejected' && /^not written/.test((outcomes[2].reason as Error).message),
    );
    assert.deepEqual(
      store.list().items.map((item) => item.ref.name),
      ['x'],
    );
    assert.equal(await codeOf(view.load({ relationships: [link(pod('x', 'a'), node('n'))] })), 'FORBIDDEN');
  });

  it('should keep the sequence of a transaction: a later one of a failed sequence fails too', async () => {
    const store = await tempStore();
    await store.add({ ref: pod('taken', 'a') });
    const view = authorizedStore(store, ALICE);
    const add = (name: string, namespace = 'a'): Operation => ({
      op: 'add',
      resource: { ref: pod(name, namespace) },
    });
    const sequence = {};
    const outcomes = await Promise.allSettled([
      view.transaction([add('first')], { sequence }),
      view.transaction([add('taken')], { sequence }),
      view.transaction([add('after')], { sequence }),
    ]);
    assert.equal(outcomes[0]!.status, 'fulfilled');
    assert.ok(outcomes[1]!.status === 'rejected' && isStoreError(outcomes[1].reason, 'ALREADY_EXISTS'));
    assert.ok(outcomes[2]!.status === 'rejected');
    assert.match(
      (outcomes[2].reason as Error).message,
      /^not written: an earlier transaction of its sequence failed/,
    );
    assert.equal(store.get(pod('after', 'a')), null);

    const refused = {};
    const more = await Promise.allSettled([
      view.transaction([add('one')], { sequence: refused }),
      view.transaction([add('elsewhere', 'b')], { sequence: refused }),
      view.transaction([add('two')], { sequence: refused }),
    ]);
    assert.deepEqual(
      more.map((outcome) =>
        outcome.status === 'fulfilled' ? 'ok' : (outcome.reason as { code: string }).code,
      ),
      ['ok', 'FORBIDDEN', 'FORBIDDEN'],
    );
    assert.match(
      String((more[2] as PromiseRejectedResult).reason),
      /not written: an earlier transaction of its sequence failed \(alice may not create Pod/,
    );
    assert.equal(store.get(pod('two', 'a')), null);
    assert.notEqual(store.get(pod('one', 'a')), null);
  });
});

describe('authorized store: watches', () => {
  it('should deliver only the events of what the principal may watch, with revisions unchanged', async () => {
    const store = await tempStore();
    const view = authorizedStore(store, ALICE);
    const resources = view.watch({ since: store.revision });
    const edges = view.watchRelationships({ since: store.revision });
    await store.add({ ref: pod('hidden', 'c') });
    await store.add({ ref: pod('shown', 'a') });
    await store.addRelationships([
      link(pod('shown', 'a'), pod('hidden', 'c')),
      link(pod('shown', 'a'), pod('x', 'b')),
    ]);
    const [event] = await take(resources, 1);
    assert.equal(event?.resource?.ref.name, 'shown');
    assert.equal(event?.revision, 2);
    const [edge] = await take(edges, 1);
    assert.equal(edge?.relationship.object.name, 'x');
    await resources.return();
    await edges.return();
  });
});

describe('authorized store: what a write or a payload shows', () => {
  it('should hand out the payload of a resource a principal may only list', async () => {
    const store = await tempStore();
    await store.add({ ref: pod('p', 'x'), data: { secret: 'S1' } });
    const lister = authorizedStore(store, {
      name: 'lister',
      rules: [{ verbs: ['list'], namespaces: ['x'], kinds: ['*'] }],
    });
    const [listed] = lister.list({ namespace: 'x' }, { data: false }).items;
    assert.ok(listed);
    assert.equal(lister.storedJson(listed), JSON.stringify({ secret: 'S1' }));
    assert.equal(lister.get(pod('p', 'x')), null, 'a point read still needs get');
  });

  it('should refuse a patch to a principal that may update but not get, changing nothing', async () => {
    const store = await tempStore();
    await store.add({ ref: pod('p', 'x'), labels: { a: '1' }, data: { secret: 'S1' } });
    const writer = authorizedStore(store, {
      name: 'writer',
      rules: [{ verbs: ['update'], namespaces: ['x'], kinds: ['*'] }],
    });
    assert.equal(await codeOf(writer.patch(pod('p', 'x'), {})), 'FORBIDDEN');
    assert.equal(
      await codeOf(writer.transaction([{ op: 'patch', ref: pod('p', 'x'), patch: { labels: { b: '2' } } }])),
      'FORBIDDEN',
    );
    assert.equal(store.get(pod('p', 'x'))?.version, 1);
  });

  it('should refuse a dry-run delete to a principal that may delete but not get', async () => {
    const store = await tempStore();
    await store.add({ ref: pod('p', 'x'), data: { secret: 'S1' } });
    const deleter = authorizedStore(store, {
      name: 'deleter',
      rules: [{ verbs: ['delete'], namespaces: ['x'], kinds: ['*'] }],
    });
    assert.equal(await codeOf(deleter.delete(pod('p', 'x'), null, { dryRun: true })), 'FORBIDDEN');
    assert.ok(store.get(pod('p', 'x')), 'the resource is still stored');
    assert.equal((await deleter.delete(pod('p', 'x'))).deleted.ref.name, 'p', 'a real delete is allowed');
  });
});
