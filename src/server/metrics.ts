/**
 * Prometheus metrics (prom-client) at `GET /metrics`, answered before GraphQL like the probes.
 *
 * What each metric is lives in metric-definitions.ts. What the store cannot count cheaply is kept
 * by internal watches (internal-watches.ts, started by the first scrape): relationships by
 * predicate, counted once by a paged scan and then kept current, and events published. The GraphQL
 * layer is given a view of the store whose writes are timed and whose watches are counted
 * (instrumented-store.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectDefaultMetrics, type Histogram, Registry } from 'prom-client';
import type { Store } from '../store/index.ts';
import { instrumentStore } from './instrumented-store.ts';
import { type InternalSinks, startInternalWatches } from './internal-watches.ts';
import { defineMetrics, type MetricHandles, type MetricsState } from './metric-definitions.ts';
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

/** Distinct operation names kept as label values; later ones are reported as `other`. */
const MAX_OPERATION_NAMES = 200;

/**
 * The latency metric of GraphQL operations, with label children cached by transport, type, outcome
 * and name, and at most {@link MAX_OPERATION_NAMES} names (later ones are `other`).
 */
function operationObserver(operations: MetricHandles['operations']): (record: OperationRecord) => void {
  const names = new Set<string>();
  /** Names last in the key: only they may hold any character. */
  const children = new Map<string, Histogram.Internal<string>>();
  const label = (name: string): string => {
    const valid = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/.test(name) ? name : 'invalid';
    if (names.has(valid)) return valid;
    if (names.size < MAX_OPERATION_NAMES) {
      names.add(valid);
      return valid;
    }
    return 'other';
  };
  return (record) => {
    const { transport, type, outcome } = record;
    const key = `${transport}\0${type}\0${outcome}\0${record.name}`;
    let child = children.get(key);
    if (child === undefined) {
      const operation = label(record.name);
      child = operations.labels({ transport, type, operation, outcome });
      // Only admitted names are cached, so that the cache stays as bounded as the label values.
      if (operation === record.name) children.set(key, child);
    }
    child.observe(record.seconds);
  };
}

/** Where the internal watches report: the events counter and the relationship counts. */
function sinksOf(published: MetricHandles['published'], state: MetricsState): InternalSinks {
  return {
    resourceEvent: (type) => published.inc({ stream: 'resource', type }),
    relationshipEvent: (type, predicate) => {
      published.inc({ stream: 'relationship', type });
      const delta = type === 'ADDED' ? 1 : type === 'DELETED' ? -1 : 0;
      state.relationshipCounts.set(predicate, (state.relationshipCounts.get(predicate) ?? 0) + delta);
    },
    relationshipsCounted: (counts) => {
      state.relationshipCounts.clear();
      for (const [predicate, count] of counts) state.relationshipCounts.set(predicate, count);
      state.relationshipsCounted = true;
    },
  };
}

/** Writes the process's and the app's metrics as Prometheus text. */
function scrape(registry: Registry, request: IncomingMessage, response: ServerResponse): void {
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
}

/** Creates the metrics of an app serving `store`; the counts that need a watch start with the first scrape. */
export function createMetrics(store: Store): ServerMetrics {
  const registry = new Registry();
  const state: MetricsState = {
    live: new Set(),
    sockets: null,
    relationshipCounts: new Map(),
    relationshipsCounted: false,
  };
  const handles = defineMetrics(registry, store, state);
  const { commits, delivered, slowConsumers } = handles;
  // Started by the first scrape: an app nobody scrapes pays nothing for them.
  let internal: { close(): Promise<void> } | null = null;
  return {
    store: instrumentStore(store, { commits, delivered, slowConsumers, live: state.live }),
    observeOperation: operationObserver(handles.operations),
    slowConsumer(where) {
      slowConsumers.inc({ where });
    },
    reportSockets(stats) {
      state.sockets = stats;
    },
    answer(request, response) {
      if (request.url?.split('?', 1)[0] !== METRICS_PATH) return false;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.writeHead(405, { allow: 'GET, HEAD' }).end();
        return true;
      }
      internal ??= startInternalWatches(store, sinksOf(handles.published, state));
      scrape(registry, request, response);
      return true;
    },
    close: async () => {
      await internal?.close();
    },
  };
}
