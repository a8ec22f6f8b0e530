/**
 * The commit queue: every write runs as an LMDB child transaction. lmdb-js queues every write of an
 * event turn into one shared commit (group commit), while each write's callback still commits or
 * rolls back on its own. A write resolves once its commit is flushed to disk; its log entry is
 * published to watchers as soon as it is committed and visible. Dry runs roll back always, and
 * transaction sequences (`TransactionOptions.sequence`) stop at their first failure.
 */
import { planLoad, runLoad } from './bulk.ts';
import { type Databases, forgetUnsavedStructures, type LogEntry } from './db.ts';
import { commitFailureOf, type DiskGuard, isDiskFull } from './disk.ts';
import { StoreError } from './errors.ts';
import { listOf, planOperation, runPlanned, sequenceFailed, sequenceOf } from './operations.ts';
import { passableOf } from './query-input.ts';
import type { WriteTxn } from './txn.ts';
import type { LoadBatch, LoadResult, Operation, TransactionOptions, TransactionResult } from './types.ts';
import type { EventHub } from './watch.ts';

/** Thrown inside a dry run's transaction to roll it back. */
const ROLL_BACK = Symbol('roll back');

/** A write's result: what its work returned, and the revision it committed at. */
export interface Written<T> {
  value: T;
  revision: number;
}

/** What the queue writes with. */
export interface CommitDeps {
  readonly dbs: Databases;
  readonly hub: EventHub;
  readonly disk: DiskGuard;
  /** A transaction for one write (at the next revision). */
  readonly newTxn: () => WriteTxn;
  /** The newest committed revision. */
  readonly committedRevision: () => number;
  /** Throws STORE_CLOSED once the store is closing. */
  readonly checkOpen: () => void;
}

/** Where a transaction sequence stands: its transactions are numbered from 0 as they are called. */
interface SequenceState {
  next: number;
  /** The position of the earliest failed transaction (infinity while none failed), and its error. */
  failedAt: number;
  cause: unknown;
}

/** One transaction's place in its sequence. */
interface SequencePosition {
  readonly state: SequenceState;
  readonly position: number;
}

/** The store's writes, in order, grouped into durable commits. */
export class CommitQueue {
  readonly #deps: CommitDeps;
  readonly #inflight = new Set<Promise<unknown>>();
  /** The last write queued while free space is near the floor. */
  #nearFloor: Promise<unknown> = Promise.resolve();
  /** Transaction sequences, held weakly. */
  readonly #sequences = new WeakMap<object, SequenceState>();

  constructor(deps: CommitDeps) {
    this.#deps = deps;
  }

