/**
 * The demo store of a first run (`serve --demo`, which `npm start` uses): when the store directory
 * does not exist yet (or is an empty directory), it is created holding a small generated cluster
 * (`src/k8s/generate.ts`), imported as `import` would. A store that exists is never touched.
 *
 * The store is built in a directory beside its place and renamed into it once complete, so an
 * interrupted first run leaves no half-made store behind to be served as if it were whole.
 */
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ImportSummary } from '../ingest/index.ts';
import { type ClusterOptions, generateCluster } from '../k8s/generate.ts';
import { importObjects } from '../k8s/import.ts';
import { openStore, type StoreOptions } from '../store/index.ts';

/** The demo cluster: 3 Nodes, 6 Deployments in namespace `storefront` (ReplicaSets, Pods), Services, PVCs. */
export const DEMO_CLUSTER: ClusterOptions = Object.freeze({
  nodes: 3,
  deployments: 6,
  replicasPerDeployment: 2,
  pvcs: 2,
  seed: 1,
});

/** Whether `path` is free for a new store: absent, or an empty directory. */
async function isFree(path: string): Promise<boolean> {
  try {
    return (await readdir(path)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
}

/**
 * Creates the store at `path` with the demo cluster, unless something is there already; resolves to
 * the import's summary, or null when the store existed and was left alone. `options` are those the
 * store is served with (its type schemas check the demo's data too).
 */
export async function createDemoStore(
  path: string,
  options: Omit<StoreOptions, 'path' | 'inMemory'> = {},
): Promise<ImportSummary | null> {
  if (!(await isFree(path))) return null;
  const building = join(dirname(path), `.${basename(path)}.demo-${process.pid}`);
  await rm(building, { recursive: true, force: true });
  await mkdir(building, { recursive: true });
  try {
    const store = await openStore({ ...options, path: building });
    let summary: ImportSummary;
    try {
      summary = await importObjects(store, generateCluster(DEMO_CLUSTER));
    } finally {
      await store.close();
    }
    if (!(await isFree(path))) return null;
    await rename(building, path);
    return summary;
  } finally {
    await rm(building, { recursive: true, force: true });
  }
}

/** The start-up line of a new demo store: what it holds, and how to start empty instead. */
export function demoLine(path: string, summary: ImportSummary): string {
  const kinds = Object.entries(summary.objectsByKind)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([kind, count]) => `${count} ${kind.split('.')[0]}`)
    .join(', ');
  return (
    `created ${path} with a demo cluster: ${summary.objects} objects (${kinds}), ` +
    `${summary.relationships} relationships; to start empty instead, remove ${path} and run with --no-demo\n`
  );
}
