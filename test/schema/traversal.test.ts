import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AncestorsDocument,
  CreateWorkloadDocument,
  type DeletePropagation,
  DeleteResourceDocument,
  DescendantsDocument,
  OwnersAndDependentsDocument,
  PreviewDeleteDocument,
  ResourceEventsDocument,
  type ResourceEventsSubscription,
  type ResourceRefInput,
  ShortestPathDocument,
  type TraversalPageFragment,
  TraverseGraphDocument,
  type TraverseGraphQuery,
  type TraverseGraphQueryVariables,
} from '../../examples/generated/graphql.ts';
import {
  type Operation,
  openStore,
  type RelationshipInput,
  type ResourceRef,
  type Store,
} from '../../src/store/index.ts';
import {
  countingReads,
  errorCode,
  type ReadCounts,
  startServer,
  subscribe,
  type TestServer,
} from './helpers.ts';

/** A ref in the `example.com` group. */
const ref = (kind: string, name: string, namespace = 'graph'): ResourceRef => ({
  group: 'example.com',
  version: 'v1',
  kind,
  namespace,
  name,
});

const apps = (kind: string, name: string, namespace: string): ResourceRef => ({
  group: 'apps',
  version: 'v1',
  kind,
  namespace,
  name,
});

const pod = (name: string, namespace: string): ResourceRef => ({
  group: '',
  version: 'v1',
  kind: 'Pod',
  namespace,
  name,
});

/** The uid the fixtures give a resource: unique across namespaces. */
const uidOf = (r: ResourceRef) => `uid-${r.namespace}-${r.name}`;

/** A generic edge. */
const edge = (subject: ResourceRef, type: string, object: ResourceRef): RelationshipInput => ({
  subject,
  predicate: { type },
  object,
});

/** An OwnerReference edge from `owner` to `dependent`. */
const owns = (owner: ResourceRef, dependent: ResourceRef): RelationshipInput => ({
  subject: owner,
  predicate: {
    type: 'OwnerReference',
    data: { kind: owner.kind, name: owner.name, uid: uidOf(owner), controller: true },
  },
  object: dependent,
});

/** Adds resources (with uids from {@link uidOf}) and relationships in one transaction. */
async function seed(store: Store, resources: ResourceRef[], relationships: RelationshipInput[]) {
  const operations: Operation[] = [
    ...resources.map((r): Operation => ({ op: 'add', resource: { ref: r, uid: uidOf(r) } })),
    ...relationships.map((relationship): Operation => ({ op: 'addRelationship', relationship })),
  ];
  await store.transaction(operations);
}

type Step = TraversalPageFragment['edges'][number]['node'];

/** `name@depth` of each step, in order. */
const names = (page: TraversalPageFragment | undefined) =>
  (page?.edges ?? []).map(({ node }) => `${node.ref.name}@${node.depth}`);

/** `subject -type-> object` of a step's `via`. */
const viaOf = (step: Step | undefined) =>
  step && `${step.via.subjectRef.name} -${step.via.predicate.type}-> ${step.via.objectRef.name}`;

/** Every step of a traversal, paged `first` at a time; fails if the revision changes between pages. */
async function traverseAll(
  server: TestServer,
  variables: TraverseGraphQueryVariables,
  first: number,
): Promise<{ steps: Step[]; pages: number }> {
  const steps: Step[] = [];
  let after: string | null = null;
  let revision: string | null = null;
  let pages = 0;
  do {
    const response: TraverseGraphQuery = await server.data(TraverseGraphDocument, {
      ...variables,
      first,
      after,
    });
    const page = response.resource?.traverse;
    assert.ok(page);
    pages++;
    revision ??= page.revision;
    assert.equal(page.revision, revision);
    assert.equal(page.pageInfo.hasPreviousPage, after !== null);
    assert.ok(page.edges.length <= first);
    steps.push(...page.edges.map((e) => e.node));
    after = page.pageInfo.hasNextPage ? (page.pageInfo.endCursor ?? null) : null;
  } while (after);
  return { steps, pages };
}

