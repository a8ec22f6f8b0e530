/**
 * On-disk formats: new stores are format 5 (metadata and payload apart, payloads keyed by revision,
 * up to 1,024 shared record shapes per database); stores of formats 2, 3 and 4 are migrated when
 * opened — every resource, the change log, the indexes — and a migration cut short resumes the next
 * time.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { open } from 'lmdb';
import {
  openStore,
  type Resource,
  type ResourceEvent,
  type ResourceInput,
  type Store,
} from '../../src/store/index.ts';
import { META } from '../../src/store/keys.ts';
import { pod, tempDir } from './helpers.ts';
import { downgrade, inspect } from './legacy.ts';

/** `count` resources whose data objects all have different key sets. */
function manyShapes(count: number): ResourceInput[] {
  return Array.from({ length: count }, (_, i) => ({
    ref: { version: 'v1', kind: 'Thing', namespace: 'a', name: `t${i}` },
    labels: { [`key-${i % 50}`]: 'x' },
    data: { [`field${i}`]: i, nested: { [`inner${i % 7}`]: [i, { [`deep${i}`]: true }] } },
  }));
}

/** Writes `inputs` in transactions of 400. */
async function addAll(store: Store, inputs: readonly ResourceInput[]): Promise<void> {
  for (let start = 0; start < inputs.length; start += 400) {
    const batch = inputs.slice(start, start + 400);
    await store.transaction(batch.map((resource) => ({ op: 'add' as const, resource })));
  }
}

/** Writes the inputs, then checks every resource in this store and reopened. */
async function roundTrip(path: string, inputs: ResourceInput[]): Promise<void> {
  const store = await openStore({ path });
  try {
    await addAll(store, inputs);
    assert.deepEqual(store.checkIntegrity(), []);
  } finally {
    await store.close();
  }
  const reopened = await openStore({ path });
  try {
    for (const input of inputs) {
      const stored = reopened.get(input.ref);
      assert.deepEqual(stored?.data, input.data, `${input.ref.name} after a restart`);
      assert.deepEqual(stored?.labels, input.labels);
    }
    const log = reopened.watch({ since: 0 });
    const first = await log.next();
    assert.deepEqual(first.value?.resource?.data, inputs[0]!.data, 'the change log reads back too');
    await log.return();
  } finally {
    await reopened.close();
  }
}

/** A store with a history: adds, updates, deletes, relationships, and one resource written twice in a commit. */
async function withHistory(path: string): Promise<void> {
  const store = await openStore({ path });
  try {
    await addAll(store, manyShapes(60));
    const thing = (i: number) => ({ version: 'v1', kind: 'Thing', namespace: 'a', name: `t${i}` });
    await store.update({ ref: thing(1), labels: { changed: 'yes' }, data: { now: 1 } }, 1);
    await store.delete(thing(2));
    await store.add({ ref: pod('p'), data: null });
    await store.transaction([
      { op: 'apply', resource: { ref: pod('twice'), data: { step: 1 } } },
      { op: 'apply', resource: { ref: pod('twice'), data: { step: 2 } } },
      {
        op: 'addRelationship',
        relationship: { subject: thing(3), predicate: { type: 'Uses' }, object: pod('p') },
      },
    ]);
  } finally {
    await store.close();
  }
}

/** Every resource and every logged event of a store, as plain values. */
async function contents(path: string): Promise<{ resources: Resource[]; events: ResourceEvent[] }> {
  const store = await openStore({ path });
  try {
    const resources = store.list({ limit: 10_000 }).items.map((resource) => ({ ...resource }));
    const events: ResourceEvent[] = [];
    const watch = store.watch({ since: 0 });
    const revision = store.revision;
    while (events.at(-1)?.revision !== revision) {
      const { value } = await watch.next();
      events.push(structuredClone(value!));
    }
    await watch.return();
    assert.deepEqual(store.checkIntegrity(), []);
    return { resources, events };
  } finally {
    await store.close();
  }
}

