/**
 * Case 3: the write an agent makes: a version-checked update of a labelled resource plus a triplet
 * from it, in one atomic `store.transaction`, with many writers in flight. Each update changes one
 * label (so a label index entry is replaced) and the triplet's data (so the triplet is rewritten).
 *
 * The grouped baseline does the same logical work with lmdb-js directly: inside `transaction()`
 * (lmdb-js runs every transaction callback queued in an event turn in one commit) it reads the row,
 * checks its version, puts the new row, replaces the label index entry and puts the triplet in three
 * orders; each write then awaits `flushed`, as the store does before it acknowledges. It keeps no
 * change log, revision counter or term dictionary: those are the store's features, and their cost
 * is part of what the ratio shows. The serial baseline runs the same raw write one at a time, each
 * awaited before the next starts, which is one durable commit per write.
 */

import { openStore, type ResourceRef, type Store } from '../../src/store/index.ts';
import { labelKey, refKey, tupleKey } from '../../src/store/keys.ts';
import type { BenchCase, BenchContext } from '../lib/context.ts';
import { removeDir, tempDir } from '../lib/fixtures.ts';
import { type Contender, runRounds } from '../lib/measure.ts';
import { openRaw, type RawDatabases, type Row } from '../lib/raw.ts';
import { type CaseResult, resultOf } from '../lib/report.ts';
import { DEPENDS_ON, refOf, writeInput, writeTriplet } from '../lib/workload.ts';

const EMPTY = Buffer.alloc(0);

/** Runs `count` writes with `concurrency` in flight; writer `w` takes the resources `i ≡ w (mod concurrency)`. */
async function inFlight(
  count: number,
  concurrency: number,
  resources: number,
  write: (i: number) => Promise<void>,
): Promise<number> {
  let started = 0;
  const cursor = new Array<number>(concurrency).fill(0);
  const writer = async (w: number) => {
    const owned = Math.ceil((resources - w) / concurrency);
    while (started < count) {
      started++;
      const i = w + (cursor[w]! % owned) * concurrency;
      cursor[w]!++;
      await write(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, resources) }, (_, w) => writer(w)));
  return count;
}

/** The raw program: resources, labels and a ref-keyed triplet in three orders. */
export class RawWriter {
  readonly #dbs: RawDatabases;
  /** Versions the writers last saw (what an agent holds between its read and its write). */
  readonly versions: number[];

  constructor(dbs: RawDatabases, resources: number) {
    this.#dbs = dbs;
    this.versions = new Array<number>(resources).fill(1);
  }

  /** Creates the resources, in one commit. */
  async seed(resources: number): Promise<void> {
    const now = new Date().toISOString();
    await this.#dbs.env.transaction(() => {
      for (let i = 0; i < resources; i++) {
        const input = writeInput(i, 1);
        const key = refKey(input.ref as ResourceRef);
        this.#dbs.resources.put(key, {
          ...input,
          uid: `uid-${i}`,
          createdAt: now,
          updatedAt: now,
          version: 1,
        });
        for (const [name, value] of Object.entries(input.labels!)) {
          this.#dbs.labels.put(labelKey(name, value, key), EMPTY);
        }
      }
    });
    await this.#dbs.env.flushed;
  }

  /** One version-checked write; resolves once durable. */
  async write(i: number): Promise<void> {
    const expected = this.versions[i]!;
    const generation = expected + 1;
    const dbs = this.#dbs;
    const ok = await dbs.env.transaction(() => {
      const input = writeInput(i, generation);
      const key = refKey(input.ref as ResourceRef);
      const current: Row = dbs.resources.get(key);
      if (!current || current.version !== expected) return false;
      const now = new Date().toISOString();
      dbs.resources.put(key, {
        ...input,
        uid: current.uid,
        createdAt: current.createdAt,
        updatedAt: now,
        version: current.version + 1,
      });
      for (const [name, value] of Object.entries(input.labels!)) {
        const old = current.labels[name];
        if (old === value) continue;
        if (old !== undefined) dbs.labels.remove(labelKey(name, old, key));
        dbs.labels.put(labelKey(name, value, key), EMPTY);
      }
      const objectKey = refKey(refOf((i + 1) % this.versions.length));
      const spoKey = tupleKey(key, DEPENDS_ON, objectKey);
      const existing: Row = dbs.spo.get(spoKey);
      const value = { data: { generation }, createdAt: existing?.createdAt ?? now, updatedAt: now };
      dbs.spo.put(spoKey, value);
      dbs.pos.put(tupleKey(DEPENDS_ON, objectKey, key), value);
      dbs.osp.put(tupleKey(objectKey, key, DEPENDS_ON), value);
      return true;
    });
    if (!ok) throw new Error(`raw write of resource ${i} failed its version check`);
    await dbs.env.flushed;
    this.versions[i] = generation;
  }
}

