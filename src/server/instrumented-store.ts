/**
 * The store as the GraphQL layer sees it when metrics are on: every write timed until durable (by
 * method and outcome), every watch counted while it is live, with what it delivers and how it ends.
 */
import type { Counter, Histogram } from 'prom-client';
import { type Store, StoreError, type Watch } from '../store/index.ts';

const WRITES = [
  'add',
  'update',
  'apply',
  'patch',
  'delete',
  'addRelationships',
  'deleteRelationships',
  'transaction',
  'load',
];

/** The metrics an instrumented store feeds, and the set of its live watches. */
export interface StoreInstruments {
  readonly commits: Histogram<'method' | 'outcome'>;
  readonly delivered: Counter;
  readonly slowConsumers: Counter<'where'>;
  readonly live: Set<Watch<unknown>>;
}

/** The `extensions.code`-like outcome of a failed write. */
function codeOf(error: unknown): string {
  return error instanceof StoreError ? error.code : 'INTERNAL';
}

/** A watch that counts what it delivers and how it ends, listed in `live` while it is live. */
function countedWatch<T>(watch: Watch<T>, { live, delivered, slowConsumers }: StoreInstruments): Watch<T> {
  live.add(watch);
  const release = () => live.delete(watch);
  const wrapped: Watch<T> = {
    [Symbol.asyncIterator]: () => wrapped,
    get lastRevision() {
      return watch.lastRevision;
    },
    async next() {
      try {
        const result = await watch.next();
        if (result.done) release();
        else delivered.inc();
        return result;
      } catch (error) {
        release();
        if (error instanceof StoreError && error.code === 'SLOW_CONSUMER')
          slowConsumers.inc({ where: 'queue' });
        throw error;
      }
    },
    return() {
      release();
      return watch.return();
    },
    throw(error?: unknown) {
      release();
      return watch.throw ? watch.throw(error) : watch.return();
    },
  };
  return wrapped;
}

/** Times a write until its promise settles. */
function timed(
  commits: StoreInstruments['commits'],
  method: string,
  write: (...args: unknown[]) => Promise<unknown>,
) {
  return async (...args: unknown[]) => {
    const end = commits.startTimer({ method });
    try {
      const result = await write(...args);
      end({ outcome: 'ok' });
      return result;
    } catch (error) {
      end({ outcome: codeOf(error) });
      throw error;
    }
  };
}

/** `store` with its writes timed and its watches counted; every other member is the store's own. */
export function instrumentStore(store: Store, instruments: StoreInstruments): Store {
  const overrides = new Map<PropertyKey, unknown>();
  for (const method of WRITES) {
    const write = Reflect.get(store, method) as (...args: unknown[]) => Promise<unknown>;
    overrides.set(method, timed(instruments.commits, method, write.bind(store)));
  }
  overrides.set('watch', (options: Parameters<Store['watch']>[0]) =>
    countedWatch(store.watch(options), instruments),
  );
  overrides.set('watchRelationships', (options: Parameters<Store['watchRelationships']>[0]) =>
    countedWatch(store.watchRelationships(options), instruments),
  );
  return new Proxy(store, {
    get(target, key) {
      if (overrides.has(key)) return overrides.get(key);
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
