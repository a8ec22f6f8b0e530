/**
 * Transaction sequences: transactions queued back to back without awaiting each other behave as if
 * each had been awaited before the next was called — once one fails, the later ones write nothing —
 * while the earlier ones stay committed and watchers see every committed change in order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStoreError, type Operation } from '../../src/store/index.ts';
import { pod, tempStore } from './helpers.ts';

const add = (name: string): Operation => ({ op: 'add', resource: { ref: pod(name) } });

/** Settles every promise: the value, or the error's message. */
const settle = (promises: Promise<unknown>[]) =>
  Promise.all(
    promises.map((p) =>
      p.then(
        () => 'ok',
        (error: Error) => error.message,
      ),
    ),
  );

describe('transaction sequences', () => {
  it('should stop a sequence at a transaction that fails while it runs', async () => {
    const store = await tempStore();
    await store.add({ ref: pod('taken') });
    const sequence = {};
    const outcomes = await settle([
      store.transaction([add('a'), add('b')], { sequence }),
      store.transaction([add('c'), add('taken')], { sequence }),
      store.transaction([add('d')], { sequence }),
      store.transaction([add('e')]),
    ]);
    assert.equal(outcomes[0], 'ok');
    assert.match(outcomes[1]!, /^operations\[1\]: .* already exists/);
    assert.match(outcomes[2]!, /^not written: an earlier transaction of its sequence failed/);
    assert.equal(outcomes[3], 'ok', 'a transaction outside the sequence is not affected');
    const names = store.list().items.map((resource) => resource.ref.name);
    assert.deepEqual(names, ['a', 'b', 'e', 'taken']);
    assert.deepEqual(store.checkIntegrity(), []);
  });

  it('should keep the earlier transactions when a later one fails its checks at call time', async () => {
    const store = await tempStore();
    const sequence = {};
    const first = store.transaction([add('a')], { sequence });
    const second = store.transaction([{ op: 'add', resource: { ref: { ...pod('b'), name: '' } } }], {
      sequence,
    });
    const third = store.transaction([add('c')], { sequence });
    assert.deepEqual(await settle([first, second, third]), [
      'ok',
      'operations[0].resource.ref.name: must not be empty',
      'not written: an earlier transaction of its sequence failed (operations[0].resource.ref.name: must not be empty)',
    ]);
    await assert.rejects(third, (error: unknown) => isStoreError(error, 'BAD_USER_INPUT'));
    assert.deepEqual(
      store.list().items.map((resource) => resource.ref.name),
      ['a'],
    );
  });

  it('should commit every transaction of a sequence in order, one revision each, seen by watchers', async () => {
    const store = await tempStore();
    const watch = store.watch({ since: store.revision });
    const sequence = {};
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => store.transaction([add(`p${i}`)], { sequence })),
    );
    const revisions = results.map((result) => result.revision);
    assert.deepEqual(
      revisions,
      revisions.map((_, i) => revisions[0]! + i),
    );
    for (let i = 0; i < 12; i++) {
      const event = await watch.next();
      assert.equal(event.value?.resource?.ref.name, `p${i}`);
      assert.equal(event.value?.revision, revisions[i]);
    }
    await watch.return();
  });

  it('should reject a sequence that is not an object', async () => {
    const store = await tempStore();
    await assert.rejects(store.transaction([add('a')], { sequence: 'x' as unknown as object }), {
      message: 'options.sequence: must be an object',
    });
  });
});
