/**
 * Change notification. The hub publishes each committed revision once it is durable, strictly in
 * revision order. A watcher turns log entries into the events its consumer asked for and delivers them
 * through a bounded queue: writers only ever append to queues, never wait on a consumer, and a
 * consumer that falls behind by more than its bound is ended with SLOW_CONSUMER.
 *
 * A watcher moves through up to three phases, all pull-driven until it is live:
 *   initial — pages of the current state read at one snapshot revision S, then a SYNCED marker at S;
 *   replay  — log entries after its cursor, read in chunks, up to the hub's published revision;
 *   live    — attached to the hub; events arrive through the queue.
 * The switch from replay to live happens synchronously once the cursor reaches the published revision,
 * so no revision can fall between the log and the hub: no gap and no duplicate at the seam.
 */
import type { LogEntry } from './db.ts';
import { invariant, StoreError } from './errors.ts';
import type { Watch } from './types.ts';

const REPLAY_CHUNK = 256;

/** Receives each published revision in order. */
interface Subscriber {
  offer(entry: LogEntry): void;
  end(error: StoreError): void;
}

/** Publishes durable revisions to watchers, in order, exactly once each. */
export class EventHub {
  #published: number;
  readonly #pending = new Map<number, LogEntry>();
  readonly #subscribers = new Set<Subscriber>();

  constructor(published: number) {
    this.#published = published;
  }

  /** The newest revision every subscriber has been offered. */
  get published(): number {
    return this.#published;
  }

  /** How many watchers are live. */
  get size(): number {
    return this.#subscribers.size;
  }

