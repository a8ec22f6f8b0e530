import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type {
  DeletePropagation,
  RelationshipInput,
  ResourceRef,
  Steps,
  Store,
  TraversalStep,
} from '../../src/store/index.ts';
import { allSteps, apps, codeOf, edge, names, owns, pod, take, tempStore } from './helpers.ts';

async function addAll(store: Store, refs: readonly ResourceRef[]): Promise<void> {
  await store.transaction(refs.map((ref) => ({ op: 'add', resource: { ref, uid: `uid-${ref.name}` } })));
}

/** Deployment d owns ReplicaSets rs1 and rs2; rs1 owns p1 and p2, rs2 owns p3; p2 is also owned by rs3. */
async function ownershipTree(store: Store) {
  const d = apps('Deployment', 'd');
  const [rs1, rs2, rs3] = ['rs1', 'rs2', 'rs3'].map((name) => apps('ReplicaSet', name)) as [
    ResourceRef,
    ResourceRef,
    ResourceRef,
  ];
  const [p1, p2, p3] = ['p1', 'p2', 'p3'].map((name) => pod(name)) as [ResourceRef, ResourceRef, ResourceRef];
  await addAll(store, [d, rs1, rs2, rs3, p1, p2, p3]);
  await store.addRelationships([
    owns(d, rs1),
    owns(d, rs2),
    owns(rs1, p1),
    owns(rs1, p2),
    owns(rs2, p3),
    owns(rs3, p2),
  ]);
  return { d, rs1, rs2, rs3, p1, p2, p3 };
}

