/**
 * The server: one `node:http` server with GraphQL over HTTP and websocket on `/graphql`, and health
 * probes.
 *
 * Store ownership: given `store`, the caller owns it and `stop()` leaves it open; given
 * `storeOptions`, the app opens the store in `start()` and closes it in `stop()`.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stringifyResult } from '../schema/index.ts';
import { invariant, openStore, type Store, type StoreOptions } from '../store/index.ts';
import { type AuthConfig, connectionToken, createAuthenticator } from './auth.ts';
import { answerProbe } from './health.ts';
import { createHttpGraphQL, type Stringify } from './http-graphql.ts';
import { errorReply, sendReply } from './http-reply.ts';
import { type Limits, resolveLimits } from './limits.ts';
import { createLogger, LOG_LEVELS, type Logger, type LogLevel, yogaLogger } from './logging.ts';
import { createMetrics, type ServerMetrics } from './metrics.ts';
import { createRequestLog } from './request-log.ts';
import { attachWebSocket, type WebSocketEndpoint } from './websocket.ts';
import { createGraphQLHandler, GRAPHQL_PATH } from './yoga.ts';
import { useRequestLog } from './yoga-request-log.ts';

/** Where the store comes from: one the caller owns, or options to open one the app owns. */
export type StoreSource = { readonly store: Store } | { readonly storeOptions: StoreOptions };

/** Configuration of {@link createApp}. */
export type AppConfig = StoreSource & {
  /** TCP port; 0 picks a free one (default 4000). */
  readonly port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** Serve GraphiQL to browsers (default true; turn off in production). */
  readonly graphiql?: boolean;
  /** Answer introspection queries, `__schema` and `__type` (default true; turn off in production). */
  readonly introspection?: boolean;
  /** Limits on requests and operations; those left out keep their defaults (`DEFAULT_LIMITS`). */
  readonly limits?: Partial<Limits>;
  /** Require the CSRF header on requests a browser sends without a preflight (default true). */
  readonly csrfPrevention?: boolean;
  /** Origins besides the server's own whose pages may call it, over HTTP and websocket (default none). */
  readonly corsOrigins?: readonly string[];
  /** How long a websocket may take to send `connection_init` before it is closed (default 3 s). */
  readonly connectionInitTimeoutMs?: number;
  /**
   * Let websocket subscribers of the same live subscription (same query, operation name, variables
   * and principal; neither `since` nor `initialState`) share one execution per event (default true).
   */
  readonly shareSubscriptions?: boolean;
  /**
   * Events a subscriber of a shared subscription may have waiting before it is ended with
   * SLOW_CONSUMER (default: `storeOptions.maxQueuedEvents` when the app opens the store, else 10,000,
   * the store's default).
   */
  readonly maxQueuedEvents?: number;
  /** Require bearer tokens and apply their principals' rules (default: off, everything allowed). */
  readonly auth?: AuthConfig;
  /** Log requests and unexpected errors (default true); false silences every log line. */
  readonly logging?: boolean;
  /** Least level logged, as JSON lines on stdout (default `info`). */
  readonly logLevel?: LogLevel;
  /** A pino logger to log to instead (`logging` and `logLevel` are then ignored). */
  readonly logger?: Logger;
  /** Serve Prometheus metrics at `/metrics` (default true). */
  readonly metrics?: boolean;
  /** How long `stop()` lets in-flight HTTP requests finish before cutting them (default 10 s). */
  readonly shutdownGraceMs?: number;
  /**
   * Serve JSON POSTs on the lean path, straight on `node:http` (default true); off, yoga serves every
   * HTTP request. Answers are the same either way; the lean path is several times cheaper.
   */
  readonly leanHttp?: boolean;
  /**
   * How the lean path serializes each finished result (default `stringifyResult`: `JSON.stringify`
   * with stored payloads spliced in as their text).
   */
  readonly stringify?: Stringify;
};

/** A server created by {@link createApp}. */
export interface App {
  /** Opens the store if the app owns it, then listens. */
  start(): Promise<void>;
  /**
   * Stops accepting connections, ends every websocket operation and socket, lets in-flight HTTP
   * requests finish (up to the grace period), then closes the store if the app owns it. Idempotent.
   */
  stop(): Promise<void>;
  /** The GraphQL endpoint, e.g. `http://127.0.0.1:4000/graphql` (the real port when 0 was asked). */
  readonly url: string;
  /** The store being served (available once started). */
  readonly store: Store;
}

interface Running {
  readonly store: Store;
  readonly server: Server;
  readonly websocket: WebSocketEndpoint;
  readonly metrics: ServerMetrics | null;
  readonly dispose: () => Promise<void> | void;
  readonly url: string;
}

