/**
 * What an execution may spend, as the resolvers see it: a signal that ends its work (its time is up),
 * and turns to run in, so that no execution holds the thread for long. The server hands each
 * execution its {@link ExecutionBudget} in the context; without one, work runs at once and whole.
 *
 * Long reads run as resumable work (the store's `Steps`): {@link inSlices} runs their steps while the
 * current slice of time lasts, then gives way to other work (other requests, I/O) and resumes on its
 * next turn. Shorter store calls (a listing, a batch of point reads, a page of a subscription's
 * initial state) run {@link paced}: each in the current slice while it lasts, else in a turn of its own.
 */
import { runSteps, type Steps } from '../store/index.ts';

/** An execution's budget (the server's, `src/server/pacer.ts`). */
export interface ExecutionBudget {
  /** Aborted once the execution must stop; its reason is the error each stopped resolver reports. */
  readonly signal: AbortSignal;
  /** Whether the current slice is spent: work should give way before it goes on. */
  due(): boolean;
  /** Resolves on this work's next turn (after other work had its own); rejects once `signal` aborts. */
  giveWay(): Promise<void>;
}

/**
 * Null when work may run now, else the promise of its next turn (then it asks again); throws the
 * budget's reason once its execution was stopped. Work must start right after it says null, with no
 * `await` between: other work may run in any microtask and spend the slice.
 */
function turnAfter(budget: ExecutionBudget): Promise<void> | null {
  budget.signal.throwIfAborted();
  return budget.due() ? budget.giveWay() : null;
}

/** Runs `work` once it may, in a slice of its own when the current one is spent, and returns its result. */
export async function paced<T>(budget: ExecutionBudget | undefined, work: () => T): Promise<Awaited<T>> {
  if (budget) for (let wait = turnAfter(budget); wait; wait = turnAfter(budget)) await wait;
  return await work();
}

/**
 * Runs resumable work to its end in slices: its steps while the slice lasts, then it gives way. When
 * the budget's execution is stopped, the work is ended (its generator returned: it reads no more)
 * and the reason thrown. Without a budget, the work runs whole at once.
 */
export async function inSlices<T>(budget: ExecutionBudget | undefined, steps: Steps<T>): Promise<T> {
  if (budget === undefined) return runSteps(steps);
  try {
    for (;;) {
      for (let wait = turnAfter(budget); wait; wait = turnAfter(budget)) await wait;
      let step = steps.next();
      while (!step.done && !budget.due()) step = steps.next();
      if (step.done) return step.value;
    }
  } finally {
    steps.return(undefined as T);
  }
}