describe('traversal', () => {
  it('should reach each node of a cycle once, breadth-first, with its depth and first edge', async () => {
    const store = await tempStore();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((name) => pod(name)) as ResourceRef[];
    await addAll(store, [a!, b!, c!, d!]);
    await store.addRelationships([edge(a!, b!), edge(b!, c!), edge(c!, a!), edge(c!, d!), edge(a!, c!)]);
    const page = store.traverse(a!);
    assert.deepEqual(names(page.items), ['b', 'c', 'd']);
    assert.deepEqual(
      page.items.map((s) => s.depth),
      [1, 1, 2],
    );
    assert.equal(page.items[2]!.via.subject.name, 'c');
    assert.equal(page.items[2]!.resource?.ref.name, 'd');
    assert.equal(page.endCursor, null);
  });

  it('should report dangling refs with a null resource', async () => {
    const store = await tempStore();
    await addAll(store, [pod('a')]);
    await store.addRelationships([edge(pod('a'), pod('ghost'))]);
    const [step] = store.traverse(pod('a')).items;
    assert.equal(step?.resource, null);
    assert.deepEqual(step?.ref, pod('ghost'));
  });

  it('should stop at maxDepth and reject a depth above the cap', async () => {
    const store = await tempStore({ maxTraversalDepth: 4 });
    const chain = ['n0', 'n1', 'n2', 'n3', 'n4', 'n5'].map((name) => pod(name));
    await store.addRelationships(chain.slice(1).map((ref, i) => edge(chain[i]!, ref)));
    assert.deepEqual(names(store.traverse(chain[0]!, { maxDepth: 2 }).items), ['n1', 'n2']);
    assert.deepEqual(names(store.traverse(chain[0]!).items), ['n1', 'n2', 'n3', 'n4'], 'defaults to the cap');
    assert.equal(await codeOf(() => store.traverse(chain[0]!, { maxDepth: 5 })), 'BAD_USER_INPUT');
    assert.equal(await codeOf(() => store.traverse(chain[0]!, { maxDepth: 0 })), 'BAD_USER_INPUT');
  });

  it('should fail with LIMIT_EXCEEDED rather than walk past the node limit', async () => {
    const store = await tempStore({ maxTraversalNodes: 5 });
    const hub = pod('hub');
    await store.addRelationships([1, 2, 3, 4, 5].map((i) => edge(hub, pod(`s${i}`))));
    assert.equal(store.traverse(hub).items.length, 5);
    await store.addRelationships([edge(pod('s5'), pod('s6'))]);
    assert.equal(await codeOf(() => store.traverse(hub)), 'LIMIT_EXCEEDED');
    assert.equal(store.traverse(hub, { maxDepth: 1 }).items.length, 5, 'a shallower walk stays under it');
  });

  it('should page through a walk without gaps or repeats', async () => {
    const store = await tempStore();
    const root = pod('root');
    const edges: RelationshipInput[] = [];
    for (let i = 0; i < 6; i++) {
      edges.push(edge(root, pod(`c${i}`)));
      for (let j = 0; j < 4; j++) edges.push(edge(pod(`c${i}`), pod(`g${i}-${j}`)));
    }
    await store.addRelationships(edges);
    const whole = store.traverse(root, { limit: 1000 }).items;
    assert.equal(whole.length, 30);
    for (const limit of [1, 7, 29, 30])
      assert.deepEqual(allSteps(store, root, {}, limit), whole, `limit ${limit}`);
    const first = store.traverse(root, { limit: 7 });
    assert.equal(
      await codeOf(() => store.traverse(root, { limit: 7, after: first.endCursor, maxDepth: 1 })),
      'BAD_USER_INPUT',
      'a cursor belongs to its traversal',
    );
  });

  it('should read every page of a traversal at the first page revision despite changes between pages', async () => {
    const store = await tempStore();
    const root = pod('root');
    await addAll(store, [root, pod('a'), pod('b'), pod('c'), pod('d'), pod('x')]);
    await store.addRelationships([
      ...['a', 'b', 'c', 'd'].map((n) => edge(root, pod(n))),
      edge(pod('c'), pod('x')),
    ]);
    const whole = store.traverse(root).items;
    const first = store.traverse(root, { limit: 2 });
    // Between pages: an edge already returned goes, an edge ahead goes, a new edge comes, a resource changes.
    await store.deleteRelationships([edge(root, pod('a')), edge(pod('c'), pod('x'))]);
    await store.addRelationships([edge(root, pod('e'))]);
    await store.update({ ref: pod('d'), labels: { changed: 'yes' } }, 1);
    await store.delete(pod('b'));
    const rest: TraversalStep[] = [];
    let after = first.endCursor;
    while (after) {
      const page = store.traverse(root, { limit: 2, after });
      assert.equal(page.revision, first.revision);
      rest.push(...page.items);
      after = page.endCursor;
    }
    assert.deepEqual([...first.items, ...rest], whole);
    assert.deepEqual(names(store.traverse(root).items), ['c', 'd', 'e']);
  });

  it('should fail a page whose first page revision was compacted away with REVISION_COMPACTED', async () => {
    const store = await tempStore({ retention: { minRevisions: 0, minAgeMs: 0, intervalMs: 0 } });
    await store.addRelationships(['a', 'b', 'c'].map((n) => edge(pod('root'), pod(n))));
    const first = store.traverse(pod('root'), { limit: 1 });
    await store.addRelationships([edge(pod('root'), pod('d'))]);
    await store.compact();
    assert.equal(
      await codeOf(() => store.traverse(pod('root'), { limit: 1, after: first.endCursor })),
      'REVISION_COMPACTED',
    );
  });

  it('should filter reported kinds while walking through every kind', async () => {
    const store = await tempStore();
    const { d } = await ownershipTree(store);
    assert.deepEqual(names(store.traverse(d, { kinds: ['Pod'] }).items), ['p1', 'p2', 'p3']);
    assert.deepEqual(names(allSteps(store, d, { kinds: ['Pod'] }, 2)), ['p1', 'p2', 'p3']);
  });

  it('should apply the node limit to what a page of reported kinds needs, as without kinds', async () => {
    const store = await tempStore({ maxTraversalNodes: 4 });
    const root = apps('Deployment', 'root');
    await store.addRelationships(
      [pod('p1'), pod('p2'), ...[1, 2, 3, 4].map((i) => apps('ReplicaSet', `r${i}`))].map((ref) =>
        edge(root, ref),
      ),
    );
    assert.deepEqual(names(store.traverse(root, { kinds: ['Pod'], limit: 1 }).items), ['p1']);
    assert.equal(await codeOf(() => store.traverse(root, { kinds: ['Pod'] })), 'LIMIT_EXCEEDED');
  });

  it('should follow only the given predicates and directions', async () => {
    const store = await tempStore();
    const { d, p2 } = await ownershipTree(store);
    await store.addRelationships([edge(p2, pod('db'), 'Calls')]);
    const down = names(store.traverse(d, { predicates: ['OwnerReference'] }).items);
    assert.deepEqual(down, ['rs1', 'rs2', 'p1', 'p2', 'p3']);
    assert.deepEqual(names(store.traverse(d).items), [...down, 'db']);
    assert.deepEqual(names(store.traverse(p2, { direction: 'INCOMING' }).items), ['rs1', 'rs3', 'd']);
    assert.deepEqual(names(store.traverse(pod('db'), { direction: 'BOTH', maxDepth: 2 }).items), [
      'p2',
      'rs1',
      'rs3',
    ]);
    assert.deepEqual(store.traverse(d, { predicates: ['NoSuchType'] }).items, []);
    assert.deepEqual(store.traverse(pod('unknown')).items, []);
    assert.equal(await codeOf(() => store.traverse(d, { direction: 'SIDEWAYS' as never })), 'BAD_USER_INPUT');
  });

  it('should agree with a breadth-first search of a model graph', async () => {
    const graphs = fc.sample(
      fc
        .array(fc.tuple(fc.nat(11), fc.nat(11)), { maxLength: 40 })
        .map((pairs) => pairs.filter(([s, o]) => s !== o)),
      { numRuns: 15, seed: 7 },
    );
    for (const pairs of graphs) {
      const store = await tempStore();
      if (pairs.length > 0)
        await store.addRelationships(pairs.map(([s, o]) => edge(pod(`n${s}`), pod(`n${o}`))));
      const distances = modelDistances(pairs, 0, 3);
      const reached = store.traverse(pod('n0'), { maxDepth: 3, limit: 1000 }).items;
      assert.deepEqual(
        new Map(reached.map((s) => [Number(s.ref.name.slice(1)), s.depth])),
        distances,
        JSON.stringify(pairs),
      );
      for (const [target, distance] of distances) {
        assert.equal(store.shortestPath(pod('n0'), pod(`n${target}`), { maxDepth: 3 })?.length, distance);
      }
      await store.close();
    }
  });
});