describe('traversal', () => {
  let server: TestServer;
  // a -> b -> c -> a is a cycle; b and c both reach d; d names a Secret that is not stored; a also
  // `watches` e.
  const [a, b, c, d, e] = [
    ref('Service', 'a'),
    ref('Pod', 'b'),
    ref('Pod', 'c'),
    ref('ConfigMap', 'd'),
    ref('Job', 'e'),
  ];
  const ghost = ref('Secret', 'ghost');

  before(async () => {
    server = await startServer();
    await seed(
      server.store,
      [a, b, c, d, e],
      [
        edge(a, 'dependsOn', b),
        edge(b, 'dependsOn', c),
        edge(c, 'dependsOn', a),
        edge(b, 'dependsOn', d),
        edge(c, 'dependsOn', d),
        edge(d, 'dependsOn', ghost),
        edge(a, 'watches', e),
      ],
    );
  });
  after(() => server.close());

  const traverse = async (variables: Omit<TraverseGraphQueryVariables, 'ref'>, from: ResourceRef = a) =>
    (await server.data(TraverseGraphDocument, { ref: from, ...variables })).resource?.traverse;

  it('should reach each resource of a cyclic graph once, breadth-first, with its depth and first edge', async () => {
    const page = await traverse({});
    const reached = names(page);
    assert.deepEqual([...reached].sort(), ['b@1', 'c@2', 'd@2', 'e@1', 'ghost@3']);
    const depths = page?.edges.map((x) => x.node.depth) ?? [];
    assert.deepEqual(
      depths,
      [...depths].sort((x, y) => x - y),
      'breadth-first: depths never decrease',
    );
    const byName = new Map(page?.edges.map((x) => [x.node.ref.name, x.node]));
    assert.equal(viaOf(byName.get('b')), 'a -dependsOn-> b');
    assert.equal(viaOf(byName.get('e')), 'a -watches-> e');
    assert.equal(viaOf(byName.get('c')), 'b -dependsOn-> c');
    assert.equal(viaOf(byName.get('d')), 'b -dependsOn-> d', 'd is first reached from b, at depth 2');
    assert.equal(viaOf(byName.get('ghost')), 'd -dependsOn-> ghost');
    assert.equal(byName.get('b')?.resource?.uid, uidOf(b));
    assert.equal(byName.get('b')?.ref.uid, uidOf(b));
    assert.deepEqual(names(await traverse({})), reached, 'the order is stable');
  });

  it('should report a dangling ref with its ref and a null resource', async () => {
    const page = await traverse({ kinds: ['Secret'] });
    assert.equal(page?.edges.length, 1);
    const step = page?.edges[0]?.node;
    assert.deepEqual(step?.ref, { kind: 'Secret', namespace: 'graph', name: 'ghost', uid: null });
    assert.equal(step?.resource, null);
    assert.equal(step?.depth, 3);
  });

  it('should follow only the given predicates and directions', async () => {
    assert.deepEqual(names(await traverse({ predicates: ['dependsOn'] })).sort(), [
      'b@1',
      'c@2',
      'd@2',
      'ghost@3',
    ]);
    assert.deepEqual(names(await traverse({ predicates: ['watches'] })), ['e@1']);
    assert.deepEqual(names(await traverse({ predicates: ['nothing-of-this-type'] })), []);
    assert.deepEqual(names(await traverse({ direction: 'INCOMING', predicates: ['dependsOn'] })), [
      'c@1',
      'b@2',
    ]);
    const both = names(await traverse({ direction: 'BOTH' }, d));
    assert.deepEqual([...both].sort(), ['a@2', 'b@1', 'c@1', 'e@3', 'ghost@1']);
  });

  it('should stop at maxDepth', async () => {
    assert.deepEqual(names(await traverse({ maxDepth: 1 })).sort(), ['b@1', 'e@1']);
    assert.deepEqual(names(await traverse({ maxDepth: 2 })).sort(), ['b@1', 'c@2', 'd@2', 'e@1']);
    assert.equal(names(await traverse({ maxDepth: 50 })).length, 5);
  });

  it('should report only the given kinds while walking through every kind', async () => {
    assert.deepEqual(names(await traverse({ kinds: ['ConfigMap', 'Secret'] })).sort(), ['d@2', 'ghost@3']);
    assert.deepEqual(names(await traverse({ kinds: ['Service'] })), [], 'the start is not reported');
  });

  it('should reject maxDepth above the server limit, or below 1, with BAD_USER_INPUT', async () => {
    for (const maxDepth of [51, 0, -1]) {
      const response = await server.request(TraverseGraphDocument, { ref: a, maxDepth });
      assert.equal(errorCode(response), 'BAD_USER_INPUT', `maxDepth ${maxDepth}`);
      assert.equal(response.errors?.[0]?.extensions?.field, 'maxDepth');
    }
    const descendants = await server.request(DescendantsDocument, { ref: a, maxDepth: 51 });
    assert.equal(errorCode(descendants), 'BAD_USER_INPUT');
    const path = await server.request(ShortestPathDocument, { from: a, to: b, maxDepth: 51 });
    assert.equal(errorCode(path), 'BAD_USER_INPUT');
  });

  it('should reject a cursor of another traversal with BAD_USER_INPUT', async () => {
    const page = await traverse({ first: 1 });
    const cursor = page?.pageInfo.endCursor;
    assert.ok(cursor);
    const other = await server.request(TraverseGraphDocument, {
      ref: a,
      maxDepth: 2,
      first: 1,
      after: cursor,
    });
    assert.equal(errorCode(other), 'BAD_USER_INPUT');
  });

  it('should return an empty connection from a resource with no edges', async () => {
    assert.deepEqual(names(await traverse({}, e)), []);
  });
});

