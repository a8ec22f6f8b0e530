/**
 * Adapts the store's watches to GraphQL subscriptions.
 *
 * A watch that fails (SLOW_CONSUMER, REVISION_COMPACTED, STORE_CLOSED) ends with a thrown StoreError.
 * A transport would report a thrown error unmasked and without its code, so the failure is delivered
 * as one last item instead: its resolver throws it, the client receives it as a coded GraphQL error in
 * a result, and the stream completes. `return()` goes straight to the watch, so an unsubscribing client
 * frees the store's queue at once, even while a `next()` is pending.
 */
import { StoreError, type Watch } from '../store/index.ts';

/** One item of a subscription stream: an event of the watch, or the error that ended it. */
export type Delivery<T> = { readonly event: T } | { readonly failure: StoreError };

/** The iterator a subscription field returns for `watch`. */
export function deliveriesOf<T>(watch: Watch<T>): AsyncIterableIterator<Delivery<T>> {
  let finished = false;
  const done: IteratorReturnResult<undefined> = { done: true, value: undefined };
  const iterator: AsyncIterableIterator<Delivery<T>> = {
    [Symbol.asyncIterator]: () => iterator,
    async next() {
      if (finished) return done;
      try {
        const result = await watch.next();
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