describe('traversal through passable refs only', () => {
  /** Every ref but those named. */
  const except =
    (...hidden: string[]) =>
    (ref: ResourceRef) =>
      !hidden.includes(ref.name);

  it('should neither report nor walk through a ref that is not passable', async () => {
    const store = await tempStore();
    const { d, rs1 } = await ownershipTree(store);
    const asked: string[] = [];
    const passable = (ref: ResourceRef) => {
      asked.push(ref.name);
      return ref.name !== 'rs1';
    };
    const page = store.traverse(d, { passable });
    assert.deepEqual(names(page.items), ['rs2', 'p3'], 'p1 and p2 are reachable only through rs1');
    assert.deepEqual(asked.sort(), ['d', 'p3', 'rs1', 'rs2'], 'each ref once, the start too');
    assert.equal(page.hasNextPage, false);
    assert.deepEqual(names(store.traverse(rs1, { direction: 'BOTH', passable: except('d') }).items), [
      'p1',
      'p2',
      'rs3',
    ]);
  });

  it('should reach a node by another route when one route is not passable', async () => {
    const store = await tempStore();
    await store.addRelationships([
      edge(pod('a'), pod('hidden')),
      edge(pod('a'), pod('b')),
      edge(pod('hidden'), pod('c')),
      edge(pod('b'), pod('c')),
    ]);
    const steps = store.traverse(pod('a'), { passable: except('hidden') }).items;
    assert.deepEqual(
      steps.map((step) => [step.ref.name, step.depth, step.via.subject.name]),
      [
        ['b', 1, 'a'],
        ['c', 2, 'b'],
      ],
    );
  });

  it('should reach nothing from a start that is not passable, and ask about dangling refs', async () => {
    const store = await tempStore();
    await addAll(store, [pod('a')]);
    await store.addRelationships([edge(pod('a'), pod('ghost')), edge(pod('a'), pod('b'))]);
    const page = store.traverse(pod('a'), { passable: except('a') });
    assert.deepEqual(page.items, []);
    assert.equal(page.revision, store.revision);
    assert.deepEqual(names(store.traverse(pod('a'), { passable: except('ghost') }).items), ['b']);
  });

  it('should combine with kinds, and count only passable refs against the node limit', async () => {
    const store = await tempStore({ maxTraversalNodes: 3 });
    const { d } = await ownershipTree(store);
    assert.equal(await codeOf(() => store.traverse(d)), 'LIMIT_EXCEEDED');
    const passable = except('rs2', 'p3');
    assert.deepEqual(names(store.traverse(d, { passable }).items), ['rs1', 'p1', 'p2']);
    assert.deepEqual(names(store.traverse(d, { passable, kinds: ['Pod'] }).items), ['p1', 'p2']);
  });

  it('should page a filtered walk with the store cursors at one revision', async () => {
    const store = await tempStore();
    const root = pod('root');
    const edges: RelationshipInput[] = [];
    for (let i = 0; i < 5; i++) {
      edges.push(edge(root, pod(`c${i}`)));
      for (let j = 0; j < 3; j++) edges.push(edge(pod(`c${i}`), pod(`g${i}-${j}`)));
    }
    await store.addRelationships(edges);
    const passable = (ref: ResourceRef) => ref.name !== 'c2' && !ref.name.endsWith('-1');
    const whole = store.traverse(root, { passable, limit: 1000 }).items;
    assert.equal(whole.length, 4 + 4 * 2);
    for (const limit of [1, 5, 11, 12])
      assert.deepEqual(allSteps(store, root, { passable }, limit), whole, `limit ${limit}`);
    const first = store.traverse(root, { passable, limit: 5 });
    await store.deleteRelationships([edge(root, pod('c0')), edge(root, pod('c4'))]);
    await store.addRelationships([edge(root, pod('c9'))]);
    const second = store.traverse(root, { passable, limit: 1000, after: first.endCursor });
    assert.equal(second.revision, first.revision);
    assert.deepEqual([...first.items, ...second.items], whole);
  });

  it('should find a shortest path around refs that are not passable, or none', async () => {
    const store = await tempStore();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((name) => pod(name)) as ResourceRef[];
    await store.addRelationships([
      edge(a!, b!),
      edge(b!, d!),
      edge(a!, c!),
      edge(c!, pod('e')),
      edge(pod('e'), d!),
    ]);
    const around = store.shortestPath(a!, d!, { passable: except('b') });
    assert.deepEqual(
      around?.map((r) => r.object.name),
      ['c', 'e', 'd'],
    );
    assert.equal(store.shortestPath(a!, d!, { passable: except('b', 'e') }), null);
    assert.equal(store.shortestPath(a!, d!, { passable: except('d') }), null, 'the target is not passable');
    assert.equal(store.shortestPath(a!, d!, { passable: except('a') }), null, 'the start is not passable');
    assert.equal(store.shortestPath(a!, a!, { passable: except('a') }), null);
    assert.deepEqual(store.shortestPath(a!, a!, { passable: except('b') }), []);
  });

  it('should reject a passable that is not a function', async () => {
    const store = await tempStore();
    const passable = 'all' as never;
    assert.equal(await codeOf(() => store.traverse(pod('a'), { passable })), 'BAD_USER_INPUT');
    assert.equal(await codeOf(() => store.shortestPath(pod('a'), pod('b'), { passable })), 'BAD_USER_INPUT');
  });

  it('should report the limits the store was opened with', async () => {
    const store = await tempStore({ maxPageSize: 50, maxTraversalNodes: 7, maxTraversalDepth: 3 });
    assert.deepEqual(store.limits, { maxPageSize: 50, maxTraversalNodes: 7, maxTraversalDepth: 3 });
  });
});

