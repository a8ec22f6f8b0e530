/**
 * Case 6: importing a generated dump with the project's importer (`importObjects`: conversion,
 * relationship derivation, bulk `store.load` batches of 500 objects) into a fresh store, against
 * raw batched puts of the same parsed objects under their ref keys, 500 per `transaction()`, queued
 * without waiting (lmdb-js commits them back to back) and awaited until flushed at the end. The
 * baseline writes no indexes, no relationships and no change log: it is the floor of putting those
 * objects durably at all. Both sides are warmed up first on a slice of the dump. The size of each
 * side's data file per object after its last round is logged and kept with the results.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { generateCluster } from '../../src/k8s/generate.ts';
import { importObjects } from '../../src/k8s/import.ts';
import { type KubeObject, refOf } from '../../src/k8s/objects.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { refKey } from '../../src/store/keys.ts';
import type { JsonObject } from '../../src/store/types.ts';
import type { BenchCase, BenchContext } from '../lib/context.ts';
import { clusterOptions, removeDir, tempDir } from '../lib/fixtures.ts';
import { runRounds } from '../lib/measure.ts';
import { openRaw, type RawDatabases } from '../lib/raw.ts';
import { type CaseResult, resultOf } from '../lib/report.ts';

const BATCH = 500;
/** Objects a generated Deployment brings on average, with its pods, ReplicaSets, Service and claims. */
const OBJECTS_PER_DEPLOYMENT = 6.58;
/** The absolute import rate the store should reach. */
const ABSOLUTE_TARGET = 30_000;

/** Bytes of a store's data file per object of the dump imported into it. */
function bytesPerObject(dir: string, objects: number): number {
  return Math.round(statSync(join(dir, 'data.mdb')).size / objects);
}

/** Raw batched puts of `objects` under their ref keys; resolves once every batch is flushed. */
async function rawImport(raw: RawDatabases, objects: readonly JsonObject[]): Promise<number> {
  const commits: Promise<unknown>[] = [];
  for (let start = 0; start < objects.length; start += BATCH) {
    const batch = objects.slice(start, start + BATCH);
    commits.push(
      raw.env.transaction(() => {
        for (const object of batch) raw.resources.put(refKey(refOf(object as KubeObject)), object);
      }),
    );
  }
  await Promise.all(commits);
  await raw.env.flushed;
  return objects.length;
}

/** Import rate against raw puts (target ≥ 0.5), and against a fixed 50k objects/s. */
export const importCase: BenchCase = {
  id: 'import',
  async run(context: BenchContext): Promise<CaseResult[]> {
    const { mode } = context;
    const deployments = Math.max(1, Math.round(mode.import.objects / OBJECTS_PER_DEPLOYMENT));
    const objects = Array.from(generateCluster(clusterOptions(deployments, 7)));
    // Warm-up runs import a slice of the dump; the timed rounds import all of it.
    let dump = objects.slice(0, Math.max(1, Math.ceil(objects.length / 20)));
    let storeDir = '';
    let rawDir = '';
    let store: Store | null = null;
    let raw: RawDatabases | null = null;
    const bytes = { store: 0, raw: 0 };
    const contenders = {
      store: {
        async setup() {
          storeDir = tempDir('import-store');
          store = await openStore({ path: storeDir });
        },
        async run() {
          const summary = await importObjects(store!, dump);
          if (summary.changedObjects !== dump.length) throw new Error('the import skipped objects');
          return dump.length;
        },
        async teardown() {
          await store?.close();
          bytes.store = bytesPerObject(storeDir, dump.length);
          removeDir(storeDir);
        },
      },
      baseline: {
        setup() {
          rawDir = tempDir('import-raw');
          raw = openRaw(rawDir);
        },
        run: () => rawImport(raw!, dump),
        async teardown() {
          await raw?.env.close();
          bytes.raw = bytesPerObject(rawDir, dump.length);
          removeDir(rawDir);
        },
      },
    };
    if (mode.warmup) await runRounds(contenders, { rounds: 1, minMs: 0, warmup: false });
    dump = objects;
    const rates = await runRounds(contenders, { rounds: mode.import.rounds, minMs: 0, warmup: false });
    const size = {
      objects: objects.length,
      batch: BATCH,
      dataFileBytesPerObject: bytes.store,
      rawDataFileBytesPerObject: bytes.raw,
    };
    context.log(
      `import: data file ${bytes.store} bytes per object (raw puts of the same objects: ${bytes.raw})`,
    );
    return [
      resultOf(
        {
          id: 'import',
          name: `import ${objects.length} objects`,
          unit: 'objects',
          target: 0.5,
          baselineIs:
            'raw puts of the same objects under ref keys, 500 per transaction(), then await flushed',
          size,
        },
        rates.store,
        rates.baseline,
      ),
      resultOf(
        {
          id: 'import-absolute',
          name: `import ${objects.length} objects vs fixed ${ABSOLUTE_TARGET / 1000}k/s`,
          unit: 'objects',
          target: 1,
          baselineIs: `a fixed rate of ${ABSOLUTE_TARGET} objects/s (the absolute target)`,
          size,
        },
        rates.store,
        rates.store.map(() => ABSOLUTE_TARGET),
      ),
    ];
  },
};