  /** Runs `work` in its own child transaction of the next group commit; resolves once durable. */
  write<T>(work: (txn: WriteTxn) => T): Promise<Written<T>> {
    const { checkOpen, disk } = this.#deps;
    checkOpen();
    if (!disk.check().close) return this.track(this.#commit(work));
    // Near the free-space floor: one write at a time, each checked against fresh free space.
    const write = this.#nearFloor.then(() => {
      checkOpen();
      disk.check();
      return this.#commit(work);
    });
    this.#nearFloor = write.catch(() => {});
    return this.track(write);
  }

  /**
   * Runs `work` in a child transaction that is always rolled back: the result is exactly what the
   * write would do, and nothing changes. The revision is the one the work saw.
   */
  async dryRun<T>(work: (txn: WriteTxn) => T): Promise<Written<T>> {
    const { dbs, checkOpen, newTxn, committedRevision } = this.#deps;
    checkOpen();
    let result!: Written<T>;
    try {
      await this.track(
        dbs.env.childTransaction(() => {
          try {
            const revision = committedRevision();
            result = { value: work(newTxn()), revision };
          } finally {
            forgetUnsavedStructures(dbs);
          }
          throw ROLL_BACK;
        }),
      );
    } catch (error) {
      if (error !== ROLL_BACK) throw await commitFailureOf(error);
    }
    return result;
  }

  /** Plans and writes the operations as one atomic write, in their sequence if they have one. */
  async transaction(
    operations: readonly Operation[],
    options: TransactionOptions,
  ): Promise<TransactionResult> {
    const passable = passableOf(options) ?? null;
    const { value, revision } = await this.#sequenced(
      options,
      () =>
        listOf(operations, 'operations').map((operation, i) => planOperation(operation, `operations[${i}]`)),
      (txn, planned) => planned.map((operation, i) => runPlanned(txn, operation, i, passable)),
    );
    return { results: value, revision };
  }

  /** Plans and writes a bulk batch as one atomic write, in its sequence if it has one. */
  async load(batch: LoadBatch, options: TransactionOptions): Promise<LoadResult> {
    const { value, revision } = await this.#sequenced(options, () => planLoad(batch), runLoad);
    return { revision, ...value };
  }

  /** Plans a write at call time and runs it in commit order, both in the options' sequence. */
  async #sequenced<P, T>(
    options: TransactionOptions,
    plan: () => P,
    run: (txn: WriteTxn, planned: P) => T,
  ): Promise<Written<T>> {
    const sequence = this.#sequencePosition(sequenceOf(options));
    // Planning runs at call time, so a sequence is marked failed before its next write is called.
    const planned = inSequence(sequence, plan);
    // Runs in commit order: a failure marks the sequence before its next write's work runs.
    const write = this.write((txn) => inSequence(sequence, () => run(txn, planned)));
    return write.catch((error: unknown) => {
      markFailed(sequence, error);
      throw error;
    });
  }

  /** Keeps `promise` among the work in flight until it settles. */
  track<T>(promise: Promise<T>): Promise<T> {
    this.#inflight.add(promise);
    const forget = () => this.#inflight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  /** Resolves once every write in flight now has settled. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#inflight]);
  }

  async #commit<T>(work: (txn: WriteTxn) => T): Promise<Written<T>> {
    const { dbs, hub, newTxn } = this.#deps;
    let entry: LogEntry | null = null;
    let result!: Written<T>;
    try {
      await dbs.env.childTransaction(() => {
        try {
          const txn = newTxn();
          const value = work(txn);
          entry = txn.commit();
          result = { value, revision: txn.revision };
        } catch (error) {
          // Synchronously, before the next write of the same commit encodes anything.
          forgetUnsavedStructures(dbs);
          throw error;
        }
      });
    } catch (error) {
      if (error instanceof StoreError) throw error;
      forgetUnsavedStructures(dbs);
      const cause = await commitFailureOf(error);
      throw isDiskFull(cause) ? new StoreError('STORAGE_FULL', "the store's disk is full") : cause;
    }
    try {
      await dbs.env.flushed;
    } finally {
      // Committed and visible: watchers see it even if the flush failed and the write is not acknowledged.
      if (entry) hub.publish(freezeEntry(entry));
    }
    return result;
  }

  /** The state of a transaction sequence with the next position in it, or null without one. */
  #sequencePosition(sequence: object | null): SequencePosition | null {
    if (sequence === null) return null;
    let state = this.#sequences.get(sequence);
    if (state === undefined) {
      state = { next: 0, failedAt: Number.POSITIVE_INFINITY, cause: null };
      this.#sequences.set(sequence, state);
    }
    return { state, position: state.next++ };
  }
}

/** Runs `work` unless an earlier transaction of the sequence failed; marks the sequence if it throws. */
function inSequence<T>(sequence: SequencePosition | null, work: () => T): T {
  if (sequence && sequence.state.failedAt < sequence.position) throw sequenceFailed(sequence.state.cause);
  try {
    return work();
  } catch (error) {
    markFailed(sequence, error);
    throw error;
  }
}

/** Records that the transaction at `sequence` failed (the earliest failure of a sequence is kept). */
function markFailed(sequence: SequencePosition | null, error: unknown): void {
  if (sequence === null || sequence.state.failedAt <= sequence.position) return;
  sequence.state.failedAt = sequence.position;
  sequence.state.cause = error;
}

/**
 * Freezes what every watcher of an entry shares: the entry, its changes, their resources and
 * relationships with their refs. JSON payloads (`data`, labels) are left as they are — freezing them
 * deeply cost as much as a tenth of a write — and are documented as read-only.
 */
function freezeEntry(entry: LogEntry): LogEntry {
  for (const change of entry.resources) {
    for (const resource of [change.resource, change.previous]) {
      if (resource) Object.freeze(Object.freeze(resource).ref);
    }
    Object.freeze(change);
  }
  for (const change of entry.relationships) {
    for (const relationship of [change.relationship, change.previous]) {
      if (relationship) Object.freeze(relationship);
    }
    Object.freeze(change);
  }
  Object.freeze(entry.resources);
  Object.freeze(entry.relationships);
  return Object.freeze(entry);
}
