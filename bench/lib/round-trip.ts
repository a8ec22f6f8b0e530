/**
 * The export and re-import of a store through the real CLI, each command a child process whose peak
 * resident memory is sampled: `resource-store export --out FILE` of the store, then `resource-store
 * import FILE` into an empty directory. The restored store must hold as many resources and
 * relationships as the original, and the same content for a sample of resources.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { openStore, type ResourceRef, type Store } from '../../src/store/index.ts';
import { runCliChecked, type SampledRun } from './cli-process.ts';
import { removeDir, tempDir } from './fixtures.ts';

/** What the round trip measured. */
export interface RoundTrip {
  readonly export: SampledRun;
  readonly import: SampledRun;
  readonly resources: number;
  readonly relationships: number;
}

/** What a writer sets of a resource: what an export carries. */
function content(store: Store, ref: ResourceRef): string {
  const resource = store.get(ref);
  if (resource === null) return 'absent';
  const { uid, labels, annotations, dataType, data } = resource;
  return JSON.stringify({ uid, labels, annotations, dataType, data });
}

/** Every relationship of a store, counted page by page. */
function relationshipCount(store: Store): number {
  let count = 0;
  let after: string | null = null;
  do {
    const page = store.relationships({}, { limit: 10_000, after });
    count += page.items.length;
    after = page.endCursor;
  } while (after !== null);
  return count;
}

/** Fails unless the restored store matches `expected` counts and the original's sampled resources. */
async function checkRestored(
  dir: string,
  original: Store,
  expected: { resources: number; relationships: number },
  sample: readonly ResourceRef[],
): Promise<void> {
  const restored = await openStore({ path: dir });
  try {
    const found = { resources: restored.count(), relationships: relationshipCount(restored) };
    if (found.resources !== expected.resources || found.relationships !== expected.relationships) {
      throw new Error(`round trip: restored ${JSON.stringify(found)}, expected ${JSON.stringify(expected)}`);
    }
    for (const ref of sample) {
      if (content(restored, ref) !== content(original, ref)) {
        throw new Error(`round trip: ${JSON.stringify(ref)} differs after export and import`);
      }
    }
  } finally {
    await restored.close();
  }
}

/** Exports the store at `dir` (open as `store`) with the CLI, imports the file anew, checks the result. */
export async function exportRoundTrip(
  dir: string,
  store: Store,
  expected: { resources: number; relationships: number },
  sample: readonly ResourceRef[],
): Promise<RoundTrip> {
  const work = tempDir('round-trip');
  try {
    const file = join(work, 'store.export');
    const exported = await runCliChecked(['export', '--data', dir, '--out', file]);
    const restoredDir = join(work, 'restored');
    const imported = await runCliChecked(['import', file, '--data', restoredDir, '--json']);
    rmSync(file);
    await checkRestored(restoredDir, store, expected, sample);
    return { export: exported, import: imported, ...expected };
  } finally {
    removeDir(work);
  }
}
