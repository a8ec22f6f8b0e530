/**
 * Pipelined batch writes for imports. Each batch is one atomic `store.load` (the store's bulk path:
 * the batch sorted into key order, its data stored as checked JSON text); up to {@link MAX_IN_FLIGHT}
 * of them are queued at once, so the store prepares and commits the next batches while the earlier
 * ones are made durable, instead of waiting for every commit's sync in turn. The batches form one
 * transaction sequence: once a batch fails, the batches queued after it write nothing, so the outcome
 * is that of writing them one by one — the batches before it stay committed, the error names the
 * object at fault, and progress is reported batch by batch, in order.
 */
import {
  isStoreError,
  type LoadBatch,
  type LoadResult,
  type RelationshipInput,
  type ResourceInput,
  type Store,
  StoreError,
} from '../store/index.ts';
import type { ImportItem } from './items.ts';
import type { ImportOptions } from './options.ts';
import { countBatch, type ImportSummary } from './summary.ts';

/**
 * Batches queued at once: enough to overlap preparing, committing and syncing (with 4, the import
 * waited on a sync about an eighth of the time).
 */
export const MAX_IN_FLIGHT = 8;

/** A queued batch and what is needed to account for it once it settles. */
interface QueuedBatch {
  readonly commit: Promise<LoadResult>;
  readonly batch: LoadBatch;
  /** The source of each resource and relationship, to name the object behind a failed one. */
  readonly sources: Sources;
}

/** Where each input of a batch comes from. */
interface Sources {
  readonly resources: readonly string[];
  readonly relationships: readonly string[];
}

/** Writes batches of import items in order, several in flight; counts them into a summary. */
export class BatchPipeline {
  readonly #store: Store;
  readonly #summary: ImportSummary;
  readonly #clusterLabels: Record<string, string>;
  readonly #onProgress: ImportOptions['onProgress'];
  readonly #totalObjects: number;
  readonly #sequence = {};
  readonly #queued: QueuedBatch[] = [];
  #objects = 0;

  /** `totalObjects` is reported with each progress (the objects of every batch to come). */
  constructor(
    store: Store,
    summary: ImportSummary,
    options: { clusterLabels: Record<string, string>; totalObjects: number } & ImportOptions,
  ) {
    this.#store = store;
    this.#summary = summary;
    this.#clusterLabels = options.clusterLabels;
    this.#onProgress = options.onProgress;
    this.#totalObjects = options.totalObjects;
  }

  /** Queues one batch; waits for the oldest batches while too many are in flight. */
  async write(batch: readonly ImportItem[]): Promise<void> {
    const { load, sources } = loadOf(batch, this.#clusterLabels);
    const commit = this.#store.load(load, { sequence: this.#sequence });
    commit.catch(() => {}); // accounted for, in order, by #settleOldest
    this.#queued.push({ commit, batch: load, sources });
    while (this.#queued.length >= MAX_IN_FLIGHT) await this.#settleOldest();
  }

  /** Waits for every queued batch; rejects with the first failure (naming its object). */
  async finish(): Promise<ImportSummary> {
    while (this.#queued.length > 0) await this.#settleOldest();
    return this.#summary;
  }

  /** Waits for the queued batches without accounting for them (the import failed elsewhere). */
  async abandon(): Promise<void> {
    await Promise.allSettled(this.#queued.splice(0).map((batch) => batch.commit));
  }

  async #settleOldest(): Promise<void> {
    const batch = this.#queued.shift()!;
    let result: LoadResult;
    try {
      result = await batch.commit;
    } catch (error) {
      await this.abandon();
      throw blame(error, batch.sources, this.#summary.objects);
    }
    countBatch(this.#summary, batch.batch, result);
    this.#objects += batch.sources.resources.length;
    this.#onProgress?.({
      objects: this.#objects,
      totalObjects: this.#totalObjects,
      relationships: this.#summary.relationships,
      revision: this.#summary.revision,
    });
  }
}

/** The bulk batch of import items: their resources (with the cluster labels) and relationships. */
function loadOf(batch: readonly ImportItem[], clusterLabels: Record<string, string>) {
  const resources: ResourceInput[] = [];
  const relationships: RelationshipInput[] = [];
  const sources = { resources: [] as string[], relationships: [] as string[] };
  const labelled = Object.keys(clusterLabels).length > 0;
  for (const { resource, relationships: declared, source } of batch) {
    if (resource !== null) {
      resources.push(labelled ? { ...resource, labels: { ...resource.labels, ...clusterLabels } } : resource);
      sources.resources.push(source);
    }
    for (const relationship of declared) {
      relationships.push(relationship);
      sources.relationships.push(source);
    }
  }
  return { load: { resources, relationships }, sources };
}

/** Rewrites a failed batch's error to name the object whose resource or relationship failed. */
function blame(error: unknown, sources: Sources, imported: number): unknown {
  if (!isStoreError(error)) return error;
  const match = /^(resources|relationships)\[(\d+)\]/.exec(error.details.field ?? '');
  const source = match ? sources[match[1] as keyof Sources][Number(match[2])] : undefined;
  const message = `${source ?? 'a batch'}: ${error.message} (nothing of this batch was written; ${imported} objects before it were imported)`;
  return new StoreError(error.code, message, error.details);
}
