/**
 * What a write through the authorized store tells of resources its caller may not see: a uid clash,
 * a clash of refs or a failed precondition about a hidden resource is FORBIDDEN naming only what the
 * caller gave, in single writes, transactions and bulk loads alike; the same errors about what it may
 * see keep their codes and details.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authorizedStore, type Principal } from '../../src/auth/index.ts';
import { isStoreError, type Store, StoreError } from '../../src/store/index.ts';
import { edge, pod, tempStore } from '../store/helpers.ts';

/** Everything in namespace `a`; creates and updates (but may not get) Pods in `w`. */
const ALICE: Principal = {
  name: 'alice',
  rules: [
    { verbs: ['*'], namespaces: ['a'], kinds: ['*'] },
    { verbs: ['create', 'update', 'delete'], namespaces: ['w'], kinds: ['Pod'] },
  ],
};

/** The error `work` fails with. */
async function failure(work: Promise<unknown>): Promise<StoreError> {
  try {
    await work;
  } catch (error) {
    assert.ok(error instanceof StoreError, String(error));
    return error;
  }
  assert.fail('the write succeeded');
}

/** Asserts that `error` is FORBIDDEN and names none of `secrets`, in its message or its details. */
function assertConcealed(error: StoreError, secrets: readonly string[]): void {
  assert.equal(error.code, 'FORBIDDEN', error.message);
  const told = JSON.stringify({ message: error.message, details: error.details });
  for (const secret of secrets) assert.ok(!told.includes(secret), `${told} names ${secret}`);
  assert.equal(error.details.currentVersion, undefined);
}

async function seeded(): Promise<{ store: Store; hiddenUid: string; visibleUid: string }> {
  const store = await tempStore();
  const hidden = await store.add({ ref: pod('secret-name', 'b'), uid: 'uid-hidden' });
  await store.update({ ref: pod('secret-name', 'b'), labels: { v: '2' } }, 1);
  const visible = await store.add({ ref: pod('mine', 'a'), uid: 'uid-visible' });
  await store.add({ ref: pod('unseen', 'w') });
  await store.update({ ref: pod('unseen', 'w'), labels: { v: '2' } }, 1);
  return { store, hiddenUid: hidden.resource.uid, visibleUid: visible.resource.uid };
}

describe('authorized store: concealed errors', () => {
  it('should answer a uid held by a hidden resource with FORBIDDEN naming nothing of it, everywhere', async () => {
    const { store, hiddenUid } = await seeded();
    const view = authorizedStore(store, ALICE);
    const before = store.revision;
    const resource = { ref: pod('new', 'a'), uid: hiddenUid };
    const secrets = ['secret-name', '"b"', 'namespace b'];
    for (const error of [
      await failure(view.add(resource)),
      await failure(view.apply(resource)),
      await failure(view.load({ resources: [{ ref: pod('x', 'a') }, resource] })),
    ]) {
      assertConcealed(error, secrets);
      assert.match(error.message, new RegExp(`alice may not use uid ${hiddenUid}`));
    }
    const inTransaction = await failure(
      view.transaction([
        { op: 'add', resource: { ref: pod('x', 'a') } },
        { op: 'add', resource },
      ]),
    );
    assertConcealed(inTransaction, secrets);
    assert.equal(inTransaction.details.operationIndex, 1);
    assert.match(inTransaction.message, /^operations\[1\]: alice may not use uid/);
    assert.equal(store.revision, before, 'nothing written');
  });

  it('should keep ALREADY_EXISTS for a uid or a ref the caller may see', async () => {
    const { store, visibleUid } = await seeded();
    const view = authorizedStore(store, ALICE);
    const uidClash = await failure(view.add({ ref: pod('new', 'a'), uid: visibleUid }));
    assert.equal(uidClash.code, 'ALREADY_EXISTS');
    assert.equal(uidClash.details.field, 'resource.uid');
    assert.equal((await failure(view.add({ ref: pod('mine', 'a') }))).code, 'ALREADY_EXISTS');
    const conflict = await failure(view.update({ ref: pod('mine', 'a') }, 7));
    assert.equal(conflict.code, 'VERSION_CONFLICT');
    assert.equal(conflict.details.currentVersion, 1);
  });

  it('should answer a clash or a precondition on a ref the caller writes but may not get with FORBIDDEN', async () => {
    const { store } = await seeded();
    const view = authorizedStore(store, ALICE);
    const unseen = pod('unseen', 'w');
    const cases = {
      'add of a stored ref': view.add({ ref: unseen }),
      'update at another version': view.update({ ref: unseen }, 1),
      'apply at another version': view.apply({ ref: unseen }, 1),
      'update of a ref not stored': view.update({ ref: pod('absent', 'w') }, 1),
      'delete at another version': view.delete(unseen, 1),
      'transaction update': view.transaction([
        { op: 'update', resource: { ref: unseen }, expectedVersion: 9 },
      ]),
    };
    for (const [what, work] of Object.entries(cases)) {
      const error = await failure(work);
      assertConcealed(error, ['version 2', '"2"']);
      assert.match(error.message, /alice may not get Pod in namespace "w"/, what);
    }
    assert.equal(store.get(unseen)?.version, 2, 'nothing written');
    const written = await view.update({ ref: unseen, labels: { by: 'alice' } }, 2);
    assert.equal(written.resource.version, 3, 'a write at the right version still goes through');
  });

  it('should refuse a relationship write unless the caller may get both ends', async () => {
    const { store } = await seeded();
    const view = authorizedStore(store, ALICE);
    const link = edge(pod('unseen', 'w'), pod('mine', 'a'), 'Links');
    await store.addRelationships([link]);
    for (const work of [view.addRelationships([link]), view.deleteRelationships([link])]) {
      assert.ok(isStoreError(await failure(work), 'FORBIDDEN'));
    }
    assert.equal(store.relationships({ subject: pod('unseen', 'w') }).items.length, 1);
  });
});