function endpointUrl(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}${GRAPHQL_PATH}`;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      invariant(address !== null && typeof address === 'object', 'a listening TCP server has an address');
      resolve(address);
    });
  });
}

/** Waits for the server to close, cutting the connections still open after `graceMs`. */
function closeServer(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/**
 * A request that arrives after `stop()` began (on a kept-alive connection) is refused before it can
 * start any work, and its connection closed: only requests already running are let finish.
 */
function refuseWhileStopping(response: ServerResponse): void {
  const errors = [{ message: 'the server is shutting down', extensions: { code: 'SHUTTING_DOWN' } }];
  sendReply(response, errorReply(503, errors, { connection: 'close', 'retry-after': '1' }));
}

/** Why the app should get no new work, or null when it is ready. */
function unreadiness(store: Store, stopping: boolean): string | null {
  if (stopping) return 'stopping';
  return store.storage().full ? 'storage full: writes are refused' : null;
}

/** Creates the server; nothing listens until `start()`. */
export function createApp(config: AppConfig): App {
  const owned = 'storeOptions' in config;
  const limits = resolveLimits(config.limits);
  const corsOrigins = config.corsOrigins ?? [];
  const connectionInitTimeoutMs = config.connectionInitTimeoutMs ?? 3000;
  if (!Number.isSafeInteger(connectionInitTimeoutMs) || connectionInitTimeoutMs < 1) {
    throw new RangeError(
      `connectionInitTimeoutMs must be a positive integer, given ${connectionInitTimeoutMs}`,
    );
  }
  const maxQueuedEvents =
    config.maxQueuedEvents ?? (owned ? config.storeOptions.maxQueuedEvents : undefined) ?? 10_000;
  if (!Number.isSafeInteger(maxQueuedEvents) || maxQueuedEvents < 1) {
    throw new RangeError(`maxQueuedEvents must be a positive integer, given ${maxQueuedEvents}`);
  }
  const logLevel = config.logLevel ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new RangeError(`logLevel must be one of ${LOG_LEVELS.join(', ')}, given ${logLevel}`);
  }
  const logger = config.logger ?? createLogger(config.logging === false ? 'silent' : logLevel);
  const authenticator = config.auth === undefined ? null : createAuthenticator(config.auth);
  let running: Running | null = null;
  let stopping: Promise<void> | null = null;

  async function start(): Promise<void> {
    invariant(running === null && stopping === null, 'an app starts once');
    const store = 'store' in config ? config.store : await openStore(config.storeOptions);
    const metrics = config.metrics === false ? null : createMetrics(store);
    const observe = metrics ? metrics.observeOperation : () => {};
    const requestLog = metrics || logger.isLevelEnabled('info') ? createRequestLog(logger, observe) : null;
    const graphiql = config.graphiql ?? true;
    const csrfPrevention = config.csrfPrevention ?? true;
    const yoga = createGraphQLHandler(metrics?.store ?? store, {
      graphiql,
      logging: logger.isLevelEnabled('error') ? yogaLogger(logger) : false,
      firstPlugins: requestLog ? [useRequestLog(requestLog)] : [],
      limits,
      introspection: config.introspection ?? true,
      csrfPrevention,
      corsOrigins,
      auth: authenticator,
    });
    const lean =
      config.leanHttp === false
        ? () => false
        : createHttpGraphQL(yoga, {
            requestLog,
            authenticator,
            graphiql,
            maxBodyBytes: limits.maxBodyBytes,
            csrfPrevention,
            corsOrigins,
            stringify: config.stringify ?? stringifyResult,
          });
    const server = createServer((request, response) => {
      if (answerProbe(request, response, () => unreadiness(store, stopping !== null))) return;
      if (metrics?.answer(request, response)) return;
      if (stopping !== null) return refuseWhileStopping(response);
      // Once stopping, a connection is closed as soon as its last response is sent.
      response.once('finish', () => {
        if (stopping !== null) setImmediate(() => server.closeIdleConnections());
      });
      if (!lean(request, response)) void yoga(request, response);
    });
    const websocket = attachWebSocket(server, yoga, {
      maxMessageBytes: limits.maxMessageBytes,
      connectionInitTimeoutMs,
      corsOrigins,
      authenticate: authenticator
        ? (params) => authenticator.authenticate(connectionToken(params))
        : undefined,
      shareSubscriptions: config.shareSubscriptions ?? true,
      maxQueuedEvents,
      revision: () => store.revision,
      onSlowConsumer: () => metrics?.slowConsumer('queue'),
    });
    metrics?.reportSockets(() => websocket.stats());
    try {
      const address = await listen(server, config.port ?? 4000, config.host ?? '127.0.0.1');
      running = {
        store,
        server,
        websocket,
        metrics,
        dispose: () => yoga.dispose(),
        url: endpointUrl(address),
      };
    } catch (error) {
      await websocket.close();
      await metrics?.close();
      if (owned) await store.close();
      throw error;
    }
  }

  async function shutdown(app: Running): Promise<void> {
    const closed = closeServer(app.server, config.shutdownGraceMs ?? 10_000);
    await app.websocket.close();
    await closed;
    await app.dispose();
    await app.metrics?.close();
    if (owned) await app.store.close();
    logger.flush();
  }

  return {
    start,
    stop() {
      if (running === null) return stopping ?? Promise.resolve();
      stopping ??= shutdown(running);
      return stopping;
    },
    get url() {
      invariant(running, 'the app has not started');
      return running.url;
    },
    get store() {
      invariant(running, 'the app has not started');
      return running.store;
    },
  };
}