describe('store formats', () => {
  it('should create format 5 stores and read back records of more shapes than they share', async () => {
    const path = tempDir();
    await roundTrip(path, manyShapes(1500));
    assert.equal((await inspect(path, [])).format, 5);
  });

  it('should migrate a format 4 store on open: every payload rekeyed, every resource and event kept', async () => {
    const path = tempDir();
    await withHistory(path);
    const before = await contents(path);
    const payloads = (await inspect(path, ['data'])).counts.data!;
    await downgrade(path, 4);
    const legacy = await inspect(path, ['payloads', 'data']);
    assert.equal(legacy.format, 4);
    assert.deepEqual([legacy.counts.payloads, legacy.counts.data], [payloads, 0]);
    assert.deepEqual(await contents(path), before);
    const migrated = await inspect(path, ['payloads', 'data']);
    assert.equal(migrated.format, 5);
    assert.deepEqual([migrated.counts.payloads, migrated.counts.data], [0, payloads]);
  });

  for (const format of [3, 2] as const) {
    it(`should migrate a format ${format} store on open with every resource, event and index`, async () => {
      const path = tempDir();
      await withHistory(path);
      const before = await contents(path);
      await downgrade(path, format);
      const legacy = await inspect(path, ['resources', 'log', 'objects']);
      assert.equal(legacy.format, format);
      assert.equal(legacy.counts.objects, 0, 'the legacy store keeps resources whole');
      assert.ok(legacy.counts.resources! > 60 && legacy.counts.log! >= 5);
      assert.deepEqual(await contents(path), before);
      const migrated = await inspect(path, ['resources', 'log', 'objects', 'data']);
      assert.equal(migrated.format, 5);
      assert.deepEqual(
        [migrated.counts.resources, migrated.counts.log, migrated.counts.objects],
        [0, 0, before.resources.length],
      );
      assert.equal(migrated.tripleStructures, format === 2 ? 32 : 1024);
    });
  }

  it('should keep 32 shared shapes for the relationships of a store created as format 2', async () => {
    const path = tempDir();
    const env = open({ path, maxDbs: 20 });
    await env.openDB<number, string>('meta', {}).put(META.format, 2);
    await env.close();
    const store = await openStore({ path });
    const relationships = Array.from({ length: 100 }, (_, i) => ({
      subject: pod(`s${i}`),
      predicate: { type: 'Uses', data: { [`shape${i}`]: i } },
      object: pod('target'),
    }));
    try {
      await store.addRelationships(relationships);
    } finally {
      await store.close();
    }
    assert.equal((await inspect(path, [])).tripleStructures, 32);
    const reopened = await openStore({ path });
    try {
      const found = reopened.relationships({ object: pod('target') }, { limit: 1000 }).items;
      assert.deepEqual(
        found.map((r) => r.predicate.data).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
        relationships
          .map((r) => r.predicate.data)
          .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      );
      assert.deepEqual(reopened.checkIntegrity(), []);
    } finally {
      await reopened.close();
    }
  });

  it('should finish a migration that a kill cut short', async () => {
    const path = tempDir();
    const store = await openStore({ path });
    try {
      await addAll(store, manyShapes(6000));
    } finally {
      await store.close();
    }
    const before = await contents(path);
    await downgrade(path, 3);
    let partial: Awaited<ReturnType<typeof inspect>> | null = null;
    for (let attempt = 0; attempt < 5 && partial === null; attempt++) {
      const state = await killDuringMigration(path);
      if (state.format === 3 && state.counts.objects! > 0) partial = state;
      else if (state.format === 5) await downgrade(path, 3);
    }
    assert.ok(partial, 'a migration was cut short');
    assert.ok(partial.counts.resources! > 0, 'some resources were still to move');
    assert.deepEqual(await contents(path), before);
  });

  it('should refuse a store of an unknown format', async () => {
    const path = tempDir();
    const env = open({ path, maxDbs: 20 });
    await env.openDB<number, string>('meta', {}).put(META.format, 99);
    await env.close();
    await assert.rejects(openStore({ path }), /has format 99; this build reads 2, 3, 4, 5/);
  });
});

/** Opens the store at `path` in a child process, kills it once its migration has begun, and reports the files' state. */
async function killDuringMigration(path: string) {
  const script = `import { openStore } from ${JSON.stringify(new URL('../../src/store/index.ts', import.meta.url).href)};
await openStore({ path: ${JSON.stringify(path)} });`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  for (let i = 0; i < 2000 && child.exitCode === null; i++) {
    const { counts } = await inspect(path, ['objects']);
    if (counts.objects! > 0) break;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  child.kill('SIGKILL');
  await exited;
  return inspect(path, ['resources', 'objects']);
}
