/**
 * Pipelined batch writes for imports. Each batch is one atomic `store.transaction`; up to
 * {@link MAX_IN_FLIGHT} of them are queued at once, so the store prepares and commits the next batches
 * while the earlier ones are made durable, instead of waiting for every commit's sync in turn. The
 * batches form one transaction sequence: once a batch fails, the batches queued after it write nothing,
 * so the outcome is that of writing them one by one — the batches before it stay committed, the error
 * names the object at fault, and progress is reported batch by batch, in order.
 */
import {
  isStoreError,
  type Operation,
  type Store,
  StoreError,
  type TransactionResult,
} from '../store/index.ts';
import type { ImportItem } from './items.ts';
import type { ImportOptions } from './options.ts';
import { countResult, type ImportSummary } from './summary.ts';

/** Batches queued at once: enough to overlap preparing, committing and syncing. */
export const MAX_IN_FLIGHT = 4;

/** A queued batch and what is needed to account for it once it settles. */
interface QueuedBatch {
  readonly commit: Promise<TransactionResult>;
  /** The source of each operation, to name the object behind a failed one. */
  readonly sources: readonly string[];
  readonly objects: number;
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
    const { operations, sources, objects } = operationsOf(batch, this.#clusterLabels);
    const commit = this.#store.transaction(operations, { sequence: this.#sequence });
    commit.catch(() => {}); // accounted for, in order, by #settleOldest
    this.#queued.push({ commit, sources, objects });
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
    let result: TransactionResult;
    try {
      result = await batch.commit;
    } catch (error) {
      await this.abandon();
      throw blame(error, batch.sources, this.#summary.objects);
    }
    countResult(this.#summary, result);
    this.#objects += batch.objects;
    this.#onProgress?.({
      objects: this.#objects,
      totalObjects: this.#totalObjects,
      relationships: this.#summary.relationships,
      revision: this.#summary.revision,
    });
  }
}

/** The operations of one batch: its resources applied first, then the relationships they declare. */
function operationsOf(batch: readonly ImportItem[], clusterLabels: Record<string, string>) {
  const operations: Operation[] = [];
  const sources: string[] = [];
  let objects = 0;
  for (const { resource, source } of batch) {
    if (resource === null) continue;
    const labels = Object.keys(clusterLabels).length
      ? { ...resource.labels, ...clusterLabels }
      : resource.labels;
    operations.push({ op: 'apply', resource: { ...resource, labels } });
    sources.push(source);
    objects++;
  }
  for (const { relationships, source } of batch) {
    for (const relationship of relationships) {
      operations.push({ op: 'addRelationship', relationship });
      sources.push(source);
    }
  }
  return { operations, sources, objects };
}

/** Rewrites a failed batch's error to name the object whose operation failed. */
function blame(error: unknown, sources: readonly string[], imported: number): unknown {
  if (!isStoreError(error)) return error;
  const index = error.details.operationIndex ?? indexIn(error.details.field, 'operations');
  const source = index === undefined ? 'a batch' : sources[index];
  const message = `${source}: ${error.message} (nothing of this batch was written; ${imported} objects before it were imported)`;
  return new StoreError(error.code, message, error.details);
}

/** The index `i` of a field path starting with `list[i]`. */
function indexIn(field: string | undefined, list: string): number | undefined {
  const match = new RegExp(`^${list}\\[(\\d+)\\]`).exec(field ?? '');
  return match ? Number(match[1]) : undefined;
}