describe('traversal paging', () => {
  let server: TestServer;
  const NODES = 60;
  const node = (i: number) => ref(i % 4 === 0 ? 'Pod' : 'ConfigMap', `n-${i}`, 'paging');

  before(async () => {
    server = await startServer();
    const relationships: RelationshipInput[] = [];
    for (let i = 0; i < NODES; i++) {
      for (const child of [2 * i + 1, 2 * i + 2]) {
        if (child < NODES) relationships.push(edge(node(i), 'feeds', node(child)));
      }
      // Back edges make cycles; every seventh node also names a resource that is not stored.
      if (i > 0) relationships.push(edge(node(i), 'feeds', node(Math.floor(i / 3))));
      if (i % 7 === 0) relationships.push(edge(node(i), 'feeds', ref('Secret', `missing-${i}`, 'paging')));
    }
    await seed(
      server.store,
      Array.from({ length: NODES }, (_, i) => node(i)),
      relationships,
    );
  });
  after(() => server.close());

  it('should page through a whole traversal with first/after, without duplicates or gaps', async () => {
    const variables = { ref: node(0), maxDepth: 20 };
    const whole = await traverseAll(server, variables, 1000);
    assert.equal(whole.pages, 1);
    const expected = NODES - 1 + Math.ceil(NODES / 7);
    assert.equal(whole.steps.length, expected, 'every node but the start, and each missing secret');
    for (const first of [1, 7, 25]) {
      const paged = await traverseAll(server, variables, first);
      assert.equal(paged.pages, Math.ceil(expected / first));
      assert.deepEqual(
        paged.steps.map((s) => s.ref.name),
        whole.steps.map((s) => s.ref.name),
        `pages of ${first}`,
      );
    }
    const distinct = new Set(whole.steps.map((s) => `${s.ref.kind}/${s.ref.name}`));
    assert.equal(distinct.size, whole.steps.length);
  });

  it('should page through a traversal filtered by kind', async () => {
    const variables = { ref: node(0), maxDepth: 20, kinds: ['Pod'] };
    const whole = await traverseAll(server, variables, 1000);
    assert.equal(whole.steps.length, Math.ceil(NODES / 4) - 1);
    assert.ok(whole.steps.every((s) => s.ref.kind === 'Pod'));
    const paged = await traverseAll(server, variables, 4);
    assert.deepEqual(
      paged.steps.map((s) => s.ref.name),
      whole.steps.map((s) => s.ref.name),
    );
  });
});

