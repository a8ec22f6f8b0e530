/**
 * The app's Prometheus metrics (prom-client): what each one is, and how the gauges read their values
 * at scrape time from the store and from the state the app keeps for them.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Store, Watch } from '../store/index.ts';
import type { SocketStats } from './metrics.ts';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** What the gauges read that the store cannot tell: live watches, sockets, relationship counts. */
export interface MetricsState {
  readonly live: Set<Watch<unknown>>;
  sockets: (() => SocketStats) | null;
  readonly relationshipCounts: Map<string, number>;
  /** False until the first count of relationships has finished. */
  relationshipsCounted: boolean;
}

/** The metrics the app updates as things happen (the gauges collect themselves). */
export interface MetricHandles {
  readonly published: Counter<'stream' | 'type'>;
  readonly delivered: Counter;
  readonly slowConsumers: Counter<'where'>;
  readonly commits: Histogram<'method' | 'outcome'>;
  readonly operations: Histogram<'transport' | 'type' | 'operation' | 'outcome'>;
}

/** Registers every metric of an app serving `store` in `registry`. */
export function defineMetrics(registry: Registry, store: Store, state: MetricsState): MetricHandles {
  defineStoreGauges(registry, store, state);
  defineSubscriberGauges(registry, store, state);
  defineDiskGauges(registry, store);
  return {
    published: new Counter({
      name: 'resource_store_events_published_total',
      help: 'Changes the store published, by stream (resource, relationship) and change type.',
      labelNames: ['stream', 'type'],
      registers: [registry],
    }),
    delivered: new Counter({
      name: 'resource_store_events_delivered_total',
      help: 'Events handed to subscribers (each subscriber counts once per event).',
      registers: [registry],
    }),
    slowConsumers: new Counter({
      name: 'resource_store_slow_consumer_closes_total',
      help: 'Subscribers ended for falling behind: `queue` by the store watch bound, `socket` by the send buffer bound.',
      labelNames: ['where'],
      registers: [registry],
    }),
    commits: new Histogram({
      name: 'resource_store_commit_duration_seconds',
      help: 'Time of each store write as the GraphQL layer sees it, until durable, by method and outcome.',
      labelNames: ['method', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    operations: new Histogram({
      name: 'resource_store_graphql_duration_seconds',
      help: 'GraphQL requests (HTTP) and websocket operations, by transport, operation type, name and outcome.',
      labelNames: ['transport', 'type', 'operation', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
  };
}

/** What the store holds: resources by type, relationships by predicate, the revision. */
function defineStoreGauges(registry: Registry, store: Store, state: MetricsState): void {
  new Gauge({
    name: 'resource_store_resources',
    help: 'Stored resources by group, version and kind.',
    labelNames: ['group', 'version', 'kind'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { group, version, kind, count } of store.types()) this.set({ group, version, kind }, count);
    },
  });
  new Gauge({
    name: 'resource_store_relationships',
    help: 'Stored relationships by predicate type (absent until the count at start has finished).',
    labelNames: ['predicate'],
    registers: [registry],
    collect() {
      this.reset();
      if (!state.relationshipsCounted) return;
      for (const [predicate, count] of state.relationshipCounts)
        if (count > 0) this.set({ predicate }, count);
    },
  });
  new Gauge({
    name: 'resource_store_revision',
    help: 'The newest published revision.',
    registers: [registry],
    collect() {
      this.set(store.revision);
    },
  });
}

/** Subscribers and their lag, and the websockets they are on. */
function defineSubscriberGauges(registry: Registry, store: Store, state: MetricsState): void {
  new Gauge({
    name: 'resource_store_subscribers',
    help: 'Active subscriptions (store watches).',
    registers: [registry],
    collect() {
      this.set(state.live.size);
    },
  });
  const lag = (reduce: (lags: number[]) => number) =>
    function (this: Gauge) {
      const revision = store.revision;
      this.set(reduce([...state.live].map((watch) => Math.max(0, revision - watch.lastRevision))));
    };
  new Gauge({
    name: 'resource_store_subscriber_lag_max_revisions',
    help: 'The largest number of revisions a subscriber is behind the store.',
    registers: [registry],
    collect: lag((lags) => Math.max(0, ...lags)),
  });
  new Gauge({
    name: 'resource_store_subscriber_lag_sum_revisions',
    help: 'Revisions behind the store, summed over subscribers (divide by resource_store_subscribers).',
    registers: [registry],
    collect: lag((lags) => lags.reduce((sum, one) => sum + one, 0)),
  });
  new Gauge({
    name: 'resource_store_websockets',
    help: 'Open websocket connections.',
    registers: [registry],
    collect() {
      this.set(state.sockets?.().connections ?? 0);
    },
  });
  new Gauge({
    name: 'resource_store_websocket_buffered_bytes',
    help: 'Bytes waiting in user space to be sent on websockets, all sockets (`max`: the largest one).',
    labelNames: ['of'],
    registers: [registry],
    collect() {
      const stats = state.sockets?.();
      this.set({ of: 'sum' }, stats?.bufferedBytes ?? 0);
      this.set({ of: 'max' }, stats?.maxBufferedBytes ?? 0);
    },
  });
}

/** The store's file and the disk under it. */
function defineDiskGauges(registry: Registry, store: Store): void {
  new Gauge({
    name: 'resource_store_data_file_bytes',
    help: 'Size of the store file (data.mdb) on disk.',
    registers: [registry],
    collect() {
      try {
        this.set(statSync(join(store.path, 'data.mdb')).size);
      } catch {
        this.reset();
      }
    },
  });
  new Gauge({
    name: 'resource_store_disk_free_bytes',
    help: "Free bytes of the store's file system, as the store last read it.",
    registers: [registry],
    collect() {
      this.set(store.storage().freeBytes);
    },
  });
  new Gauge({
    name: 'resource_store_storage_full',
    help: '1 while writes are refused for lack of disk (STORAGE_FULL).',
    registers: [registry],
    collect() {
      this.set(store.storage().full ? 1 : 0);
    },
  });
}
