import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openStore, type ResourceEvent } from '../../src/store/index.ts';
import { codeOf, node, pod, take, tempDir, tempStore } from './helpers.ts';

const summary = (e: ResourceEvent) => `${e.type}:${e.resource?.ref.name ?? ''}@${e.revision}`;

describe('watching resources', () => {
  it('should deliver ADDED, UPDATED and DELETED in revision order, only after commit', async () => {
    const store = await tempStore();
    const watch = store.watch({ type: { kind: 'Pod' } });
    const added = await store.add({ ref: pod('a') });
    await store.add({ ref: node('n') });
    await store.update({ ref: pod('a'), data: 1 }, 1);
    await store.delete(pod('a'));
    const events = await take(watch, 3);
    assert.deepEqual(events.map(summary), [`ADDED:a@${added.revision}`, 'UPDATED:a@3', 'DELETED:a@4']);
    assert.equal(events[1]!.previous?.version, 1);
    assert.ok(events[2]!.resource?.deletedAt);
    assert.equal(watch.lastRevision, 4);
    await watch.return();
  });

  it('should resume from a revision without gaps or duplicates while writes continue', async () => {
    const store = await tempStore();
    for (let i = 0; i < 50; i++) await store.add({ ref: pod(`p${i}`) });
    const writes = (async () => {
      for (let i = 0; i < 200; i++)
        await store.update({ ref: pod(`p${i % 50}`), data: i }, Math.floor(i / 50) + 1);
    })();
    const watch = store.watch({ since: 10 });
    const events = await take(watch, 240, 20_000);
    await writes;
    assert.deepEqual(
      events.map((e) => e.revision),
      Array.from({ length: 240 }, (_, i) => 11 + i),
    );
    await watch.return();
  });

  it('should replay a whole backlog without ending a consumer whose queue bound is small', async () => {
    const store = await tempStore();
    for (let i = 0; i < 100; i++) await store.add({ ref: pod(`p${i}`) });
    const watch = store.watch({ since: 0, maxQueuedEvents: 5 });
    const events = await take(watch, 100);
    assert.equal(events.length, 100);
    await watch.return();
  });

  it('should yield the initial state, then SYNCED at the snapshot revision, then live changes', async () => {
    const store = await tempStore();
    for (let i = 0; i < 1200; i++)
      await store.add({ ref: pod(`p${String(i).padStart(4, '0')}`), labels: { app: i % 3 ? 'x' : 'web' } });
    const watch = store.watch({ labelSelector: 'app=web', initialState: true });
    const first = await watch.next();
    await store.add({ ref: pod('late'), labels: { app: 'web' } });
    const events = [first.value as ResourceEvent, ...(await take(watch, 401))];
    assert.equal(events.filter((e) => e.type === 'ADDED').length, 401);
    assert.deepEqual(
      events.slice(0, 400).map((e) => e.type),
      Array(400).fill('ADDED'),
    );
    assert.equal(events[400]!.type, 'SYNCED');
    assert.equal(events[400]!.revision, 1200);
    assert.equal(summary(events[401]!), 'ADDED:late@1201');
    await watch.return();
  });

  it('should turn label-selector transitions into ADDED and DELETED for that watcher', async () => {
    const store = await tempStore();
    await store.add({ ref: pod('a'), labels: { app: 'web' } });
    const watch = store.watch({ labelSelector: 'app=web' });
    await store.update({ ref: pod('a'), labels: { app: 'db' } }, 1);
    await store.update({ ref: pod('a'), labels: { app: 'db', x: 'y' } }, 2);
    await store.update({ ref: pod('a'), labels: { app: 'web' } }, 3);
    await store.update({ ref: pod('a'), labels: { app: 'web' }, data: 1 }, 4);
    const events = await take(watch, 3);
    assert.deepEqual(events.map(summary), ['DELETED:a@2', 'ADDED:a@4', 'UPDATED:a@5']);
    assert.deepEqual(events[0]!.previous?.labels, { app: 'web' });
    await watch.return();
    assert.deepEqual(store.checkIntegrity(), []);
  });

  it('should end a stalled watcher with SLOW_CONSUMER and its last revision, without slowing writers', async () => {
    const store = await tempStore();
    const stalled = store.watch({ maxQueuedEvents: 10 });
    const healthy = store.watch();
    for (let i = 0; i < 5; i++) await store.add({ ref: pod(`p${i}`) });
    const delivered = await take(stalled, 5);
    // The stalled consumer stops reading; 50 more writes must not wait for it.
    const writes = Array.from({ length: 50 }, (_, i) => store.add({ ref: pod(`q${i}`) }));
    await Promise.all(writes);
    const received = await take(healthy, 55);
    assert.equal(received.length, 55);
    await assert.rejects(stalled.next(), (error: { code: string; details: { lastRevision: number } }) => {
      assert.equal(error.code, 'SLOW_CONSUMER');
      assert.equal(error.details.lastRevision, 5);
      return true;
    });
    assert.deepEqual(await stalled.next(), { done: true, value: undefined });
    const resumed = store.watch({ since: stalled.lastRevision });
    const rest = await take(resumed, 50);
    assert.deepEqual([...delivered, ...rest].map(summary), received.map(summary));
    await Promise.all([healthy.return(), resumed.return()]);
  });

  it('should finish the revision being delivered before ending a slow consumer', async () => {
    const store = await tempStore();
    const watch = store.watch({ maxQueuedEvents: 4 });
    await store.transaction([1, 2, 3].map((i) => ({ op: 'add' as const, resource: { ref: pod(`t${i}`) } })));
    const [first] = await take(watch, 1);
    for (let i = 0; i < 10; i++) await store.add({ ref: pod(`p${i}`) });
    const rest = await take(watch, 2);
    assert.deepEqual([first!, ...rest].map(summary), ['ADDED:t1@1', 'ADDED:t2@1', 'ADDED:t3@1']);
    await assert.rejects(watch.next(), (error: { code: string; details: { lastRevision: number } }) => {
      assert.equal(error.code, 'SLOW_CONSUMER');
      assert.equal(error.details.lastRevision, 1);
      return true;
    });
  });

  it('should free a watcher on return() and stop delivering to it', async () => {
    const store = await tempStore();
    const watch = store.watch();
    const pending = watch.next();
    await watch.return();
    assert.deepEqual(await pending, { done: true, value: undefined });
    await store.add({ ref: pod('a') });
    assert.deepEqual(await watch.next(), { done: true, value: undefined });
  });

  it('should stop a for-await loop cleanly on break', async () => {
    const store = await tempStore();
    const watch = store.watch();
    await store.add({ ref: pod('a') });
    await store.add({ ref: pod('b') });
    const seen: string[] = [];
    for await (const event of watch) {
      seen.push(event.resource!.ref.name);
      if (seen.length === 1) break;
    }
    assert.deepEqual(seen, ['a']);
    assert.deepEqual(await watch.next(), { done: true, value: undefined });
  });

  it('should fail with REVISION_COMPACTED for a revision older than the retained log', async () => {
    const store = await tempStore({ retention: { minRevisions: 5, minAgeMs: 0, intervalMs: 0 } });
    for (let i = 0; i < 20; i++) await store.add({ ref: pod(`p${i}`) });
    assert.equal(await store.compact(), 15);
    assert.equal(store.compactedRevision, 15);
    assert.equal(await codeOf(() => store.watch({ since: 14 })), 'REVISION_COMPACTED');
    const watch = store.watch({ since: 15 });
    assert.deepEqual(
      (await take(watch, 5)).map((e) => e.revision),
      [16, 17, 18, 19, 20],
    );
    await watch.return();
    assert.deepEqual(store.checkIntegrity(), []);
  });

  it('should reject a revision newer than the store and a malformed one with BAD_USER_INPUT', async () => {
    const store = await tempStore();
    await store.add({ ref: pod('a') });
    assert.equal(await codeOf(() => store.watch({ since: 2 })), 'BAD_USER_INPUT');
    assert.equal(await codeOf(() => store.watch({ since: -1 })), 'BAD_USER_INPUT');
    assert.equal(await codeOf(() => store.watch({ since: 1.5 })), 'BAD_USER_INPUT');
    assert.equal(await codeOf(() => store.watch({ labelSelector: '!!' })), 'BAD_USER_INPUT');
  });

  it('should resume from a revision across a restart', async () => {
    const path = tempDir();
    const first = await openStore({ path });
    for (let i = 0; i < 5; i++) await first.add({ ref: pod(`p${i}`) });
    const watch = first.watch();
    await first.add({ ref: pod('p5') });
    const [seen] = await take(watch, 1);
    await first.close();
    await assert.rejects(watch.next(), (error: { code: string; details: { lastRevision: number } }) => {
      assert.equal(error.code, 'STORE_CLOSED');
      assert.equal(error.details.lastRevision, seen!.revision);
      return true;
    });
    const second = await openStore({ path });
    try {
      const resumed = second.watch({ since: seen!.revision });
      await second.add({ ref: pod('p6') });
      await second.delete(pod('p0'));
      assert.deepEqual((await take(resumed, 2)).map(summary), ['ADDED:p6@7', 'DELETED:p0@8']);
      await resumed.return();
    } finally {
      await second.close();
    }
  });
});

describe('watching relationships', () => {
  it('should deliver ADDED and DELETED for matching triplets, including those removed by a delete', async () => {
    const store = await tempStore();
    const watch = store.watchRelationships({ object: node('n') });
    await store.addRelationships([
      {
        subject: pod('a'),
        predicate: { type: 'PodNodeBinding', data: { nodeName: 'n' } },
        object: node('n'),
      },
      { subject: pod('a'), predicate: { type: 'Other' }, object: pod('b') },
    ]);
    await store.add({ ref: pod('a') });
    await store.delete(pod('a'));
    const events = await take(watch, 2);
    assert.deepEqual(
      events.map((e) => `${e.type}:${e.relationship.subject.name}@${e.revision}`),
      ['ADDED:a@1', 'DELETED:a@3'],
    );
    await watch.return();
  });
});