describe('traversal node limit', () => {
  let server: TestServer;
  const link = (i: number) => ref('Pod', `p-${i}`, 'capped');
  const chain = Array.from({ length: 10 }, (_, i) => link(i));

  before(async () => {
    server = await startServer({ storeOptions: { maxTraversalNodes: 5 } });
    await seed(
      server.store,
      chain,
      chain.slice(1).map((next, i) => owns(link(i), next)),
    );
  });
  after(() => server.close());

  it('should fail a traversal that reaches more nodes than the limit with LIMIT_EXCEEDED', async () => {
    const response = await server.request(TraverseGraphDocument, { ref: link(0) });
    assert.equal(errorCode(response), 'LIMIT_EXCEEDED');
    assert.deepEqual(response.errors?.[0]?.path, ['resource', 'traverse']);
    assert.equal(response.data?.resource, null);
    const descendants = await server.request(DescendantsDocument, { ref: link(0) });
    assert.equal(errorCode(descendants), 'LIMIT_EXCEEDED');
    const ancestors = await server.request(AncestorsDocument, { ref: link(9) });
    assert.equal(errorCode(ancestors), 'LIMIT_EXCEEDED');
  });

  it('should allow walks within the limit', async () => {
    const response = await server.data(TraverseGraphDocument, { ref: link(0), maxDepth: 5 });
    assert.deepEqual(names(response.resource?.traverse), ['p-1@1', 'p-2@2', 'p-3@3', 'p-4@4', 'p-5@5']);
  });
});

describe('ownership shortcuts and paths', () => {
  let server: TestServer;
  const ns = 'owned';
  const deployment = apps('Deployment', 'web', ns);
  const replicaSet = apps('ReplicaSet', 'web-1', ns);
  const [podA, podB, gone] = [pod('web-1-a', ns), pod('web-1-b', ns), pod('web-1-gone', ns)];
  const node = { group: '', version: 'v1', kind: 'Node', namespace: '', name: 'node-1' };

  before(async () => {
    server = await startServer();
    await seed(
      server.store,
      [deployment, replicaSet, podA, podB, node],
      [
        owns(deployment, replicaSet),
        owns(replicaSet, podA),
        owns(replicaSet, podB),
        owns(replicaSet, gone),
        {
          subject: podA,
          predicate: { type: 'PodNodeBinding', data: { nodeName: 'node-1' } },
          object: node,
        },
      ],
    );
  });
  after(() => server.close());

  it('should list owners and dependents one hop away, leaving out refs that are not stored', async () => {
    const { resources } = await server.data(OwnersAndDependentsDocument, { namespace: ns });
    const byName = new Map(
      resources.edges.map(({ node }) => [
        node.ref.name,
        {
          owners: node.owners.map((o) => o.ref.name),
          dependents: node.dependents.map((o) => o.ref.name).sort(),
        },
      ]),
    );
    assert.deepEqual(Object.fromEntries(byName), {
      web: { owners: [], dependents: ['web-1'] },
      'web-1': { owners: ['web'], dependents: ['web-1-a', 'web-1-b'] },
      'web-1-a': { owners: ['web-1'], dependents: [] },
      'web-1-b': { owners: ['web-1'], dependents: [] },
    });
  });

  it('should walk up from a Pod through its owners, with depths', async () => {
    const { resource } = await server.data(AncestorsDocument, { ref: podA });
    assert.deepEqual(
      resource?.owners.map((o) => o.ref.name),
      ['web-1'],
    );
    assert.deepEqual(names(resource?.ancestors), ['web-1@1', 'web@2']);
    assert.equal(viaOf(resource?.ancestors.edges[1]?.node), 'web -OwnerReference-> web-1');
    const one = await server.data(AncestorsDocument, { ref: podA, maxDepth: 1 });
    assert.deepEqual(names(one.resource?.ancestors), ['web-1@1']);
    const top = await server.data(AncestorsDocument, { ref: deployment });
    assert.deepEqual(names(top.resource?.ancestors), []);
  });

  it('should walk down from a Deployment over OwnerReference edges only', async () => {
    const { resource } = await server.data(DescendantsDocument, { ref: deployment });
    const reached = names(resource?.descendants);
    assert.equal(reached[0], 'web-1@1');
    assert.deepEqual(reached.slice(1).sort(), ['web-1-a@2', 'web-1-b@2', 'web-1-gone@2']);
    assert.ok(!reached.some((name) => name.startsWith('node-1')), 'PodNodeBinding is not ownership');
    const missing = resource?.descendants.edges.find((e) => e.node.ref.name === 'web-1-gone')?.node;
    assert.equal(missing?.resource, null);

    const pods = await server.data(DescendantsDocument, { ref: deployment, kinds: ['Pod'] });
    assert.equal(pods.resource?.descendants.edges.length, 3);
    const shallow = await server.data(DescendantsDocument, { ref: deployment, maxDepth: 1 });
    assert.deepEqual(names(shallow.resource?.descendants), ['web-1@1']);
    const paged = await server.data(DescendantsDocument, { ref: deployment, first: 2 });
    assert.equal(paged.resource?.descendants.edges.length, 2);
    assert.equal(paged.resource?.descendants.pageInfo.hasNextPage, true);
  });

  it('should find a shortest path, [] to itself, and null when unreachable', async () => {
    const path = async (from: ResourceRefInput, to: ResourceRefInput, extra = {}) =>
      (await server.data(ShortestPathDocument, { from, to, ...extra })).resource?.path?.map(
        (r) => `${r.subjectRef.name} -${r.predicate.type}-> ${r.objectRef.name}`,
      ) ?? null;

    assert.deepEqual(await path(deployment, node), [
      'web -OwnerReference-> web-1',
      'web-1 -OwnerReference-> web-1-a',
      'web-1-a -PodNodeBinding-> node-1',
    ]);
    assert.deepEqual(await path(podA, deployment, { direction: 'INCOMING' }), [
      'web-1 -OwnerReference-> web-1-a',
      'web -OwnerReference-> web-1',
    ]);
    assert.equal(await path(podA, deployment), null, 'edges are followed forwards by default');
    assert.equal(await path(deployment, node, { predicates: ['OwnerReference'] }), null);
    assert.equal(await path(deployment, node, { maxDepth: 2 }), null);
    assert.equal(await path(deployment, pod('nowhere', ns)), null);
    assert.deepEqual(await path(deployment, deployment), []);
    assert.deepEqual(await path(deployment, gone), [
      'web -OwnerReference-> web-1',
      'web-1 -OwnerReference-> web-1-gone',
    ]);
  });
});