/** Hop distances from `start` within `maxDepth`, computed on the edge list. */
function modelDistances(
  pairs: readonly [number, number][],
  start: number,
  maxDepth: number,
): Map<number, number> {
  const distances = new Map<number, number>();
  let frontier = [start];
  for (let depth = 1; depth <= maxDepth; depth++) {
    const next = new Set<number>();
    for (const from of frontier) {
      for (const [s, o] of pairs) if (s === from && o !== start && !distances.has(o)) next.add(o);
    }
    for (const id of next) distances.set(id, depth);
    frontier = [...next];
  }
  return distances;
}

describe('shortest path', () => {
  it('should return the shortest chain of relationships, [] to itself, null when unreachable', async () => {
    const store = await tempStore();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((name) => pod(name)) as ResourceRef[];
    await store.addRelationships([edge(a!, b!), edge(b!, c!), edge(c!, d!), edge(b!, d!, 'Other')]);
    const path = store.shortestPath(a!, d!);
    assert.deepEqual(
      path?.map((r) => [r.subject.name, r.predicate.type, r.object.name]),
      [
        ['a', 'Calls', 'b'],
        ['b', 'Other', 'd'],
      ],
    );
    assert.equal(store.shortestPath(a!, d!, { predicates: ['Calls'] })?.length, 3);
    assert.equal(store.shortestPath(a!, d!, { maxDepth: 1 }), null);
    assert.deepEqual(store.shortestPath(a!, a!), []);
    assert.equal(store.shortestPath(d!, a!), null);
    assert.equal(store.shortestPath(d!, a!, { direction: 'INCOMING' })?.length, 2);
    assert.equal(store.shortestPath(a!, pod('nowhere')), null);
  });
});

