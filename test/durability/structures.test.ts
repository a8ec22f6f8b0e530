/**
 * Regression tests for a store bug the model-based test found: the store's databases use lmdb's
 * shared structures (msgpackr records). A write that encoded an object of a new shape and was then
 * rolled back (a transaction or a batch whose later part fails) left the shape in the in-memory
 * structure table but not in the database. The next record of that shape was written with the lost
 * structure id; the next *new* shape was then given the same id and saved — and from then on the
 * first record decoded with the new shape's keys ({ replicas: 3 } read back as { app: 3 }), on disk,
 * after a restart too, unseen by `checkIntegrity()`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openStore } from '../../src/store/index.ts';
import { tempDir } from '../store/helpers.ts';

const ref = (kind: string, name: string) => ({ version: 'v1', kind, namespace: 'a', name });
describe('records written after a rolled-back write of a new shape', () => {
  it("should keep a resource's data after a failed transaction wrote its shape", async () => {
    const path = tempDir();
    const store = await openStore({ path });
    try {
      await store.add({ ref: ref('Deployment', 'd') });
      // The first operation writes data shaped { replicas }; the second fails, so both roll back.
      const failed = await store
        .transaction([
          { op: 'add', resource: { ref: ref('ReplicaSet', 'r1'), data: { replicas: 3 } } },
          { op: 'add', resource: { ref: ref('Deployment', 'd') } },
        ])
        .then(
          () => 'committed',
          (error: { code?: string }) => error.code,
        );
      assert.equal(failed, 'ALREADY_EXISTS');
      await store.add({ ref: ref('ReplicaSet', 'r2'), data: { replicas: 3 } });
      await store.add({ ref: ref('Pod', 'p'), labels: { app: 'web' } });
      assert.deepEqual(store.get(ref('ReplicaSet', 'r2'))?.data, { replicas: 3 }); // was { app: 3 }
    } finally {
      await store.close();
    }
    const reopened = await openStore({ path });
    try {
      assert.deepEqual(reopened.get(ref('ReplicaSet', 'r2'))?.data, { replicas: 3 }, 'after a restart');
    } finally {
      await reopened.close();
    }
  });

  it("should keep a relationship's data after a failed batch wrote its shape", async () => {
    const store = await openStore({ inMemory: true });
    const link = (object: string, data: Record<string, unknown> | null, type = 'Link') => ({
      subject: ref('A', 'a'),
      predicate: { type, data: data as never },
      object: ref('B', object),
    });
    try {
      await store.addRelationships([link('first', null)]);
      // The first link writes data shaped { weight }; the second fails its schema: the call rolls back.
      const failed = await store
        .addRelationships([link('b', { weight: 1 }), link('b', {}, 'OwnerReference')])
        .then(
          () => 'committed',
          (error: { code?: string }) => error.code,
        );
      assert.equal(failed, 'BAD_USER_INPUT');
      await store.addRelationships([link('c', { weight: 2 })]);
      await store.addRelationships([link('d', { color: 'red' })]);
      const [stored] = store.relationships({ object: ref('B', 'c') }).items;
      assert.deepEqual(stored?.predicate.data, { weight: 2 }); // was { color: 2 }
    } finally {
      await store.close();
    }
  });
});
