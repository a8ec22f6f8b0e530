import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { print } from 'graphql';
import {
  AddResourceDocument,
  ApplyResourceDocument,
  CreateWorkloadDocument,
  DeleteResourceDocument,
  GetResourceDocument,
  LinkDocument,
  PatchResourceDocument,
  UnlinkDocument,
  UpdateResourceDocument,
} from '../../examples/generated/graphql.ts';
import { openStore } from '../../src/store/index.ts';
import { errorCode, instrument, podRef, startServer, type TestServer } from './helpers.ts';

const deploymentRef = (name: string) => ({
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  namespace: 'default',
  name,
});
const replicaSetRef = (name: string) => ({
  group: 'apps',
  version: 'v1',
  kind: 'ReplicaSet',
  namespace: 'default',
  name,
});

describe('mutations', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  it('should add a resource and reject a second add with ALREADY_EXISTS', async () => {
    const input = { ref: podRef('add-1'), labels: { app: 'a' }, data: { x: 1 }, uid: 'uid-add-1' };
    const { addResource } = await server.data(AddResourceDocument, { input });
    assert.equal(addResource.uid, 'uid-add-1');
    assert.equal(addResource.version, 1);
    assert.equal(addResource.revision, String(server.store.revision));
    assert.deepEqual(server.store.get(podRef('add-1'))?.labels, { app: 'a' });

    const again = await server.request(AddResourceDocument, { input });
    assert.equal(errorCode(again), 'ALREADY_EXISTS');
    assert.equal(again.data, null);
  });

  it('should merge a patch into a resource, version-checked, and leave it alone on a conflict', async () => {
    const ref = podRef('patch-1');
    await server.data(AddResourceDocument, {
      input: { ref, labels: { app: 'a', tier: 'web' }, data: { spec: { replicas: 1, image: 'i' } } },
    });
    const { patchResource } = await server.data(PatchResourceDocument, {
      ref,
      patch: { labels: { tier: null, env: 'prod' }, data: { spec: { replicas: 2 } } },
      expectedVersion: 1,
    });
    assert.deepEqual(patchResource.labels, { app: 'a', env: 'prod' });
    assert.deepEqual(patchResource.data, { spec: { replicas: 2, image: 'i' } });
    assert.equal(patchResource.version, 2);
    const stale = await server.request(PatchResourceDocument, {
      ref,
      patch: { labels: { x: 'y' } },
      expectedVersion: 1,
    });
    assert.equal(errorCode(stale), 'VERSION_CONFLICT');
    assert.equal(stale.errors?.[0]?.extensions?.currentVersion, 2);
    const missing = await server.request(PatchResourceDocument, {
      ref: podRef('patch-none'),
      patch: { labels: {} },
    });
    assert.equal(errorCode(missing), 'NOT_FOUND');
    assert.equal(server.store.get(ref)?.version, 2);
  });

  it('should reject label values that are not strings with BAD_USER_INPUT and write nothing', async () => {
    const before = server.store.revision;
    const response = await server.request(AddResourceDocument, {
      input: { ref: podRef('bad'), labels: { n: 1 } },
    });
    assert.equal(errorCode(response), 'BAD_USER_INPUT');
    assert.equal(response.errors?.[0]?.extensions?.field, 'labels.n');
    assert.equal(server.store.get(podRef('bad')), null);
    assert.equal(server.store.revision, before);
  });

  it('should update at the expected version and report the current one on VERSION_CONFLICT', async () => {
    await server.data(AddResourceDocument, { input: { ref: podRef('upd-1') } });
    const { updateResource } = await server.data(UpdateResourceDocument, {
      input: { ref: podRef('upd-1'), labels: { v: 'two' } },
      expectedVersion: 1,
    });
    assert.equal(updateResource.version, 2);
    assert.deepEqual(updateResource.labels, { v: 'two' });

    const stale = await server.request(UpdateResourceDocument, {
      input: { ref: podRef('upd-1') },
      expectedVersion: 1,
    });
    assert.equal(errorCode(stale), 'VERSION_CONFLICT');
    assert.equal(stale.errors?.[0]?.extensions?.currentVersion, 2);

    const missing = await server.request(UpdateResourceDocument, {
      input: { ref: podRef('nope') },
      expectedVersion: 1,
    });
    assert.equal(errorCode(missing), 'NOT_FOUND');
  });

  it('should let exactly one of many concurrent updates at one version win', async () => {
    await server.data(AddResourceDocument, { input: { ref: podRef('race') } });
    const attempts = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        server.request(UpdateResourceDocument, {
          input: { ref: podRef('race'), labels: { writer: String(i) } },
          expectedVersion: 1,
        }),
      ),
    );
    const winners = attempts.filter((attempt) => attempt.data?.updateResource);
    const conflicts = attempts.filter((attempt) => errorCode(attempt) === 'VERSION_CONFLICT');
    assert.equal(winners.length, 1);
    assert.equal(conflicts.length, 19);
    for (const conflict of conflicts) assert.equal(conflict.errors?.[0]?.extensions?.currentVersion, 2);
    const stored = server.store.get(podRef('race'));
    assert.equal(stored?.version, 2);
    assert.deepEqual(stored?.labels, winners[0]?.data?.updateResource.labels);
  });

  it('should apply as create, then as a no-op that keeps the version, then as a change', async () => {
    const input = { ref: podRef('apply-1'), labels: { a: '1' } };
    const created = await server.data(ApplyResourceDocument, { input });
    assert.equal(created.applyResource.version, 1);
    const same = await server.data(ApplyResourceDocument, { input, expectedVersion: 1 });
    assert.equal(same.applyResource.version, 1);
    assert.equal(same.applyResource.revision, created.applyResource.revision);
    const changed = await server.data(ApplyResourceDocument, { input: { ...input, labels: { a: '2' } } });
    assert.equal(changed.applyResource.version, 2);
    const conflict = await server.request(ApplyResourceDocument, { input, expectedVersion: 1 });
    assert.equal(errorCode(conflict), 'VERSION_CONFLICT');
  });

  it('should delete a resource with its relationships', async () => {
    await server.data(AddResourceDocument, { input: { ref: podRef('del-1') } });
    await server.data(LinkDocument, {
      relationships: [
        { subject: podRef('del-1'), predicate: { type: 'runsBeside' }, object: podRef('del-2') },
        { subject: podRef('del-3'), predicate: { type: 'runsBeside' }, object: podRef('del-1') },
      ],
    });
    const conflict = await server.request(DeleteResourceDocument, {
      ref: podRef('del-1'),
      expectedVersion: 7,
    });
    assert.equal(errorCode(conflict), 'VERSION_CONFLICT');
    const { deleteResource } = await server.data(DeleteResourceDocument, {
      ref: podRef('del-1'),
      expectedVersion: 1,
    });
    assert.equal(deleteResource.deleted.length, 1);
    assert.ok(deleteResource.deleted[0]?.deletedAt);
    assert.equal(deleteResource.removedRelationships, 2);
    assert.equal(deleteResource.revision, String(server.store.revision));
    assert.equal(server.store.get(podRef('del-1')), null);
    assert.equal(server.store.relationships({ subject: podRef('del-3') }).items.length, 0);

    const again = await server.request(DeleteResourceDocument, { ref: podRef('del-1') });
    assert.equal(errorCode(again), 'NOT_FOUND');
  });

  it('should add relationships idempotently and delete them with a count', async () => {
    const link = {
      subject: podRef('l-1'),
      predicate: { type: 'PodNodeBinding', data: { nodeName: 'n-1' } },
      object: { version: 'v1', kind: 'Node', name: 'n-1' },
    };
    const first = await server.data(LinkDocument, { relationships: [link] });
    const second = await server.data(LinkDocument, { relationships: [link] });
    assert.equal(first.addRelationships[0]?.revision, second.addRelationships[0]?.revision);
    assert.equal(server.store.relationships({ subject: podRef('l-1') }).items.length, 1);
    const predicate = first.addRelationships[0]?.predicate;
    assert.equal(predicate && 'nodeName' in predicate ? predicate.nodeName : null, 'n-1');

    const { deleteRelationships } = await server.data(UnlinkDocument, { relationships: [link, link] });
    assert.equal(deleteRelationships, 1);
    const { deleteRelationships: none } = await server.data(UnlinkDocument, { relationships: [link] });
    assert.equal(none, 0);
  });

  it('should reject invalid predicate data of a registered type with BAD_USER_INPUT', async () => {
    const response = await server.request(LinkDocument, {
      relationships: [
        { subject: podRef('p'), predicate: { type: 'PodNodeBinding', data: {} }, object: podRef('q') },
      ],
    });
    assert.equal(errorCode(response), 'BAD_USER_INPUT');
  });

  it('should apply every operation of a transaction at one revision', async () => {
    const owner = { kind: 'Deployment', name: 'web', uid: 'uid-deploy-web', controller: true };
    const { transaction } = await server.data(CreateWorkloadDocument, {
      operations: [
        { addResource: { ref: deploymentRef('web'), uid: 'uid-deploy-web' } },
        { addResource: { ref: replicaSetRef('web-1') } },
        {
          addRelationship: {
            subject: deploymentRef('web'),
            predicate: { type: 'OwnerReference', data: owner },
            object: replicaSetRef('web-1'),
          },
        },
      ],
    });
    assert.deepEqual(
      transaction.results.map((result) => result.__typename),
      ['ResourceWritten', 'ResourceWritten', 'RelationshipWritten'],
    );
    assert.equal(transaction.revision, String(server.store.revision));
    assert.equal(server.store.get(deploymentRef('web'))?.revision, Number(transaction.revision));
    assert.equal(server.store.get(replicaSetRef('web-1'))?.revision, Number(transaction.revision));

    const second = await server.data(CreateWorkloadDocument, {
      operations: [
        {
          updateResource: {
            input: { ref: deploymentRef('web'), uid: 'uid-deploy-web', labels: { v: '2' } },
            expectedVersion: 1,
          },
        },
        { applyResource: { input: { ref: replicaSetRef('web-2') } } },
        { deleteResource: { ref: replicaSetRef('web-1'), expectedVersion: 1 } },
        { deleteRelationship: { subject: podRef('x'), predicate: { type: 't' }, object: podRef('y') } },
      ],
    });
    const [updated, applied, deleted, unlinked] = second.transaction.results;
    assert.equal(updated?.__typename === 'ResourceWritten' && updated.resource.version, 2);
    assert.equal(applied?.__typename === 'ResourceWritten' && applied.changed, true);
    assert.equal(deleted?.__typename === 'ResourceDeleted' && deleted.removedRelationships, 1);
    assert.equal(unlinked?.__typename === 'RelationshipDeleted' && unlinked.deleted, false);
  });

  it('should write nothing when one operation of a transaction fails its precondition', async () => {
    const before = server.store.revision;
    const response = await server.request(CreateWorkloadDocument, {
      operations: [
        { addResource: { ref: podRef('tx-never') } },
        { updateResource: { input: { ref: deploymentRef('web') }, expectedVersion: 1 } },
      ],
    });
    assert.equal(errorCode(response), 'VERSION_CONFLICT');
    assert.equal(response.errors?.[0]?.extensions?.operationIndex, 1);
    assert.equal(server.store.get(podRef('tx-never')), null);
    assert.equal(server.store.revision, before);
  });

  it('should reject an operation that sets no field or two fields', async () => {
    // Sent untyped: the generated input type already rules both out at compile time.
    const untyped = print(CreateWorkloadDocument);
    const none = await server.request(untyped, { operations: [{}] });
    assert.match(none.errors?.[0]?.message ?? '', /Exactly one key/);
    const two = await server.request(untyped, {
      operations: [{ addResource: { ref: podRef('a') }, deleteResource: { ref: podRef('a') } }],
    });
    assert.match(two.errors?.[0]?.message ?? '', /Exactly one key/);
    assert.equal(server.store.get(podRef('a')), null);
  });

  it('should report a closed store as STORE_CLOSED', async () => {
    const closed = await startServer();
    await closed.store.close();
    const response = await closed.request(GetResourceDocument, { ref: podRef('x') });
    assert.equal(errorCode(response), 'STORE_CLOSED');
    await closed.close();
  });

  it('should mask unexpected errors', async () => {
    const store = await openStore({ inMemory: true });
    const failing = instrument(store, {
      get: () => {
        throw new Error('secret internal detail');
      },
    });
    const broken = await startServer({ store: failing });
    const response = await broken.request(GetResourceDocument, { ref: podRef('x') });
    assert.equal(response.errors?.[0]?.message, 'Unexpected error.');
    assert.ok(!JSON.stringify(response).includes('secret'));
    await broken.close();
    await store.close();
  });
});
