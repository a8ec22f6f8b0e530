/**
 * Prometheus metrics (prom-client) at `GET /metrics`, answered before GraphQL like the probes.
 *
 * What the store cannot count cheaply is kept here: relationships by predicate are counted once (a
 * paged scan in the background, started by the first scrape) and then kept current from a
 * relationship watch; events published are counted from the same watch and a resource watch, from
 * the first scrape on. The GraphQL layer is given a view
 * of the store whose writes are timed (commit latency) and whose watches are counted (subscribers,
 * their lag, events delivered, slow-consumer closes).
 */
import { statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { type Store, StoreError, type Watch } from '../store/index.ts';
import type { OperationRecord } from './request-log.ts';

/** Where metrics are served. */
export const METRICS_PATH = '/metrics';

/** Process metrics (CPU, memory, event loop, GC) are collected once per process, for every app. */
let processRegistry: Registry | null = null;
function processMetrics(): Registry {
  if (processRegistry === null) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** What the websocket endpoint reports at scrape time. */
export interface SocketStats {
  /** Open websockets. */
  readonly connections: number;
  /** Bytes queued in user space on every socket, not yet handed to the kernel. */
  readonly bufferedBytes: number;
  /** The largest such queue of one socket. */
  readonly maxBufferedBytes: number;
}

/** The metrics of one app. */
export interface ServerMetrics {
  /** The store the GraphQL layer uses: the app's store with writes timed and watches counted. */
  readonly store: Store;
  /** Records a finished GraphQL operation (request latency). */
  observeOperation(record: OperationRecord): void;
  /** Counts a subscriber ended for falling behind, by where it fell behind (`queue` or `socket`). */
  slowConsumer(where: 'queue' | 'socket'): void;
  /** Reports the websocket endpoint's sockets at each scrape. */
  reportSockets(stats: () => SocketStats): void;
  /** Answers `GET /metrics`; false for any other request. */
  answer(request: IncomingMessage, response: ServerResponse): boolean;
  /** Ends the internal watches. */
  close(): Promise<void>;
}

const WRITES = ['add', 'update', 'apply', 'delete', 'addRelationships', 'deleteRelationships', 'transaction'];
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Distinct operation names kept as label values; later ones are reported as `other`. */
const MAX_OPERATION_NAMES = 200;
/** Internal watches must not fall behind on a large transaction: one revision may hold this many. */
const INTERNAL_QUEUE = 1_000_000;

function codeOf(error: unknown): string {
  return error instanceof StoreError ? error.code : 'INTERNAL';
}

/** Creates the metrics of an app serving `store`, and starts the counts that need a watch. */
export function createMetrics(store: Store): ServerMetrics {
  const registry = new Registry();
  const registers = [registry];
  const live = new Set<Watch<unknown>>();
  let sockets: (() => SocketStats) | null = null;
  const relationshipCounts = new Map<string, number>();
  let relationshipsCounted = false;

  new Gauge({
    name: 'resource_store_resources',
    help: 'Stored resources by group, version and kind.',
    labelNames: ['group', 'version', 'kind'],
    registers,
    collect() {
      this.reset();
      for (const { group, version, kind, count } of store.types()) this.set({ group, version, kind }, count);
    },
  });
  new Gauge({
    name: 'resource_store_relationships',
    help: 'Stored relationships by predicate type (absent until the count at start has finished).',
    labelNames: ['predicate'],
    registers,
    collect() {
      this.reset();
      if (!relationshipsCounted) return;
      for (const [predicate, count] of relationshipCounts) if (count > 0) this.set({ predicate }, count);
    },
  });
  new Gauge({
    name: 'resource_store_revision',
    help: 'The newest published revision.',
    registers,
    collect() {
      this.set(store.revision);
    },
  });
  const published = new Counter({
    name: 'resource_store_events_published_total',
    help: 'Changes the store published, by stream (resource, relationship) and change type.',
    labelNames: ['stream', 'type'],
    registers,
  });
  const delivered = new Counter({
    name: 'resource_store_events_delivered_total',
    help: 'Events handed to subscribers (each subscriber counts once per event).',
    registers,
  });
  const slowConsumers = new Counter({
    name: 'resource_store_slow_consumer_closes_total',
    help: 'Subscribers ended for falling behind: `queue` by the store watch bound, `socket` by the send buffer bound.',
    labelNames: ['where'],
    registers,
  });
  new Gauge({
    name: 'resource_store_subscribers',
    help: 'Active subscriptions (store watches).',
    registers,
    collect() {
      this.set(live.size);
    },
  });
  const lag = (reduce: (lags: number[]) => number) =>
    function (this: Gauge) {
      const revision = store.revision;
      this.set(reduce([...live].map((watch) => Math.max(0, revision - watch.lastRevision))));
    };
  new Gauge({
    name: 'resource_store_subscriber_lag_max_revisions',
    help: 'The largest number of revisions a subscriber is behind the store.',
    registers,
    collect: lag((lags) => Math.max(0, ...lags)),
  });
  new Gauge({
    name: 'resource_store_subscriber_lag_sum_revisions',
    help: 'Revisions behind the store, summed over subscribers (divide by resource_store_subscribers).',
    registers,
    collect: lag((lags) => lags.reduce((sum, one) => sum + one, 0)),
  });
  new Gauge({
    name: 'resource_store_websockets',
    help: 'Open websocket connections.',
    registers,
    collect() {
      this.set(sockets?.().connections ?? 0);
    },
  });
  new Gauge({
    name: 'resource_store_websocket_buffered_bytes',
    help: 'Bytes waiting in user space to be sent on websockets, all sockets (`max`: the largest one).',
    labelNames: ['of'],
    registers,
    collect() {
      const stats = sockets?.();
      this.set({ of: 'sum' }, stats?.bufferedBytes ?? 0);
      this.set({ of: 'max' }, stats?.maxBufferedBytes ?? 0);
    },
  });
  new Gauge({
    name: 'resource_store_data_file_bytes',
    help: 'Size of the store file (data.mdb) on disk.',
    registers,
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
    registers,
    collect() {
      this.set(store.storage().freeBytes);
    },
  });
  new Gauge({
    name: 'resource_store_storage_full',
    help: '1 while writes are refused for lack of disk (STORAGE_FULL).',
    registers,
    collect() {
      this.set(store.storage().full ? 1 : 0);
    },
  });
  const commits = new Histogram({
    name: 'resource_store_commit_duration_seconds',
    help: 'Time of each store write as the GraphQL layer sees it, until durable, by method and outcome.',
    labelNames: ['method', 'outcome'],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const operations = new Histogram({
    name: 'resource_store_graphql_duration_seconds',
    help: 'GraphQL requests (HTTP) and websocket operations, by transport, operation type, name and outcome.',
    labelNames: ['transport', 'type', 'operation', 'outcome'],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const operationNames = new Set<string>();
  /** Label children by transport, type, outcome and name (names last: only they may hold any character). */
  const operationChildren = new Map<string, Histogram.Internal<string>>();
  const operationLabel = (name: string): string => {
    const label = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/.test(name) ? name : 'invalid';
    if (operationNames.has(label)) return label;
    if (operationNames.size < MAX_OPERATION_NAMES) {
      operationNames.add(label);
      return label;
    }
    return 'other';
  };

  /** A watch that counts what it delivers and how it ends, listed while it is live. */
  function counted<T>(watch: Watch<T>): Watch<T> {
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
  function timed(method: string, write: (...args: unknown[]) => Promise<unknown>) {
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

  const overrides = new Map<PropertyKey, unknown>();
  for (const method of WRITES) {
    const write = Reflect.get(store, method) as (...args: unknown[]) => Promise<unknown>;
    overrides.set(method, timed(method, write.bind(store)));
  }
  overrides.set('watch', (options: Parameters<Store['watch']>[0]) => counted(store.watch(options)));
  overrides.set('watchRelationships', (options: Parameters<Store['watchRelationships']>[0]) =>
    counted(store.watchRelationships(options)),
  );
  const instrumented = new Proxy(store, {
    get(target, key) {
      if (overrides.has(key)) return overrides.get(key);
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });

  const sinks: InternalSinks = {
    resourceEvent: (type) => published.inc({ stream: 'resource', type }),
    relationshipEvent: (type, predicate) => {
      published.inc({ stream: 'relationship', type });
      const delta = type === 'ADDED' ? 1 : type === 'DELETED' ? -1 : 0;
      relationshipCounts.set(predicate, (relationshipCounts.get(predicate) ?? 0) + delta);
    },
    counted: (counts) => {
      relationshipCounts.clear();
      for (const [predicate, count] of counts) relationshipCounts.set(predicate, count);
      relationshipsCounted = true;
    },
  };
  // Started by the first scrape: an app nobody scrapes pays nothing for them.
  let internal: { close(): Promise<void> } | null = null;

  return {
    store: instrumented,
    observeOperation(record) {
      const { transport, type, outcome } = record;
      const key = `${transport}\0${type}\0${outcome}\0${record.name}`;
      let child = operationChildren.get(key);
      if (child === undefined) {
        const operation = operationLabel(record.name);
        child = operations.labels({ transport, type, operation, outcome });
        // Only admitted names are cached, so that the cache stays as bounded as the label values.
        if (operation === record.name) operationChildren.set(key, child);
      }
      child.observe(record.seconds);
    },
    slowConsumer(where) {
      slowConsumers.inc({ where });
    },
    reportSockets(stats) {
      sockets = stats;
    },
    answer(request, response) {
      if (request.url?.split('?', 1)[0] !== METRICS_PATH) return false;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.writeHead(405, { allow: 'GET, HEAD' }).end();
        return true;
      }
      internal ??= startInternalWatches(store, sinks);
      Promise.all([processMetrics().metrics(), registry.metrics()]).then(
        ([process, app]) => {
          response.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
          response.end(request.method === 'HEAD' ? undefined : `${process}\n${app}`);
        },
        (error: unknown) => {
          response.writeHead(500, { 'content-type': 'text/plain' });
          response.end(`metrics failed: ${(error as Error).message}\n`);
        },
      );
      return true;
    },
    close: async () => {
      await internal?.close();
    },
  };
}

interface InternalSinks {
  resourceEvent(type: string): void;
  relationshipEvent(type: string, predicate: string): void;
  /** The relationship counts by predicate, once a scan has counted them. */
  counted(counts: Map<string, number>): void;
}

/**
 * The watches behind the published-events counters and the relationship counts. The counts start
 * from a paged scan at one revision (yielding to the event loop between pages) and follow the log
 * from that revision, so no change is counted twice or missed. A watch that falls behind resumes
 * from its last revision; one whose revision was compacted away starts over with a new scan.
 */
function startInternalWatches(store: Store, sinks: InternalSinks): { close(): Promise<void> } {
  let closed = false;
  const watches = new Set<Watch<unknown>>();
  const pause = () => new Promise((resolve) => setImmediate(resolve));

  async function follow<T>(open: (since: number) => Watch<T>, since: number, each: (event: T) => void) {
    let from = since;
    while (!closed) {
      const watch = open(from);
      watches.add(watch);
      try {
        for await (const event of watch) each(event);
        return;
      } catch (error) {
        if (!(error instanceof StoreError) || error.code !== 'SLOW_CONSUMER') throw error;
        from = watch.lastRevision;
      } finally {
        watches.delete(watch);
      }
    }
  }

  async function countRelationships(): Promise<number> {
    const counts = new Map<string, number>();
    let page = store.relationships({}, { limit: 5000 });
    const revision = page.revision;
    for (;;) {
      for (const { predicate } of page.items)
        counts.set(predicate.type, (counts.get(predicate.type) ?? 0) + 1);
      if (!page.hasNextPage || page.endCursor === null || closed) break;
      await pause();
      page = store.relationships({}, { limit: 5000, after: page.endCursor });
    }
    sinks.counted(counts);
    return revision;
  }

  const ignoreEnd = (error: unknown) => {
    if (!(error instanceof StoreError)) throw error;
  };
  const resources = follow(
    (since) => store.watch({ since, maxQueuedEvents: INTERNAL_QUEUE }),
    store.revision,
    (event) => {
      if (event.type !== 'SYNCED') sinks.resourceEvent(event.type);
    },
  ).catch(ignoreEnd);
  const relationships = (async () => {
    while (!closed) {
      try {
        const revision = await countRelationships();
        await follow(
          (since) => store.watchRelationships({ since, maxQueuedEvents: INTERNAL_QUEUE }),
          revision,
          (event) => sinks.relationshipEvent(event.type, event.relationship.predicate.type),
        );
        return;
      } catch (error) {
        if (!(error instanceof StoreError) || error.code !== 'REVISION_COMPACTED') return ignoreEnd(error);
      }
    }
  })();
  return {
    async close() {
      closed = true;
      await Promise.all([...watches].map((watch) => watch.return()));
      await Promise.all([resources, relationships]);
    },
  };
}