describe('cascading delete', () => {
  it('should delete only the resource and its edges with ORPHAN', async () => {
    const store = await tempStore();
    const { d, rs1, rs2 } = await ownershipTree(store);
    const result = await store.delete(d);
    assert.equal(result.deleted.ref.name, 'd');
    assert.deepEqual(result.dependents, []);
    assert.equal(result.removedRelationships.length, 2);
    assert.ok(store.get(rs1) && store.get(rs2));
    assert.deepEqual(store.relationships({ subject: d }).items, []);
    assert.deepEqual(store.checkIntegrity(), []);
  });

  for (const propagation of ['BACKGROUND', 'FOREGROUND'] as const) {
    it(`should delete every dependent without another live owner with ${propagation}`, async () => {
      const store = await tempStore();
      const { d, p2, rs3 } = await ownershipTree(store);
      const result = await store.delete(d, null, { propagation });
      assert.deepEqual(result.dependents.map((r) => r.ref.name).sort(), ['p1', 'p3', 'rs1', 'rs2']);
      assert.ok(store.get(p2), 'p2 keeps its other owner rs3');
      assert.deepEqual(
        store.relationships({ object: p2 }).items.map((r) => r.subject.name),
        [rs3.name],
      );
      assert.deepEqual(
        store
          .list({})
          .items.map((r) => r.ref.name)
          .sort(),
        ['p2', 'rs3'],
      );
      assert.deepEqual(store.checkIntegrity(), []);
    });
  }

  it('should emit one DELETED event per deleted resource at one revision, in deletion order', async () => {
    const orders: Record<string, string[]> = {};
    for (const propagation of ['BACKGROUND', 'FOREGROUND'] as const) {
      const store = await tempStore();
      const { d } = await ownershipTree(store);
      const watch = store.watch({ since: store.revision });
      const result = await store.delete(d, null, { propagation });
      const events = await take(watch[Symbol.asyncIterator](), 5);
      assert.ok(events.every((e) => e.type === 'DELETED' && e.revision === result.revision));
      orders[propagation] = events.map((e) => e.resource!.ref.name);
      const relationshipEvents = await take(
        store.watchRelationships({ since: result.revision - 1 })[Symbol.asyncIterator](),
        result.removedRelationships.length,
      );
      assert.equal(relationshipEvents.length, 5, 'every removed triplet has its event');
    }
    assert.deepEqual(orders.BACKGROUND, ['d', 'rs1', 'rs2', 'p1', 'p3']);
    assert.deepEqual(orders.FOREGROUND, ['p3', 'p1', 'rs2', 'rs1', 'd']);
  });

  it('should delete a dependent whose owners are all deleted in the same cascade', async () => {
    const store = await tempStore();
    const d = apps('Deployment', 'd');
    const [a, b, shared] = [apps('ReplicaSet', 'a'), apps('ReplicaSet', 'b'), pod('shared')];
    await addAll(store, [d, a, b, shared]);
    // `shared` is reached through `a` before `b` joins the doomed set.
    await store.addRelationships([owns(d, a), owns(a, shared), owns(d, b), owns(b, shared)]);
    const result = await store.delete(d, null, { propagation: 'BACKGROUND' });
    assert.deepEqual(result.dependents.map((r) => r.ref.name).sort(), ['a', 'b', 'shared']);
    assert.equal(store.count(), 0);
  });

  it('should cascade down a long ownership chain, and refuse one longer than the node limit', async () => {
    const store = await tempStore({ maxTraversalNodes: 2999 });
    const chain = Array.from({ length: 3001 }, (_, i) => pod(`c${i}`));
    await addAll(store, chain);
    await store.addRelationships(chain.slice(1).map((ref, i) => owns(chain[i]!, ref)));
    const plan = await store.delete(chain[1]!, null, { propagation: 'BACKGROUND', dryRun: true });
    assert.equal(plan.dependents.length, 2999);
    assert.equal(
      await codeOf(store.delete(chain[0]!, null, { propagation: 'BACKGROUND', dryRun: true })),
      'LIMIT_EXCEEDED',
    );
    assert.equal(
      await codeOf(store.delete(chain[0]!, null, { propagation: 'BACKGROUND' })),
      'LIMIT_EXCEEDED',
    );
    assert.equal(store.count(), 3001, 'a refused cascade deletes nothing');
    const done = await store.delete(chain[1]!, null, { propagation: 'FOREGROUND' });
    assert.equal(done.dependents.length, 2999);
    assert.deepEqual(names(store.list({}).items), ['c0']);
  });

  it('should keep the dependents passable rejects, and what only they own, in deletes and transactions', async () => {
    for (const via of ['delete', 'dry run', 'transaction'] as const) {
      const store = await tempStore();
      const { d, rs1, p1, p2, p3 } = await ownershipTree(store);
      const asked: string[] = [];
      // rs1 is kept: p1 (owned by rs1 alone) stays with it; p2 has rs3 anyway; rs2 and p3 go.
      const passable = (ref: ResourceRef) => {
        asked.push(ref.name);
        return ref.name !== rs1.name;
      };
      const options = { propagation: 'BACKGROUND', passable } as const;
      const result =
        via === 'transaction'
          ? (await store.transaction([{ op: 'delete', ref: d, propagation: 'BACKGROUND' }], { passable }))
              .results[0]!
          : await store.delete(d, null, { ...options, dryRun: via === 'dry run' });
      assert.ok('dependents' in result);
      assert.deepEqual(result.dependents.map((r) => r.ref.name).sort(), ['p3', 'rs2'], via);
      assert.equal(new Set(asked).size, asked.length, `${via}: each dependent asked once`);
      assert.ok(!asked.includes(p1.name), `${via}: not walked through rs1`);
      const removed = result.removedRelationships.map((r) => `${r.subject.name}>${r.object.name}`).sort();
      assert.deepEqual(removed, ['d>rs1', 'd>rs2', 'rs2>p3'], via);
      if (via === 'dry run') continue;
      assert.deepEqual(
        names(store.list({}).items).sort(),
        [p1, p2, rs1, apps('ReplicaSet', 'rs3')].map((r) => r.name).sort(),
      );
      assert.equal(store.get(p3), null);
      assert.deepEqual(store.checkIntegrity(), []);
    }
  });

  it('should end on ownership cycles and skip dependents that are not stored', async () => {
    const store = await tempStore();
    const [a, b] = [apps('ReplicaSet', 'a'), pod('b')];
    await addAll(store, [a, b]);
    await store.addRelationships([owns(a, b), owns(b, a), owns(a, pod('ghost'))]);
    const result = await store.delete(a, null, { propagation: 'FOREGROUND' });
    assert.deepEqual(
      result.dependents.map((r) => r.ref.name),
      ['b'],
    );
    assert.equal(store.count(), 0);
    assert.deepEqual(store.relationships().items, []);
  });

  for (const propagation of ['ORPHAN', 'BACKGROUND', 'FOREGROUND'] as DeletePropagation[]) {
    it(`should report exactly what a ${propagation} delete removes in a dry run, changing nothing`, async () => {
      const store = await tempStore();
      const { d } = await ownershipTree(store);
      const before = {
        revision: store.revision,
        resources: store.list({}).items,
        edges: store.relationships().items,
      };
      const plan = await store.delete(d, 1, { propagation, dryRun: true });
      assert.equal(plan.dryRun, true);
      assert.equal(plan.revision, before.revision);
      assert.equal(store.revision, before.revision);
      assert.deepEqual(store.list({}).items, before.resources);
      assert.deepEqual(store.relationships().items, before.edges);
      assert.equal(plan.deleted.deletedAt, null, 'a dry run reports resources as they are');
      const done = await store.delete(d, 1, { propagation });
      assert.equal(done.dryRun, false);
      assert.deepEqual(
        [plan.deleted, ...plan.dependents].map((r) => r.ref.name),
        [done.deleted, ...done.dependents].map((r) => r.ref.name),
      );
      assert.equal(plan.removedRelationships.length, done.removedRelationships.length);
    });
  }

  it('should check existence and the version before a dry run or a cascade deletes anything', async () => {
    const store = await tempStore();
    const { d } = await ownershipTree(store);
    const revision = store.revision;
    assert.equal(
      await codeOf(store.delete(d, 7, { propagation: 'FOREGROUND', dryRun: true })),
      'VERSION_CONFLICT',
    );
    assert.equal(await codeOf(store.delete(d, 7, { propagation: 'FOREGROUND' })), 'VERSION_CONFLICT');
    assert.equal(await codeOf(store.delete(pod('none'), null, { dryRun: true })), 'NOT_FOUND');
    assert.equal(await codeOf(store.delete(d, null, { propagation: 'SOME' as never })), 'BAD_USER_INPUT');
    assert.equal(await codeOf(store.delete(d, null, { dryRun: 'yes' as never })), 'BAD_USER_INPUT');
    assert.equal(store.revision, revision);
    assert.equal(store.count(), 7);
  });

  it('should cascade inside a transaction and roll the cascade back when a later operation fails', async () => {
    const store = await tempStore();
    const { d, p2 } = await ownershipTree(store);
    const failed = await codeOf(
      store.transaction([
        { op: 'delete', ref: d, propagation: 'BACKGROUND' },
        { op: 'update', resource: { ref: p2 }, expectedVersion: 9 },
      ]),
    );
    assert.equal(failed, 'VERSION_CONFLICT');
    assert.equal(store.count(), 7);
    const { results } = await store.transaction([{ op: 'delete', ref: d, propagation: 'BACKGROUND' }]);
    assert.equal(results[0]?.op === 'delete' && results[0].dependents.length, 4);
    assert.equal(store.count(), 2);
    assert.deepEqual(store.checkIntegrity(), []);
  });
});

