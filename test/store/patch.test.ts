/**
 * `patch`: a JSON Merge Patch (RFC 7386) of a stored resource's labels, annotations, dataType and
 * data, version-checked like every write.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codeOf, pod, take, tempStore } from './helpers.ts';

describe('patching resources', () => {
  it('should merge labels, annotations and data member by member, null members removing keys', async () => {
    const store = await tempStore();
    await store.add({
      ref: pod('a'),
      labels: { app: 'web', tier: 'front' },
      annotations: { note: 'x' },
      data: { spec: { replicas: 1, image: 'a', keep: [1, 2] }, status: { ready: true } },
      dataType: 'k8s.io/api/core/v1.Pod',
    });
    const { resource, changed } = await store.patch(pod('a'), {
      labels: { tier: null, env: 'prod' },
      annotations: { other: 'y' },
      data: { spec: { replicas: 3, image: null }, status: null, extra: 'z' },
    });
    assert.equal(changed, true);
    assert.equal(resource.version, 2);
    const stored = store.get(pod('a'))!;
    assert.deepEqual(stored.labels, { app: 'web', env: 'prod' });
    assert.deepEqual(stored.annotations, { note: 'x', other: 'y' });
    assert.deepEqual(stored.data, { spec: { replicas: 3, keep: [1, 2] }, extra: 'z' });
    assert.equal(stored.dataType, 'k8s.io/api/core/v1.Pod');
    assert.deepEqual(store.checkIntegrity(), []);
  });

  it('should replace data with a value that is not an object, and clear members given as null', async () => {
    const store = await tempStore();
    await store.add({ ref: pod('a'), labels: { a: '1' }, data: { x: 1 }, dataType: 't' });
    await store.patch(pod('a'), { data: [1, 2] });
    assert.deepEqual(store.get(pod('a'))!.data, [1, 2]);
    await store.patch(pod('a'), { labels: null, dataType: null, data: null });
    const cleared = store.get(pod('a'))!;
    assert.deepEqual([cleared.labels, cleared.dataType, cleared.data], [{}, null, null]);
  });

  it('should keep data as it is stored when a patch leaves it alone', async () => {
    const store = await tempStore();
    const data = { spec: { b: 2, a: [1, { c: null }] }, z: 'é' };
    await store.add({ ref: pod('a'), labels: { a: '1' }, data });
    const before = store.storedJson(store.get(pod('a'), { data: false })!);
    const watch = store.watch();
    const { resource } = await store.patch(pod('a'), { labels: { b: '2' } });
    assert.deepEqual(resource.data, data);
    assert.equal(store.storedJson(store.get(pod('a'), { data: false })!), before);
    const [event] = await take(watch, 1);
    await watch.return();
    assert.deepEqual([event?.resource?.data, event?.previous?.data], [data, data]);
    assert.deepEqual(store.checkIntegrity(), []);
  });

  it('should keep the version when a patch changes nothing', async () => {
    const store = await tempStore();
    await store.add({ ref: pod('a'), labels: { a: '1' }, data: { x: 1 } });
    const { changed, resource } = await store.patch(pod('a'), { labels: { a: '1' }, data: { x: 1 } });
    assert.deepEqual([changed, resource.version], [false, 1]);
  });

  it('should check the expected version and refuse missing resources, changing nothing', async () => {
    const store = await tempStore();
    await store.add({ ref: pod('a'), labels: { a: '1' } });
    assert.equal(await codeOf(store.patch(pod('a'), { labels: { a: '2' } }, 7)), 'VERSION_CONFLICT');
    assert.equal(await codeOf(store.patch(pod('missing'), { labels: { a: '2' } })), 'NOT_FOUND');
    assert.deepEqual(store.get(pod('a'))!.labels, { a: '1' });
    assert.equal((await store.patch(pod('a'), { labels: { a: '2' } }, 1)).resource.version, 2);
  });

  it('should refuse a patch that is malformed or leaves the resource invalid', async () => {
    const store = await tempStore();
    await store.add({ ref: pod('a') });
    const bad = [
      { uid: 'x' },
      { labels: { a: 1 } },
      { labels: { 'not a key!': 'v' } },
      { annotations: [] },
      { dataType: 3 },
    ];
    for (const patch of bad) {
      assert.equal(
        await codeOf(store.patch(pod('a'), patch as never)),
        'BAD_USER_INPUT',
        JSON.stringify(patch),
      );
    }
    assert.equal(store.get(pod('a'))!.version, 1);
  });

  it('should keep a __proto__ member of data as data', async () => {
    const store = await tempStore();
    await store.add({ ref: pod('a'), data: { a: 1 } });
    await store.patch(pod('a'), { data: JSON.parse('{"__proto__": {"polluted": true}}') });
    const data = store.get(pod('a'))!.data as Record<string, unknown>;
    assert.ok(Object.hasOwn(data, '__proto__'));
    assert.deepEqual(Object.keys(data), ['a', '__proto__']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('should patch inside a transaction and publish one UPDATED event with the previous state', async () => {
    const store = await tempStore();
    await store.add({ ref: pod('a'), labels: { a: '1' } });
    const watch = store.watch();
    const { results } = await store.transaction([
      { op: 'patch', ref: pod('a'), patch: { labels: { b: '2' } }, expectedVersion: 1 },
    ]);
    assert.equal(results[0]?.op, 'patch');
    const [event] = await take(watch, 1);
    await watch.return();
    assert.equal(event?.type, 'UPDATED');
    assert.deepEqual(event?.resource?.labels, { a: '1', b: '2' });
    assert.deepEqual(event?.previous?.labels, { a: '1' });
  });
});