  /** Hands over a durable revision; revisions may arrive out of order and are published in order. */
  publish(entry: LogEntry): void {
    invariant(entry.revision > this.#published, `revision ${entry.revision} published twice`);
    this.#pending.set(entry.revision, entry);
    for (
      let next = this.#pending.get(this.#published + 1);
      next;
      next = this.#pending.get(this.#published + 1)
    ) {
      this.#pending.delete(next.revision);
      this.#published = next.revision;
      for (const subscriber of this.#subscribers) subscriber.offer(next);
    }
  }

  subscribe(subscriber: Subscriber): void {
    this.#subscribers.add(subscriber);
  }

  unsubscribe(subscriber: Subscriber): void {
    this.#subscribers.delete(subscriber);
  }

  /** Ends every watcher with `error` (used on close). */
  endAll(error: StoreError): void {
    for (const subscriber of [...this.#subscribers]) subscriber.end(error);
  }
}

/** What a watcher needs from the store. */
export interface WatchSource<E> {
  hub: EventHub;
  /** Log entries with `after < revision <= upTo` (at most `limit`). */
  readLog(after: number, upTo: number, limit: number): LogEntry[];
  compactedRevision(): number;
  /** The events of one revision this watcher delivers (possibly none). */
  select(entry: LogEntry): E[];
}

/** The initial state: pages of events at snapshot `revision`, then a SYNCED event. */
export interface InitialState<E> {
  pages: Iterator<E[]>;
  synced: (revision: number) => E;
  /** Revision of the snapshot, known once the first page is read. */
  revision: () => number;
}

interface Queued<E> {
  event: E;
  /** Set on the last event of a revision: delivering it completes that revision. */
  completes: number | null;
}

type Phase = 'initial' | 'replay' | 'live' | 'ended';

/** A bounded, resumable event stream (see the module comment). */
export class Watcher<E> implements Watch<E>, Subscriber {
  readonly #source: WatchSource<E>;
  readonly #maxQueued: number;
  readonly #initial: InitialState<E> | null;
  #phase: Phase;
  /** Every revision up to the cursor has been queued (or had nothing for this watcher). */
  #cursor: number;
  #lastRevision: number;
  #queue: Queued<E>[] = [];
  #midRevision = false;
  #error: StoreError | null = null;
  #wake: (() => void) | null = null;
  #pull: Promise<unknown> = Promise.resolve();

  constructor(
    source: WatchSource<E>,
    options: { since: number; maxQueued: number; initial?: InitialState<E> },
  ) {
    this.#source = source;
    this.#maxQueued = options.maxQueued;
    this.#initial = options.initial ?? null;
    this.#phase = this.#initial ? 'initial' : 'replay';
    this.#cursor = options.since;
    this.#lastRevision = this.#initial ? 0 : options.since;
    if (!this.#initial) this.#attachIfCaughtUp();
  }

  get lastRevision(): number {
    return this.#lastRevision;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<E, undefined>> {
    const result = this.#pull.then(() => this.#next());
    this.#pull = result.catch(() => undefined);
    return result;
  }

  async return(): Promise<IteratorResult<E, undefined>> {
    this.#finish();
    return { done: true, value: undefined };
  }

  async throw(error?: unknown): Promise<IteratorResult<E, undefined>> {
    this.#finish();
    throw error;
  }

  /** From the hub: queue this revision's events, or end the watcher if its queue is full. */
  offer(entry: LogEntry): void {
    if (entry.revision <= this.#cursor || this.#phase !== 'live') return;
    this.#cursor = entry.revision;
    const events = this.#source.select(entry);
    if (events.length === 0) {
      if (this.#queue.length === 0 && !this.#midRevision) this.#lastRevision = entry.revision;
      return;
    }
    if (this.#queue.length + events.length > this.#maxQueued) {
      this.#fallBehind();
      return;
    }
    this.#enqueue(entry.revision, events);
    this.#notify();
  }

  /** From the hub on close: deliver what is queued, then fail with `error` and this watcher's position. */
  end(error: StoreError): void {
    this.#stop(
      new StoreError(error.code, error.message, { ...error.details, lastRevision: this.#lastRevision }),
    );
  }

  async #next(): Promise<IteratorResult<E, undefined>> {
    for (;;) {
      const queued = this.#queue.shift();
      if (queued) return this.#deliver(queued);
      if (this.#error) {
        const error = this.#error;
        this.#finish();
        throw error;
      }
      if (this.#phase === 'ended') return { done: true, value: undefined };
      if (this.#phase === 'live') {
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        continue;
      }
      try {
        if (this.#phase === 'initial') this.#readInitialPage();
        else this.#replayChunk();
      } catch (error) {
        if (!(error instanceof StoreError)) {
          this.#finish();
          throw error;
        }
        this.#stop(error);
      }
    }
  }

  #deliver(queued: Queued<E>): IteratorResult<E, undefined> {
    this.#midRevision = queued.completes === null;
    if (queued.completes !== null) this.#lastRevision = queued.completes;
    return { done: false, value: queued.event };
  }

  #readInitialPage(): void {
    const initial = this.#initial;
    invariant(initial, 'initial phase without an initial state');
    const page = initial.pages.next();
    if (!page.done) {
      for (const event of page.value) this.#queue.push({ event, completes: null });
      return;
    }
    const revision = initial.revision();
    this.#queue.push({ event: initial.synced(revision), completes: revision });
    this.#cursor = Math.max(this.#cursor, revision);
    this.#phase = 'replay';
    this.#attachIfCaughtUp();
  }

  #replayChunk(): void {
    const published = this.#source.hub.published;
    const compacted = this.#source.compactedRevision();
    if (this.#cursor < compacted) {
      this.#stop(
        new StoreError(
          'REVISION_COMPACTED',
          `revision ${this.#cursor} is older than the retained log (${compacted})`,
          {
            compactedRevision: compacted,
          },
        ),
      );
      return;
    }
    for (const entry of this.#source.readLog(this.#cursor, published, REPLAY_CHUNK)) {
      invariant(entry.revision === this.#cursor + 1, `log gap after revision ${this.#cursor}`);
      this.#cursor = entry.revision;
      const events = this.#source.select(entry);
      if (events.length === 0 && this.#queue.length === 0) this.#lastRevision = entry.revision;
      else this.#enqueue(entry.revision, events);
    }
    this.#attachIfCaughtUp();
  }

  #attachIfCaughtUp(): void {
    if (this.#phase === 'replay' && this.#cursor >= this.#source.hub.published) {
      this.#phase = 'live';
      this.#source.hub.subscribe(this);
    }
  }

  #enqueue(revision: number, events: E[]): void {
    events.forEach((event, i) => {
      this.#queue.push({ event, completes: i === events.length - 1 ? revision : null });
    });
  }

  /** Keeps the revision being delivered (so the consumer can resume after it), drops the rest. */
  #fallBehind(): void {
    const keep = this.#midRevision ? this.#queue.findIndex((queued) => queued.completes !== null) + 1 : 0;
    this.#queue.length = keep;
    const lastRevision =
      keep > 0 ? (this.#queue[keep - 1]!.completes ?? this.#lastRevision) : this.#lastRevision;
    this.#stop(
      new StoreError('SLOW_CONSUMER', `watcher fell more than ${this.#maxQueued} events behind`, {
        lastRevision,
      }),
    );
  }

  #stop(error: StoreError): void {
    if (this.#phase === 'ended' || this.#error) return;
    this.#source.hub.unsubscribe(this);
    this.#error = error;
    this.#notify();
  }

  #finish(): void {
    this.#source.hub.unsubscribe(this);
    this.#phase = 'ended';
    this.#queue = [];
    this.#error = null;
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}