/** The store-side writer: `store.transaction([update, addRelationship])`. */
export class StoreWriter {
  readonly #store: Store;
  readonly versions: number[];

  constructor(store: Store, resources: number) {
    this.#store = store;
    this.versions = new Array<number>(resources).fill(1);
  }

  async seed(resources: number): Promise<void> {
    for (let start = 0; start < resources; start += 500) {
      const end = Math.min(resources, start + 500);
      const operations = [];
      for (let i = start; i < end; i++) operations.push({ op: 'add' as const, resource: writeInput(i, 1) });
      await this.#store.transaction(operations);
    }
  }

  async write(i: number): Promise<void> {
    const expected = this.versions[i]!;
    const generation = expected + 1;
    const result = await this.#store.transaction([
      { op: 'update', resource: writeInput(i, generation), expectedVersion: expected },
      { op: 'addRelationship', relationship: writeTriplet(i, generation, this.versions.length) },
    ]);
    const outcome = result.results[0];
    this.versions[i] = outcome?.op === 'update' ? outcome.resource.version : generation;
  }
}

/** The grouped comparison (target ≥ 0.6) and the store against one commit per write (target ≥ 10). */
export const writeCase: BenchCase = {
  id: 'write',
  async run(context: BenchContext): Promise<CaseResult[]> {
    const { resources, concurrency, batch, minMs } = context.mode.writes;
    const storeDir = tempDir('write-store');
    const rawDir = tempDir('write-raw');
    const store = await openStore({ path: storeDir });
    const raw = openRaw(rawDir);
    try {
      const storeWriter = new StoreWriter(store, resources);
      const rawWriter = new RawWriter(raw, resources);
      await storeWriter.seed(resources);
      await rawWriter.seed(resources);
      const serialBatch = Math.max(1, Math.floor(batch / 16));
      const contenders: Record<'store' | 'grouped' | 'serial', Contender> = {
        store: { run: () => inFlight(batch, concurrency, resources, (i) => storeWriter.write(i)) },
        grouped: { run: () => inFlight(batch, concurrency, resources, (i) => rawWriter.write(i)) },
        serial: { run: () => inFlight(serialBatch, 1, resources, (i) => rawWriter.write(i)) },
      };
      const rates = await runRounds(contenders, { ...context.mode, minMs });
      const size = { resources, concurrency };
      return [
        resultOf(
          {
            id: 'write',
            name: `version-checked write + labels + triplet, ${concurrency} in flight`,
            unit: 'writes',
            target: 0.6,
            baselineIs: 'raw lmdb-js transaction() per write, same concurrency, await flushed',
            size,
          },
          rates.store,
          rates.grouped,
        ),
        resultOf(
          {
            id: 'write-vs-serial',
            name: 'the same write vs one commit per write',
            unit: 'writes',
            target: 10,
            baselineIs: 'the raw write awaited one at a time (one durable commit each)',
            size: { resources, concurrency: 1 },
          },
          rates.store,
          rates.serial,
        ),
      ];
    } finally {
      await raw.env.close();
      await store.close();
      removeDir(storeDir);
      removeDir(rawDir);
    }
  },
};
