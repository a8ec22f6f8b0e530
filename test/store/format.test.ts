/**
 * On-disk formats: new stores are format 3 (up to 1,024 shared record shapes per database); stores of
 * format 2 (32 shapes) are still opened and read with their own setting. Records of many shapes —
 * more than either limit — must read back exactly, after a restart too.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { open } from 'lmdb';
import { openStore, type ResourceInput } from '../../src/store/index.ts';
import { META } from '../../src/store/keys.ts';
import { tempDir } from './helpers.ts';

/** `count` resources whose data objects all have different key sets. */
function manyShapes(count: number): ResourceInput[] {
  return Array.from({ length: count }, (_, i) => ({
    ref: { version: 'v1', kind: 'Thing', namespace: 'a', name: `t${i}` },
    labels: { [`key-${i % 50}`]: 'x' },
    data: { [`field${i}`]: i, nested: { [`inner${i % 7}`]: [i, { [`deep${i}`]: true }] } },
  }));
}

/** Writes the inputs in a few transactions, then checks every resource in this store and reopened. */
async function roundTrip(path: string, inputs: ResourceInput[]): Promise<void> {
  const store = await openStore({ path });
  try {
    for (let start = 0; start < inputs.length; start += 400) {
      const batch = inputs.slice(start, start + 400);
      await store.transaction(batch.map((resource) => ({ op: 'add' as const, resource })));
    }
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

/** The format number recorded in a store's directory. */
async function formatAt(path: string): Promise<number | undefined> {
  const env = open({ path, maxDbs: 20 });
  try {
    return env.openDB<number, string>('meta', {}).get(META.format);
  } finally {
    await env.close();
  }
}

describe('store formats', () => {
  it('should create format 3 stores and read back records of more shapes than they share', async () => {
    const path = tempDir();
    await roundTrip(path, manyShapes(1500));
    assert.equal(await formatAt(path), 3);
  });

  it('should open a format 2 store and read and write it with 32 shared shapes', async () => {
    const path = tempDir();
    const env = open({ path, maxDbs: 20 });
    await env.openDB<number, string>('meta', {}).put(META.format, 2);
    await env.close();
    await roundTrip(path, manyShapes(300));
    assert.equal(await formatAt(path), 2);
  });

  it('should refuse a store of an unknown format', async () => {
    const path = tempDir();
    const env = open({ path, maxDbs: 20 });
    await env.openDB<number, string>('meta', {}).put(META.format, 99);
    await env.close();
    await assert.rejects(openStore({ path }), /has format 99; this build reads 2 and 3/);
  });
});
