/**
 * One subscriber of a shared subscription: its own bounded queue of the results the shared source
 * executed, and its own position. A subscriber whose consumer (its socket) falls more than the
 * bound behind is ended alone, as a store watch would be: the revision being delivered is finished,
 * then a SLOW_CONSUMER error carrying the last revision it received, then the stream completes.
 */
import { type ExecutionArgs, type ExecutionResult, execute, type GraphQLError } from 'graphql';
import { maskError } from '../schema/index.ts';
import { StoreError } from '../store/index.ts';

/** A result of the shared source, with the revision of the event it was executed for. */
export interface SharedItem {
  readonly result: ExecutionResult;
  /** The event's revision; 0 for the source's last item (the error that ended it). */
  readonly revision: number;
  /** Whether the event is the last one of its revision this subscription gets. */
  readonly completes: boolean;
}

/** How a subscriber's stream ends once its queue is drained. */
type Ending = { readonly slow: true } | { readonly slow: false; readonly error: unknown };

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/** A subscriber's stream, handed to graphql-ws as the operation's result. */
export class SharedSubscriber implements AsyncIterableIterator<ExecutionResult> {
  readonly #args: ExecutionArgs;
  readonly #maxQueued: number;
  readonly #leave: (subscriber: SharedSubscriber) => void;
  readonly #onSlow: () => void;
  /** Events of this revision and before had happened when it joined: it gets none of them. */
  readonly joinedAt: number;
  #queue: SharedItem[] = [];
  #lastRevision: number;
  #midRevision = false;
  #ending: Ending | null = null;
  #done = false;
  #wake: (() => void) | null = null;

  constructor(options: {
    args: ExecutionArgs;
    joinedAt: number;
    maxQueued: number;
    leave: (subscriber: SharedSubscriber) => void;
    onSlow: () => void;
  }) {
    this.#args = options.args;
    this.joinedAt = options.joinedAt;
    this.#lastRevision = options.joinedAt;
    this.#maxQueued = options.maxQueued;
    this.#leave = options.leave;
    this.#onSlow = options.onSlow;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** From the source: queues an event's result, or ends this subscriber if its queue is full. */
  offer(item: SharedItem): void {
    if (this.#ending || this.#done || item.revision <= this.joinedAt) return;
    if (this.#queue.length >= this.#maxQueued) {
      this.#fallBehind();
      return;
    }
    this.#queue.push(item);
    this.#notify();
  }

  /** From the source: it ended, with its last item (if any) and the error it threw (if any). */
  finish(last: SharedItem | null, error: unknown): void {
    if (this.#ending || this.#done) return;
    if (last) this.#queue.push(last);
    this.#ending = { slow: false, error };
    this.#notify();
  }

  async next(): Promise<IteratorResult<ExecutionResult, undefined>> {
    for (;;) {
      if (this.#done) return DONE;
      const item = this.#queue.shift();
      if (item) return this.#deliver(item);
      if (this.#ending) return this.#end(this.#ending);
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  async return(): Promise<IteratorReturnResult<undefined>> {
    this.#stop();
    return DONE;
  }

  async throw(error?: unknown): Promise<IteratorReturnResult<undefined>> {
    this.#stop();
    throw error;
  }

  #deliver(item: SharedItem): IteratorYieldResult<ExecutionResult> {
    if (item.revision > 0) {
      this.#midRevision = !item.completes;
      if (item.completes) this.#lastRevision = item.revision;
    }
    return { done: false, value: item.result };
  }

  async #end(ending: Ending): Promise<IteratorResult<ExecutionResult, undefined>> {
    this.#stop();
    if (!ending.slow) {
      if (ending.error !== null) throw ending.error;
      return DONE;
    }
    return { done: false, value: await this.#failure() };
  }

  /** Keeps the rest of the revision being delivered (so it can resume after it), drops the others. */
  #fallBehind(): void {
    const keep = this.#midRevision ? this.#queue.findIndex((item) => item.completes) + 1 : 0;
    this.#queue.length = keep;
    this.#ending = { slow: true };
    this.#leave(this);
    this.#onSlow();
    this.#notify();
  }

  /**
   * The SLOW_CONSUMER result, as the subscription field's resolver reports a failed watch: executed
   * over the subscriber's own operation and masked like every result.
   */
  async #failure(): Promise<ExecutionResult> {
    const failure = new StoreError(
      'SLOW_CONSUMER',
      `subscriber fell more than ${this.#maxQueued} events behind`,
      { lastRevision: this.#lastRevision },
    );
    const result = await execute({ ...this.#args, rootValue: { failure } });
    if (!result.errors) return result;
    const errors = result.errors.map((error) => maskError(error, 'Unexpected error.') as GraphQLError);
    return { ...result, errors };
  }

  #stop(): void {
    if (this.#done) return;
    this.#done = true;
    this.#queue = [];
    this.#leave(this);
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}
