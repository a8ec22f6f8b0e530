import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ListWithEdgesDocument,
  TraverseDocument,
  type TraverseQuery,
} from '../../examples/generated/graphql.ts';
import { type Operation, openStore, type Store } from '../../src/store/index.ts';
import { countingReads, nodeRef, podRef, type ReadCounts, startServer, type TestServer } from './helpers.ts';

const PODS = 1000;
const NODES = 10;

describe('batched store reads', () => {
  let store: Store;
  let server: TestServer;
  let calls: ReadCounts;

  before(async () => {
    store = await openStore({ inMemory: true });
    const operations: Operation[] = [];
    for (let n = 0; n < NODES; n++) operations.push({ op: 'add', resource: { ref: nodeRef(`node-${n}`) } });
    for (let p = 0; p < PODS; p++) {
      operations.push({ op: 'add', resource: { ref: podRef(`pod-${p}`), labels: { app: `app-${p % 3}` } } });
      operations.push({
        op: 'addRelationship',
        relationship: {
          subject: podRef(`pod-${p}`),
          predicate: { type: 'PodNodeBinding', data: { nodeName: `node-${p % NODES}` } },
          object: nodeRef(`node-${p % NODES}`),
        },
      });
    }
    await store.transaction(operations);
    const counting = countingReads(store);
    calls = counting.calls;
    server = await startServer({ store: counting.store });
  });
  after(async () => {
    await server.close();
    await store.close();
  });

  it('should load the relationships of 1,000 listed pods and both their ends in a few batched reads', async () => {
    for (const key of Object.keys(calls)) calls[key as keyof typeof calls] = 0;
    const { resources } = await server.data(ListWithEdgesDocument, {
      type: { kind: 'Pod' },
      first: PODS,
      direction: 'OUTGOING',
      // A pod has one edge here; 10 a page keeps 1,000 pods' edges within the cost limit.
      edges: 10,
    });
    assert.equal(resources.edges.length, PODS);
    for (const { node } of resources.edges) {
      const index = Number(node.ref.name.slice('pod-'.length));
      assert.equal(node.relationships.totalCount, 1);
      const edge = node.relationships.edges[0]?.node;
      assert.equal(edge?.subject?.ref.name, node.ref.name);
      assert.equal(edge?.object?.ref.name, `node-${index % NODES}`);
    }
    assert.deepEqual(calls, { relationshipsMany: 1, relationships: 0, getMany: 1, get: 0 });
  });

  it('should batch the incoming edges of every listed node', async () => {
    for (const key of Object.keys(calls)) calls[key as keyof typeof calls] = 0;
    const { resources } = await server.data(ListWithEdgesDocument, {
      type: { kind: 'Node' },
      direction: 'INCOMING',
    });
    assert.equal(resources.edges.length, NODES);
    for (const { node } of resources.edges) {
      assert.equal(node.relationships.totalCount, PODS / NODES);
      assert.equal(node.relationships.edges.length, Math.min(100, PODS / NODES));
    }
    // One read for the edges of every node, one for both ends of every edge.
    assert.deepEqual(calls, { relationshipsMany: 1, relationships: 0, getMany: 1, get: 0 });
  });

  it('should page through the edges of one resource with cursors', async () => {
    const ref = nodeRef('node-3');
    const names: string[] = [];
    let after: string | null = null;
    do {
      const response: TraverseQuery = await server.data(TraverseDocument, {
        ref,
        direction: 'INCOMING',
        first: 30,
        after,
      });
      const connection = response.resource?.relationships;
      assert.ok(connection);
      assert.equal(connection.totalCount, PODS / NODES);
      names.push(...connection.edges.map((edge) => edge.node.subjectRef.name));
      after = connection.pageInfo.hasNextPage ? (connection.pageInfo.endCursor ?? null) : null;
    } while (after);
    assert.equal(names.length, PODS / NODES);
    assert.equal(new Set(names).size, PODS / NODES);
  });

  it('should reject a cursor of another connection with BAD_USER_INPUT', async () => {
    const response = await server.request(TraverseDocument, {
      ref: nodeRef('node-3'),
      after: 'bm90LWEtY3Vyc29y',
    });
    assert.equal(response.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  });
});