describe('ownership loads in batches', () => {
  const PODS = 1000;
  const SETS = 10;
  let store: Store;
  let server: TestServer;
  let calls: ReadCounts;

  before(async () => {
    store = await openStore({ inMemory: true });
    const sets = Array.from({ length: SETS }, (_, i) => apps('ReplicaSet', `rs-${i}`, 'batch'));
    const pods = Array.from({ length: PODS }, (_, i) => pod(`pod-${i}`, 'batch'));
    await seed(
      store,
      [...sets, ...pods],
      pods.map((p, i) => owns(sets[i % SETS] as ResourceRef, p)),
    );
    const counting = countingReads(store);
    calls = counting.calls;
    server = await startServer({ store: counting.store });
  });
  after(async () => {
    await server.close();
    await store.close();
  });

  it('should load the owners and dependents of 1,000 listed pods in one batched read each', async () => {
    const { resources } = await server.data(OwnersAndDependentsDocument, {
      type: { kind: 'Pod' },
      first: PODS,
    });
    assert.equal(resources.edges.length, PODS);
    for (const { node } of resources.edges) {
      const index = Number(node.ref.name.slice('pod-'.length));
      assert.deepEqual(
        node.owners.map((o) => o.ref.name),
        [`rs-${index % SETS}`],
      );
      assert.deepEqual(node.dependents, []);
    }
    assert.deepEqual(calls, { relationshipsMany: 1, relationships: 0, getMany: 1, get: 0 });
  });
});

