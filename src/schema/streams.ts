/**
 * Adapts the store's watches to GraphQL subscriptions.
 *
 * A watch that fails (SLOW_CONSUMER, REVISION_COMPACTED, STORE_CLOSED) ends with a thrown StoreError.
 * A transport would report a thrown error unmasked and without its code, so the failure is delivered
 * as one last item instead: its resolver throws it, the client receives it as a coded GraphQL error in
 * a result, and the stream completes. `return()` goes straight to the watch, so an unsubscribing client
 * frees the store's queue at once, even while a `next()` is pending.
 *
 * Each pull waits its turn under the operation's budget (budget.ts): a watch that reads its initial
 * state or replays the log hands out pages that are read when pulled, and a client that reads fast
 * would otherwise pull page after page, and execute and send their events, without giving way.
 */
import { StoreError, type Watch } from '../store/index.ts';
import { type ExecutionBudget, paced } from './budget.ts';

/** One item of a subscription stream: an event of the watch, or the error that ended it. */
export type Delivery<T> = { readonly event: T } | { readonly failure: StoreError };

/** The iterator a subscription field returns for `watch`, pulled in turns of `budget`. */
export function deliveriesOf<T>(
  watch: Watch<T>,
  budget?: ExecutionBudget,
): AsyncIterableIterator<Delivery<T>> {
  let finished = false;
  const done: IteratorReturnResult<undefined> = { done: true, value: undefined };
  const iterator: AsyncIterableIterator<Delivery<T>> = {
    [Symbol.asyncIterator]: () => iterator,
    async next() {
      if (finished) return done;
      try {
        const result = await paced(budget, () => watch.next());
        if (result.done) {
          finished = true;
          return done;
        }
        return { done: false, value: { event: result.value } };
      } catch (error) {
        finished = true;
        if (error instanceof StoreError) return { done: false, value: { failure: error } };
        throw error;
      }
    },
    async return() {
      finished = true;
      await watch.return();
      return done;
    },
    async throw(error: unknown) {
      finished = true;
      await watch.return();
      throw error;
    },
  };
  return iterator;
}

/** The event of a delivery; throws the failure that ended the stream. */
export function eventOf<T>(delivery: Delivery<T>): T {
  if ('failure' in delivery) throw delivery.failure;
  return delivery.event;
}
