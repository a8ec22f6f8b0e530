import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  FindRelationshipsDocument,
  type FindRelationshipsQuery,
  TraverseDocument,
} from '../../examples/generated/graphql.ts';
import { nodeRef, podRef, startServer, type TestServer } from './helpers.ts';

const deployment = { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'default', name: 'web' };
const replicaSet = { group: 'apps', version: 'v1', kind: 'ReplicaSet', namespace: 'default', name: 'web-1' };
const volume = { version: 'v1', kind: 'PersistentVolumeClaim', namespace: 'default', name: 'data' };

describe('relationships', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
    const { store } = server;
    await store.add({ ref: deployment, uid: 'uid-web', labels: { app: 'web' } });
    await store.add({ ref: replicaSet, uid: 'uid-web-1', labels: { app: 'web' } });
    await store.add({ ref: nodeRef('node-1') });
    await store.addRelationships([
      {
        subject: deployment,
        predicate: {
          type: 'OwnerReference',
          data: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'uid-web', controller: true },
        },
        object: replicaSet,
      },
      {
        subject: replicaSet,
        predicate: { type: 'OwnerReference', data: { kind: 'ReplicaSet', name: 'web-1', uid: 'uid-web-1' } },
        object: podRef('web-1-a'),
      },
      {
        subject: podRef('web-1-a'),
        predicate: { type: 'PodNodeBinding', data: { nodeName: 'node-1' } },
        object: nodeRef('node-1'),
      },
      { subject: podRef('web-1-a'), predicate: { type: 'mounts', data: { readOnly: true } }, object: volume },
    ]);
  });
  after(() => server.close());

  it('should show typed predicates and null ends for refs that are not stored', async () => {
    const { relationships } = await server.data(FindRelationshipsDocument, { subject: replicaSet });
    assert.equal(relationships.totalCount, 1);
    const edge = relationships.edges[0]?.node;
    assert.ok(edge);
    assert.equal(edge.subject?.uid, 'uid-web-1');
    assert.equal(edge.subjectRef.uid, 'uid-web-1');
    assert.equal(edge.object, null, 'the pod is not stored');
    assert.equal(edge.objectRef.uid, null);
    assert.equal(edge.objectRef.name, 'web-1-a');
    assert.deepEqual(edge.predicate, {
      type: 'OwnerReference',
      apiVersion: null,
      kind: 'ReplicaSet',
      name: 'web-1',
      uid: 'uid-web-1',
      controller: null,
      blockOwnerDeletion: null,
    });

    const owner = (await server.data(FindRelationshipsDocument, { subject: deployment })).relationships
      .edges[0]?.node;
    assert.equal(
      owner?.predicate.type === 'OwnerReference' &&
        'controller' in owner.predicate &&
        owner.predicate.controller,
      true,
    );
    const pod = await server.data(FindRelationshipsDocument, { subject: podRef('web-1-a') });
    const predicates = pod.relationships.edges
      .map((e) => e.node.predicate)
      .sort((a, b) => (a.type < b.type ? -1 : 1));
    assert.deepEqual(predicates, [
      { type: 'PodNodeBinding', nodeName: 'node-1' },
      { type: 'mounts', data: { readOnly: true } },
    ]);
  });

  it('should match by object and predicate, and page through every triplet at one revision', async () => {
    const byObject = await server.data(FindRelationshipsDocument, { object: nodeRef('node-1') });
    assert.deepEqual(
      byObject.relationships.edges.map((e) => e.node.subjectRef.name),
      ['web-1-a'],
    );
    const owners = await server.data(FindRelationshipsDocument, { predicate: 'OwnerReference' });
    assert.equal(owners.relationships.totalCount, 2);

    const seen: string[] = [];
    let after: string | null = null;
    let revision: string | null = null;
    do {
      const page: FindRelationshipsQuery = await server.data(FindRelationshipsDocument, { first: 1, after });
      assert.equal(page.relationships.totalCount, 4);
      revision ??= page.relationships.revision;
      assert.equal(page.relationships.revision, revision);
      seen.push(...page.relationships.edges.map((e) => `${e.node.subjectRef.name} ${e.node.predicate.type}`));
      after = page.relationships.pageInfo.hasNextPage
        ? (page.relationships.pageInfo.endCursor ?? null)
        : null;
    } while (after);
    assert.equal(seen.length, 4);
    assert.equal(new Set(seen).size, 4);
  });

  it('should follow the edges of a resource in each direction, filtered by predicate', async () => {
    const outgoing = await server.data(TraverseDocument, { ref: deployment });
    const hop = outgoing.resource?.relationships.edges[0]?.node;
    assert.equal(hop?.objectRef.name, 'web-1');
    assert.equal(hop?.object?.label, 'web');
    assert.deepEqual(
      hop?.object?.relationships.edges.map((e) => e.node.objectRef.name),
      ['web-1-a'],
    );

    const incoming = await server.data(TraverseDocument, { ref: replicaSet, direction: 'INCOMING' });
    assert.deepEqual(
      incoming.resource?.relationships.edges.map((e) => e.node.subjectRef.name),
      ['web'],
    );
    const both = await server.data(TraverseDocument, { ref: replicaSet, direction: 'BOTH' });
    assert.equal(both.resource?.relationships.totalCount, 2);
    const filtered = await server.data(TraverseDocument, {
      ref: replicaSet,
      direction: 'BOTH',
      predicate: 'mounts',
    });
    assert.equal(filtered.resource?.relationships.totalCount, 0);
  });
});