describe('cascading delete', () => {
  let server: TestServer;
  let workloads = 0;

  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  /**
   * A Deployment owning a ReplicaSet that owns pods a, b and c; pod b also has a second live owner, a
   * Job; pod c is also owned by the Deployment directly; pod a is bound to a Node that is not stored.
   */
  async function workload() {
    const ns = `cascade-${++workloads}`;
    const refs = {
      deployment: apps('Deployment', 'web', ns),
      replicaSet: apps('ReplicaSet', 'web-1', ns),
      job: ref('Job', 'backup', ns),
      podA: pod('a', ns),
      podB: pod('b', ns),
      podC: pod('c', ns),
    };
    await seed(server.store, Object.values(refs), [
      owns(refs.deployment, refs.replicaSet),
      owns(refs.replicaSet, refs.podA),
      owns(refs.replicaSet, refs.podB),
      owns(refs.replicaSet, refs.podC),
      owns(refs.deployment, refs.podC),
      owns(refs.job, refs.podB),
      {
        subject: refs.podA,
        predicate: { type: 'PodNodeBinding', data: { nodeName: 'n' } },
        object: { group: '', version: 'v1', kind: 'Node', namespace: '', name: 'n' },
      },
    ]);
    return { ns, refs };
  }

  const remaining = (ns: string) =>
    server.store
      .list({ namespace: ns })
      .items.map((r) => r.ref.name)
      .sort();

  async function deleteWith(target: ResourceRefInput, propagation: DeletePropagation, dryRun: boolean) {
    return (await server.data(DeleteResourceDocument, { ref: target, propagation, dryRun })).deleteResource;
  }

  it('should change nothing on a dry run, whatever the propagation', async () => {
    const { ns, refs } = await workload();
    const expected: Record<DeletePropagation, string[]> = {
      ORPHAN: ['web'],
      BACKGROUND: ['a', 'c', 'web', 'web-1'],
      FOREGROUND: ['a', 'c', 'web', 'web-1'],
    };
    const before = server.store.revision;
    const all = remaining(ns);
    for (const propagation of ['ORPHAN', 'BACKGROUND', 'FOREGROUND'] as const) {
      const result = await deleteWith(refs.deployment, propagation, true);
      assert.equal(result.dryRun, true);
      assert.equal(result.revision, String(before), propagation);
      assert.equal(result.deleted[0]?.ref.name, 'web', 'the resource asked for comes first');
      assert.deepEqual(result.deleted.map((r) => r.ref.name).sort(), expected[propagation], propagation);
      assert.ok(result.deleted.every((r) => r.deletedAt === null));
      assert.equal(server.store.revision, before);
      assert.deepEqual(remaining(ns), all);
    }
    const preview = await server.data(PreviewDeleteDocument, { ref: refs.deployment });
    assert.deepEqual(preview.deleteResource.deleted.map((r) => r.ref.name).sort(), expected.BACKGROUND);
    assert.equal(preview.deleteResource.removedRelationships, 6, 'every edge but job -> b');
    assert.equal(server.store.relationships({ subject: refs.deployment }).items.length, 2);
    assert.equal(server.store.revision, before);
  });

  it('should delete only the resource and its edges with ORPHAN, the default', async () => {
    const { ns, refs } = await workload();
    const { deleteResource } = await server.data(DeleteResourceDocument, { ref: refs.deployment });
    assert.equal(deleteResource.dryRun, false);
    assert.deepEqual(
      deleteResource.deleted.map((r) => r.ref.name),
      ['web'],
    );
    assert.ok(deleteResource.deleted[0]?.deletedAt);
    assert.equal(deleteResource.removedRelationships, 2);
    assert.deepEqual(remaining(ns), ['a', 'b', 'backup', 'c', 'web-1']);
    const { resource } = await server.data(AncestorsDocument, { ref: refs.podC });
    assert.deepEqual(
      resource?.owners.map((o) => o.ref.name),
      ['web-1'],
    );
    assert.deepEqual(server.store.checkIntegrity(), []);
  });

  for (const propagation of ['BACKGROUND', 'FOREGROUND'] as const) {
    it(`should delete the chain with ${propagation}, sparing a dependent with another live owner`, async () => {
      const { ns, refs } = await workload();
      const result = await deleteWith(refs.deployment, propagation, false);
      assert.equal(result.dryRun, false);
      assert.equal(result.revision, String(server.store.revision));
      const deleted = result.deleted.map((r) => r.ref.name);
      assert.equal(deleted[0], 'web');
      assert.deepEqual([...deleted].sort(), ['a', 'c', 'web', 'web-1']);
      assert.ok(result.deleted.every((r) => r.deletedAt !== null));
      assert.equal(result.removedRelationships, 6);
      assert.deepEqual(remaining(ns), ['b', 'backup']);
      const { resource } = await server.data(AncestorsDocument, { ref: refs.podB });
      assert.deepEqual(
        resource?.owners.map((o) => o.ref.name),
        ['backup'],
      );
      // The dependents come in deletion order: owners first (BACKGROUND) or dependents first (FOREGROUND).
      const dependents = deleted.slice(1);
      const ownerFirst = dependents.indexOf('web-1') < dependents.indexOf('a');
      assert.equal(ownerFirst, propagation === 'BACKGROUND', dependents.join(', '));
      assert.deepEqual(server.store.checkIntegrity(), []);
    });
  }

  it('should cascade inside a transaction and report the dependents', async () => {
    const { ns, refs } = await workload();
    const { transaction } = await server.data(CreateWorkloadDocument, {
      operations: [{ deleteResource: { ref: refs.replicaSet, propagation: 'BACKGROUND' } }],
    });
    const [result] = transaction.results;
    assert.equal(result?.__typename, 'ResourceDeleted');
    assert.deepEqual(result?.__typename === 'ResourceDeleted' && result.dependents.map((d) => d.ref.name), [
      'a',
    ]);
    assert.deepEqual(remaining(ns), ['b', 'backup', 'c', 'web']);
  });

  it('should check the expected version and report a missing resource, dry run or not', async () => {
    const { refs } = await workload();
    const before = server.store.revision;
    for (const dryRun of [true, false]) {
      const conflict = await server.request(DeleteResourceDocument, {
        ref: refs.deployment,
        expectedVersion: 9,
        propagation: 'FOREGROUND',
        dryRun,
      });
      assert.equal(errorCode(conflict), 'VERSION_CONFLICT');
      assert.equal(conflict.errors?.[0]?.extensions?.currentVersion, 1);
      const missing = await server.request(DeleteResourceDocument, {
        ref: pod('nope', 'nowhere'),
        propagation: 'BACKGROUND',
        dryRun,
      });
      assert.equal(errorCode(missing), 'NOT_FOUND');
    }
    assert.equal(server.store.revision, before);
  });

  for (const propagation of ['BACKGROUND', 'FOREGROUND'] as const) {
    it(`should emit one DELETED event per deleted resource, in one commit (${propagation})`, async () => {
      const { ns, refs } = await workload();
      const client = server.connect();
      const events = subscribe(client, ResourceEventsDocument, {
        namespace: ns,
        since: String(server.store.revision),
      });
      const result = await deleteWith(refs.deployment, propagation, false);
      await server.store.add({ ref: pod('marker', ns) });
      const received: ResourceEventsSubscription['resourceEvents'][] = [];
      for (let i = 0; i <= result.deleted.length; i++) {
        const next = await events.next();
        assert.equal(next.errors, undefined, JSON.stringify(next.errors));
        assert.ok(next.data);
        received.push(next.data.resourceEvents);
      }
      const last = received.pop();
      assert.equal(last?.type, 'ADDED');
      assert.equal(last?.resource?.ref.name, 'marker', 'nothing else was emitted');
      assert.ok(received.every((event) => event.type === 'DELETED' && event.revision === result.revision));
      const order = received.map((event) => event.resource?.ref.name);
      const [root, ...dependents] = result.deleted.map((r) => r.ref.name);
      const deletionOrder = propagation === 'BACKGROUND' ? [root, ...dependents] : [...dependents, root];
      assert.deepEqual(order, deletionOrder);
      events.stop();
    });
  }
});
