/**
 * Resumable work: a long read (a walk) as a generator that yields between bounded pieces of work, so
 * that a caller which must not hold the thread for all of it can run it a slice at a time.
 */

/**
 * Work that yields (nothing) after each bounded piece of it and returns its result. Between two
 * steps the caller may let other work run; the work itself decides what it reads then (a walk keeps
 * reading the graph as it was when it started).
 */
export type Steps<T> = Generator<void, T, void>;

/** Runs `steps` to the end at once and returns the result. */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Work that is already done: no step, `value` as its result. */
// biome-ignore lint/correctness/useYield: work without a step yields nothing.
export function* doneSteps<T>(value: T): Steps<T> {
  return value;
}