describe('walks over a node with very many edges', () => {
  it('should page a walk at an older revision from a node with 130,000 edges', async () => {
    const store = await tempStore({ maxTraversalNodes: 200_000 });
    const hub = { group: '', version: 'v1', kind: 'Node', namespace: '', name: 'hub' };
    const edges = Array.from({ length: 130_000 }, (_, i) => ({
      subject: pod(`p${i}`),
      predicate: { type: 'Runs' },
      object: hub,
    }));
    for (let i = 0; i < edges.length; i += 20_000) await store.addRelationships(edges.slice(i, i + 20_000));
    const first = store.traverse(hub, { direction: 'INCOMING', maxDepth: 1, limit: 2 });
    await store.add({ ref: pod('later') });
    const second = store.traverse(hub, {
      direction: 'INCOMING',
      maxDepth: 1,
      limit: 2,
      after: first.endCursor,
    });
    assert.equal(second.revision, first.revision);
    assert.deepEqual(
      second.items.map((step) => step.ref.name),
      store
        .traverse(hub, { direction: 'INCOMING', maxDepth: 1, limit: 4 })
        .items.slice(2)
        .map((step) => step.ref.name),
    );
  });
});

describe('walks as resumable work', () => {
  /** Runs `steps` one step at a time, awaiting `between` after the first step; returns result and steps. */
  async function stepped<T>(steps: Steps<T>, between: () => Promise<unknown>): Promise<[T, number]> {
    let count = 0;
    for (let step = steps.next(); ; step = steps.next()) {
      if (step.done) return [step.value, count];
      if (count++ === 0) await between();
    }
  }

  it('should walk in steps, one a resource, to the same page as traverse', async () => {
    const store = await tempStore();
    const { d } = await ownershipTree(store);
    const [page, count] = await stepped(store.traverseSteps(d), async () => {});
    assert.deepEqual(page.items, store.traverse(d).items);
    assert.ok(count >= 3, `stepped ${count} times`);
  });

  it('should read the graph of its first step when writes commit between steps', async () => {
    const store = await tempStore();
    const { d, rs1, rs2, p3 } = await ownershipTree(store);
    const before = store.traverse(d);
    const [page] = await stepped(store.traverseSteps(d), async () => {
      await store.deleteRelationships([owns(rs2, p3)]);
      await store.addRelationships([owns(rs1, pod('p9'))]);
      await store.update({ ref: rs2, labels: { changed: 'yes' } }, 1);
    });
    assert.deepEqual(page, { ...before, cursorAt: page.cursorAt });
    assert.notDeepEqual(names(store.traverse(d).items), names(before.items));
  });

  it('should find a shortest path in steps at the revision of its first step', async () => {
    const store = await tempStore();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((name) => pod(name)) as ResourceRef[];
    await store.addRelationships([edge(a!, b!), edge(b!, c!), edge(c!, d!)]);
    const [path] = await stepped(store.shortestPathSteps(a!, d!), () =>
      store.deleteRelationships([edge(c!, d!)]),
    );
    assert.deepEqual(
      path?.map((r) => r.object.name),
      ['b', 'c', 'd'],
    );
    assert.equal(store.shortestPath(a!, d!), null);
  });

  it('should check its arguments when called, before any step', async () => {
    const store = await tempStore();
    assert.equal(await codeOf(() => store.traverseSteps(pod('a'), { maxDepth: 10_000 })), 'BAD_USER_INPUT');
    assert.equal(
      await codeOf(() => store.shortestPathSteps(pod('a'), { name: '' } as never)),
      'BAD_USER_INPUT',
    );
  });
});
