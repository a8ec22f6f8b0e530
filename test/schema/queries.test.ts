import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  GetNodeDocument,
  GetNodesDocument,
  GetResourceByUidDocument,
  GetResourceDocument,
  ListResourcesDocument,
  type ListResourcesQuery,
  StoreOverviewDocument,
} from '../../examples/generated/graphql.ts';
import { errorCode, nodeRef, podRef, startServer, type TestServer } from './helpers.ts';

describe('queries', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
    const { store } = server;
    for (let i = 0; i < 5; i++) {
      await store.add({
        ref: podRef(`web-${i}`),
        labels: { app: 'web', tier: i % 2 === 0 ? 'even' : 'odd' },
        annotations: { note: `pod ${i}` },
        data: { spec: { index: i } },
        dataType: 'k8s.io/api/core/v1.Pod',
      });
    }
    await store.add({ ref: podRef('db-0', 'data'), labels: { app: 'db' } });
    await store.add({ ref: nodeRef('node-1') });
  });
  after(() => server.close());

  it("should show a resource's uid in its ref from reads, walks, writes, deletes and events", async () => {
    const own = await startServer();
    try {
      const owner = {
        group: 'apps',
        version: 'v1',
        kind: 'ReplicaSet',
        namespace: 'default',
        name: 'rs-uid',
      };
      await own.store.add({ ref: owner, uid: 'rs-uid-1' });
      await own.store.add({ ref: podRef('owned-uid'), uid: 'pod-uid-1' });
      const edge = {
        subject: owner,
        predicate: {
          type: 'OwnerReference',
          data: { kind: 'ReplicaSet', name: 'rs-uid', uid: 'rs-uid-1', controller: true },
        },
        object: podRef('owned-uid'),
      };
      await own.store.addRelationships([
        edge,
        { ...edge, object: podRef('dangling-uid'), predicate: { type: 'Calls' } },
      ]);
      const read = await own.request<
        { resources: { edges: { node: { uid: string; ref: { uid: string } } }[] } },
        unknown
      >(`{ resources(type: { kind: "ReplicaSet" }) { edges { node { uid ref { uid name } } } } }`);
      assert.deepEqual(
        read.data?.resources.edges.map((e) => e.node.ref.uid),
        ['rs-uid-1'],
      );
      const walk = await own.request<
        {
          resource: {
            traverse: {
              edges: {
                node: {
                  ref: { name: string; uid: string | null };
                  resource: { ref: { uid: string } } | null;
                };
              }[];
            };
          };
        },
        unknown
      >(
        `query($ref: ResourceRefInput!) { resource(ref: $ref) { traverse { edges { node { ref { name uid } resource { ref { uid } } } } } } }`,
        { ref: owner },
      );
      assert.deepEqual(
        walk.data?.resource.traverse.edges.map((e) => [
          e.node.ref.name,
          e.node.ref.uid,
          e.node.resource?.ref.uid ?? null,
        ]),
        [
          ['owned-uid', 'pod-uid-1', 'pod-uid-1'],
          ['dangling-uid', null, null],
        ],
      );
      const events = own.connect();
      const seen: unknown[] = [];
      const done = new Promise<void>((resolve, reject) => {
        events.subscribe(
          {
            query:
              'subscription { resourceEvents(type: { kind: "Pod" }) { type resource { ref { name uid } } } }',
          },
          {
            next: (value) => {
              seen.push(value.data);
              resolve();
            },
            error: reject,
            complete: () => {},
          },
        );
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      const deleted = await own.request<{ deleteResource: { deleted: { ref: { uid: string } }[] } }, unknown>(
        `mutation($ref: ResourceRefInput!) { deleteResource(ref: $ref) { deleted { ref { uid } } } }`,
        {
          ref: podRef('owned-uid'),
        },
      );
      assert.deepEqual(
        deleted.data?.deleteResource.deleted.map((r) => r.ref.uid),
        ['pod-uid-1'],
      );
      await done;
      assert.deepEqual(seen, [
        { resourceEvents: { type: 'DELETED', resource: { ref: { name: 'owned-uid', uid: 'pod-uid-1' } } } },
      ]);
    } finally {
      await own.close();
    }
  });

  it('should read a resource by ref with every field', async () => {
    const { resource } = await server.data(GetResourceDocument, { ref: podRef('web-3') });
    const stored = server.store.get(podRef('web-3'));
    assert.ok(resource && stored);
    assert.equal(resource.uid, stored.uid);
    assert.deepEqual(resource.ref, podRef('web-3'));
    assert.deepEqual(resource.labels, { app: 'web', tier: 'odd' });
    assert.deepEqual(resource.annotations, { note: 'pod 3' });
    assert.deepEqual(resource.data, { spec: { index: 3 } });
    assert.equal(resource.dataType, 'k8s.io/api/core/v1.Pod');
    assert.equal(resource.version, 1);
    assert.equal(resource.revision, String(stored.revision));
    assert.equal(new Date(resource.createdAt).toISOString(), stored.createdAt);
    assert.equal(resource.deletedAt, null);
  });

  it('should default group and namespace to "" in refs', async () => {
    const { resource } = await server.data(GetResourceDocument, {
      ref: { version: 'v1', kind: 'Node', name: 'node-1' },
    });
    assert.equal(resource?.ref.namespace, '');
    assert.equal(resource?.ref.group, '');
  });

  it('should return null for a resource that is not stored', async () => {
    const { resource } = await server.data(GetResourceDocument, { ref: podRef('absent') });
    assert.equal(resource, null);
  });

  it('should read a resource by uid and through its opaque global id', async () => {
    const stored = server.store.get(podRef('web-1'));
    assert.ok(stored);
    const { resourceByUid } = await server.data(GetResourceByUidDocument, { uid: stored.uid });
    assert.ok(resourceByUid);
    assert.equal(resourceByUid.ref.name, 'web-1');
    assert.ok(!resourceByUid.id.includes(stored.uid), 'the global id does not show the uid in clear');

    const { node } = await server.data(GetNodeDocument, { id: resourceByUid.id });
    assert.equal(node?.__typename, 'Resource');
    assert.equal(node?.__typename === 'Resource' ? node.uid : null, stored.uid);
  });

  it('should resolve nodes in order, with null for unknown ids', async () => {
    const first = await server.data(GetResourceDocument, { ref: podRef('web-0') });
    const second = await server.data(GetResourceDocument, { ref: nodeRef('node-1') });
    const ids = [second.resource?.id ?? '', first.resource?.id ?? ''];
    const missing = Buffer.from('Resource:no-such-uid').toString('base64');
    const { nodes } = await server.data(GetNodesDocument, { ids: [...ids, missing] });
    assert.deepEqual(
      nodes.map((node) => (node && 'ref' in node ? node.ref.name : null)),
      ['node-1', 'web-0', null],
    );
  });

  it('should page through resources at one revision with totalCount', async () => {
    const names: string[] = [];
    let after: string | null = null;
    let revision: string | null = null;
    let pages = 0;
    do {
      const { resources }: ListResourcesQuery = await server.data(ListResourcesDocument, {
        type: { kind: 'Pod' },
        first: 2,
        after,
      });
      assert.equal(resources.totalCount, 6);
      revision ??= resources.revision;
      assert.equal(resources.revision, revision, 'every page is read at the first page revision');
      assert.equal(resources.pageInfo.hasPreviousPage, after !== null);
      names.push(...resources.edges.map((edge) => edge.node.ref.name));
      after = resources.pageInfo.hasNextPage ? (resources.pageInfo.endCursor ?? null) : null;
      pages++;
    } while (after);
    assert.equal(pages, 3);
    assert.deepEqual(names.sort(), ['db-0', 'web-0', 'web-1', 'web-2', 'web-3', 'web-4']);
  });

  it('should filter resources by namespace and label selector', async () => {
    const even = await server.data(ListResourcesDocument, {
      namespace: 'default',
      labelSelector: 'app=web,tier=even',
    });
    assert.deepEqual(even.resources.edges.map((edge) => edge.node.ref.name).sort(), [
      'web-0',
      'web-2',
      'web-4',
    ]);
    assert.equal(even.resources.totalCount, 3);
    const notWeb = await server.data(ListResourcesDocument, { labelSelector: 'app notin (web)' });
    const names = notWeb.resources.edges.map((edge) => edge.node.ref.name).sort();
    assert.deepEqual(names, ['db-0', 'node-1'], 'notin also matches resources without the label');
  });

  it('should reject a malformed label selector and a negative page size with BAD_USER_INPUT', async () => {
    const selector = await server.request(ListResourcesDocument, { labelSelector: 'app in (' });
    assert.equal(errorCode(selector), 'BAD_USER_INPUT');
    const first = await server.request(ListResourcesDocument, { first: -1 });
    assert.equal(errorCode(first), 'BAD_USER_INPUT');
  });

  it('should list stored types with counts and the current revision', async () => {
    const { revision, types } = await server.data(StoreOverviewDocument);
    assert.equal(revision, String(server.store.revision));
    const counts = Object.fromEntries(types.map((type) => [type.kind, type.count]));
    assert.deepEqual(counts, { Node: 1, Pod: 6 });
  });
});
