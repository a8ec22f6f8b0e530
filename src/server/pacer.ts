/**
 * Turns on the event loop for long GraphQL work: walks, listings and subscription pages (the schema's
 * `ExecutionBudget`). Work runs while the current run of such work is younger than a slice (10 ms);
 * past it, work gives way and waits in line. Each turn of the event loop (a `setImmediate`, so the
 * loop polls I/O between any two) starts a new run and resumes waiters, in order, while it lasts. Small requests —
 * `/healthz`, `{ revision }`, a point read — never wait in line: they are answered between slices.
 *
 * Everything is one thread, so taking turns costs nothing but the hops; what it buys is that a
 * request walking a dense graph for seconds holds the loop for a slice at a time instead.
 */
import type { ExecutionBudget } from '../schema/index.ts';

/** How long a run of paced work may hold the event loop before it gives way. */
export const SLICE_MS = 10;

/** Work waiting for its turn. */
interface Waiter {
  readonly resolve: () => void;
  readonly reject: (reason: unknown) => void;
  readonly signal: AbortSignal;
  readonly onAbort: () => void;
}

/** The turns of one server's paced work. */
export class Pacer {
  readonly #sliceMs: number;
  /** When the current run of paced work began (null: none ran since the loop last went round). */
  #runStart: number | null = null;
  #clearScheduled = false;
  #grantScheduled = false;
  readonly #waiting: Waiter[] = [];

  constructor(sliceMs = SLICE_MS) {
    this.#sliceMs = sliceMs;
  }

  /** Whether the current run is a slice old: work should give way before it goes on. */
  due(): boolean {
    const now = performance.now();
    if (this.#runStart === null) {
      this.#beginRun(now);
      return false;
    }
    return now - this.#runStart >= this.#sliceMs;
  }

  /** Resolves on the caller's next turn, after those waiting before it; rejects once `signal` aborts. */
  giveWay(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const index = this.#waiting.indexOf(waiter);
          if (index >= 0) this.#waiting.splice(index, 1);
          reject(signal.reason);
        },
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.#waiting.push(waiter);
      this.#scheduleGrant();
    });
  }

  /** A budget under this pacer for work that `signal` stops. */
  budget(signal: AbortSignal): ExecutionBudget {
    return { signal, due: () => this.due(), giveWay: () => this.giveWay(signal) };
  }

  /** Starts a run at `now`; it ends when the loop next reaches its check phase. */
  #beginRun(now: number): void {
    this.#runStart = now;
    if (this.#clearScheduled) return;
    this.#clearScheduled = true;
    setImmediate(() => {
      this.#clearScheduled = false;
      this.#runStart = null;
    });
  }

  /** One grant per turn of the loop: scheduled from a grant, it runs on the next turn. */
  #scheduleGrant(): void {
    if (this.#grantScheduled) return;
    this.#grantScheduled = true;
    setImmediate(() => this.#grant());
  }

  /** A turn: its run starts now, and waiters are resumed one after another while it lasts. */
  #grant(): void {
    this.#grantScheduled = false;
    this.#beginRun(performance.now());
    this.#resumeNext();
  }

  /**
   * Resumes the first waiter (its work runs in the job its resolution queues), then, in the job
   * queued after it, the next one if the run still has time, else leaves the rest to the next turn.
   * Many short pieces of work (pages of subscriptions that are cheap to pull) share a turn this way.
   */
  #resumeNext(): void {
    const waiter = this.#waiting.shift();
    if (waiter === undefined) return;
    waiter.signal.removeEventListener('abort', waiter.onAbort);
    waiter.resolve();
    void Promise.resolve().then(() => {
      if (this.#waiting.length === 0) return;
      if (this.due()) this.#scheduleGrant();
      else this.#resumeNext();
    });
  }
}
