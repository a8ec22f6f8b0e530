/** Temporary directories and the generated cluster the read cases query. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ClusterOptions, generateCluster } from '../../src/k8s/generate.ts';
import { importObjectStream } from '../../src/k8s/stream.ts';
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
export function clusterOptions(deployments: number, seed = 1, replicas = 3): ClusterOptions {
  return {
    deployments,
    nodes: Math.max(3, Math.ceil(deployments / 100)),
    pvcs: Math.ceil(deployments / 10),
    replicasPerDeployment: replicas,
    seed,
  };
}

/** Refs a fixture keeps in memory at most (about): beyond it, every k-th ref of each kind. */
const KEPT_REFS = 50_000;

/** A store holding an imported generated cluster, the same files opened raw, and its refs by kind. */
export interface ClusterFixture {
  readonly store: Store;
  readonly raw: RawDatabases;
  /** The directory of the store. */
  readonly dir: string;
  /**
   * Stored refs in key order, grouped by kind: all of them up to about 50k, beyond that an evenly
   * thinned sample (every k-th of each kind), so a million-object cluster does not fill the heap.
   */
  readonly refsByKind: ReadonlyMap<string, readonly ResourceRef[]>;
  /** Stored resources of each kind. */
  readonly countsByKind: ReadonlyMap<string, number>;
  readonly objects: number;
  readonly relationships: number;
  readonly importMs: number;
  /** Closes both handles and removes the directory. */
  close(): Promise<void>;
}

/** Imports a generated cluster of `deployments` Deployments (`replicas` pods each) into a store in a temporary directory. */
export async function clusterFixture(deployments: number, replicas = 3): Promise<ClusterFixture> {
  const dir = tempDir('cluster');
  const store = await openStore({ path: dir });
  const started = performance.now();
  const options = clusterOptions(deployments, 1, replicas);
  const summary = await importObjectStream(store, () => generateCluster(options));
  const importMs = performance.now() - started;
  const raw = openRaw(dir);
  const every = Math.max(1, Math.floor(summary.objects / KEPT_REFS));
  const refsByKind = new Map<string, ResourceRef[]>();
  const countsByKind = new Map<string, number>();
  for (const key of raw.resources.getKeys(allKeys())) {
    const ref = decodeRefKey(key);
    const count = countsByKind.get(ref.kind) ?? 0;
    countsByKind.set(ref.kind, count + 1);
    if (count % every !== 0) continue;
    const refs = refsByKind.get(ref.kind) ?? [];
    refs.push(ref);
    refsByKind.set(ref.kind, refs);
  }
  return {
    store,
    raw,
    dir,
    refsByKind,
    countsByKind,
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

/** How many resources of one kind a fixture stores (throws when the cluster has none). */
export function countOf(fixture: ClusterFixture, kind: string): number {
  const count = fixture.countsByKind.get(kind);
  if (!count) throw new Error(`the generated cluster has no ${kind}`);
  return count;
}

/** Refs of one kind from a fixture (throws when the cluster has none). */
export function refsOf(fixture: ClusterFixture, kind: string): readonly ResourceRef[] {
  const refs = fixture.refsByKind.get(kind);
  if (!refs?.length) throw new Error(`the generated cluster has no ${kind}`);
  return refs;
}
