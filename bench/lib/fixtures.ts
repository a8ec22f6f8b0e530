/** Temporary directories and the generated cluster the read cases query. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ClusterOptions, generateCluster } from '../../src/k8s/generate.ts';
import { importObjects } from '../../src/k8s/import.ts';
import { allKeys } from '../../src/store/db.ts';
import { openStore, type ResourceRef, type Store } from '../../src/store/index.ts';
import { decodeRefKey } from '../../src/store/keys.ts';
import { openRaw, type RawDatabases } from './raw.ts';

/** A fresh directory under the OS temp dir; remove it with {@link removeDir}. */
export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `resource-store-bench-${label}-`));
}

/** Removes a directory made by {@link tempDir}. */
export function removeDir(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

/** The options of a generated cluster of `deployments` Deployments, at the proportions the bench uses. */
export function clusterOptions(deployments: number, seed = 1): ClusterOptions {
  return {
    deployments,
    nodes: Math.max(3, Math.ceil(deployments / 100)),
    pvcs: Math.ceil(deployments / 10),
    replicasPerDeployment: 3,
    seed,
  };
}

/** A store holding an imported generated cluster, the same files opened raw, and its refs by kind. */
export interface ClusterFixture {
  readonly store: Store;
  readonly raw: RawDatabases;
  /** Every stored ref, in key order, grouped by kind. */
  readonly refsByKind: ReadonlyMap<string, readonly ResourceRef[]>;
  readonly objects: number;
  readonly relationships: number;
  readonly importMs: number;
  /** Closes both handles and removes the directory. */
  close(): Promise<void>;
}

/** Imports a generated cluster of `deployments` Deployments into a store in a temporary directory. */
export async function clusterFixture(deployments: number): Promise<ClusterFixture> {
  const dir = tempDir('cluster');
  const store = await openStore({ path: dir });
  const started = performance.now();
  const summary = await importObjects(store, generateCluster(clusterOptions(deployments)));
  const importMs = performance.now() - started;
  const raw = openRaw(dir);
  const refsByKind = new Map<string, ResourceRef[]>();
  for (const key of raw.resources.getKeys(allKeys())) {
    const ref = decodeRefKey(key);
    const refs = refsByKind.get(ref.kind) ?? [];
    refs.push(ref);
    refsByKind.set(ref.kind, refs);
  }
  return {
    store,
    raw,
    refsByKind,
    objects: summary.objects,
    relationships: summary.relationships,
    importMs,
    async close() {
      await raw.env.close();
      await store.close();
      removeDir(dir);
    },
  };
}

/** `count` items spread evenly over `items` (all of them when there are fewer), in a shuffled order. */
export function sampleOf<T>(items: readonly T[], count: number): T[] {
  if (items.length === 0) throw new RangeError('nothing to sample');
  const step = Math.max(1, items.length / count);
  const picked: T[] = [];
  for (let i = 0; i < Math.min(count, items.length); i++) picked.push(items[Math.floor(i * step)]!);
  let seed = 12345;
  for (let i = picked.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [picked[i], picked[j]] = [picked[j]!, picked[i]!];
  }
  return picked;
}

/** Refs of one kind from a fixture (throws when the cluster has none). */
export function refsOf(fixture: ClusterFixture, kind: string): readonly ResourceRef[] {
  const refs = fixture.refsByKind.get(kind);
  if (!refs?.length) throw new Error(`the generated cluster has no ${kind}`);
  return refs;
}
