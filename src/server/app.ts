/**
 * The server: one `node:http` server with GraphQL over HTTP and websocket on `/graphql`, and health
 * probes. `createApp` wires the parts together; its options are resolved in `config.ts`.
 *
 * Store ownership: given `store`, the caller owns it and `stop()` leaves it open; given
 * `storeOptions`, the app opens the store in `start()` and closes it in `stop()`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { invariant, openStore, type Store } from '../store/index.ts';
import { type AuthConfig, connectionToken } from './auth.ts';
import { type AuthReload, ReloadableAuthenticator, reloadAuth } from './auth-reload.ts';
import { type AppConfig, type ResolvedAppConfig, resolveAppConfig } from './config.ts';
import { answerGraphiQLAsset } from './graphiql.ts';
import { answerProbe } from './health.ts';
import { createHttpGraphQL, type HttpGraphQL } from './http-graphql.ts';
import { errorReply, sendReply } from './http-reply.ts';
import { createLogger, type Logger, yogaLogger } from './logging.ts';
import { createMetrics, type ServerMetrics } from './metrics.ts';
import { answerMetrics, isMetricsRequest } from './metrics-access.ts';
import { createRequestLog } from './request-log.ts';
import { answerRoot } from './root-page.ts';
import { attachWebSocket, type WebSocketEndpoint } from './websocket.ts';
import { createGraphQLHandler, GRAPHQL_PATH, type Yoga } from './yoga.ts';
import { useRequestLog } from './yoga-request-log.ts';

export type { AuthReload } from './auth-reload.ts';
export type { AppConfig, StoreSource } from './config.ts';

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
  /**
   * Replaces the auth configuration (`load`: one, or a function reading one, such as
   * `() => loadAuthFile(path)`): new requests, websockets and operations authenticate with it, and
   * every open websocket whose token it no longer accepts, or whose principal's rules it changes, is
   * closed with 4403. An invalid configuration (or a `load` that throws) changes nothing: the error
   * is logged and thrown. Only for an app created with `auth`.
   */
  reloadAuth(load: AuthConfig | (() => AuthConfig)): Promise<AuthReload>;
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

/** What the parts of a running app are made with. */
interface Wiring {
  readonly settings: ResolvedAppConfig;
  readonly logger: Logger;
  readonly authenticator: ReloadableAuthenticator | null;
  /** Whether `stop()` has begun. */
  readonly stopping: () => boolean;
}

/** yoga, and the lean JSON POST path in front of it (a handler that takes nothing when it is off). */
function graphqlHandlers(store: Store, metrics: ServerMetrics | null, wiring: Wiring) {
  const { settings, logger, authenticator } = wiring;
  const observe = metrics ? metrics.observeOperation : () => {};
  const requestLog = metrics || logger.isLevelEnabled('info') ? createRequestLog(logger, observe) : null;
  const yoga = createGraphQLHandler(metrics?.store ?? store, {
    graphiql: settings.graphiql,
    logging: logger.isLevelEnabled('error') ? yogaLogger(logger) : false,
    firstPlugins: requestLog ? [useRequestLog(requestLog)] : [],
    limits: settings.limits,
    introspection: settings.introspection,
    csrfPrevention: settings.csrfPrevention,
    corsOrigins: settings.corsOrigins,
    auth: authenticator,
    rateLimitCost: settings.rateLimitCost,
  });
  const lean: HttpGraphQL = settings.leanHttp
    ? createHttpGraphQL(yoga, {
        requestLog,
        authenticator,
        graphiql: settings.graphiql,
        maxBodyBytes: settings.limits.maxBodyBytes,
        csrfPrevention: settings.csrfPrevention,
        corsOrigins: settings.corsOrigins,
        stringify: settings.stringify,
      })
    : () => false;
  return { yoga, lean };
}

/** Answers `GET /` and, when GraphiQL is on, its page's files; returns whether it answered. */
function answerPage(request: IncomingMessage, response: ServerResponse, graphiql: boolean): boolean {
  if (answerRoot(request, response, { graphqlPath: GRAPHQL_PATH, graphiql })) return true;
  return graphiql && answerGraphiQLAsset(request, response);
}

/** The HTTP server: probes, then metrics, `/` and GraphiQL's files, then GraphQL (the lean path, else yoga). */
function httpServer(
  store: Store,
  metrics: ServerMetrics | null,
  handlers: { yoga: Yoga; lean: HttpGraphQL },
  { settings, stopping, authenticator }: Wiring,
): Server {
  const metricsGate = settings.metricsPublic ? null : authenticator;
  const server = createServer((request, response) => {
    if (answerProbe(request, response, () => unreadiness(store, stopping()))) return;
    if (metrics && isMetricsRequest(request)) return answerMetrics(metrics, metricsGate, request, response);
    if (stopping()) return refuseWhileStopping(response);
    if (answerPage(request, response, settings.graphiql)) return;
    // Once stopping, a connection is closed as soon as its last response is sent.
    response.once('finish', () => {
      if (stopping()) setImmediate(() => server.closeIdleConnections());
    });
    if (!handlers.lean(request, response)) void handlers.yoga(request, response);
  });
  return server;
}

/** graphql-ws on the HTTP server's `/graphql`. */
function websocketEndpoint(
  server: Server,
  yoga: Yoga,
  store: Store,
  metrics: ServerMetrics | null,
  { settings, authenticator, logger }: Wiring,
): WebSocketEndpoint {
  const websocket = attachWebSocket(server, yoga, {
    maxMessageBytes: settings.limits.maxMessageBytes,
    connectionInitTimeoutMs: settings.connectionInitTimeoutMs,
    corsOrigins: settings.corsOrigins,
    authenticate: authenticator ? (params) => authenticator.session(connectionToken(params)) : undefined,
    shareSubscriptions: settings.shareSubscriptions,
    maxQueuedEvents: settings.maxQueuedEvents,
    revision: () => store.revision,
    onSlowConsumer: () => metrics?.slowConsumer('queue'),
    onInternalError: (error) => logUnexpected(logger, error),
  });
  metrics?.reportSockets(() => websocket.stats());
  return websocket;
}

/** Logs an unexpected websocket failure with its stack (the client is told nothing of it). */
function logUnexpected(logger: Logger, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  logger.error({ err: error }, `unexpected websocket error: ${message}`);
}

/** Builds every part over `store` and listens; on a failure to listen, undoes what it built. */
async function serveStore(store: Store, wiring: Wiring): Promise<Running> {
  const { settings } = wiring;
  const metrics = settings.metrics ? createMetrics(store) : null;
  const handlers = graphqlHandlers(store, metrics, wiring);
  const server = httpServer(store, metrics, handlers, wiring);
  const websocket = websocketEndpoint(server, handlers.yoga, store, metrics, wiring);
  try {
    const address = await listen(server, settings.port, settings.host);
    const dispose = () => handlers.yoga.dispose();
    return { store, server, websocket, metrics, dispose, url: endpointUrl(address) };
  } catch (error) {
    await websocket.close();
    await metrics?.close();
    if (settings.ownsStore) await store.close();
    throw error;
  }
}

/** Stops a running app: the server, its sockets and handlers, then the store if the app owns it. */
async function shutdown(app: Running, { settings, logger }: Wiring): Promise<void> {
  const closed = closeServer(app.server, settings.shutdownGraceMs);
  await app.websocket.close();
  await closed;
  await app.dispose();
  await app.metrics?.close();
  if (settings.ownsStore) await app.store.close();
  logger.flush();
}

/** Creates the server; nothing listens until `start()`. */
export function createApp(config: AppConfig): App {
  const settings = resolveAppConfig(config);
  const logger = config.logger ?? createLogger(settings.logLevel);
  const authenticator = config.auth === undefined ? null : new ReloadableAuthenticator(config.auth);
  let running: Running | null = null;
  let stopping: Promise<void> | null = null;
  let reloading: Promise<unknown> = Promise.resolve();
  const wiring: Wiring = { settings, logger, authenticator, stopping: () => stopping !== null };

  return {
    async start() {
      invariant(running === null && stopping === null, 'an app starts once');
      const store = 'store' in config ? config.store : await openStore(config.storeOptions);
      running = await serveStore(store, wiring);
    },
    stop() {
      if (running === null) return stopping ?? Promise.resolve();
      stopping ??= shutdown(running, wiring);
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
    reloadAuth(load) {
      if (authenticator === null) {
        return Promise.reject(new Error('auth is off: an app created without `auth` has nothing to reload'));
      }
      const reauthenticate = async () => (running ? running.websocket.reauthenticate() : 0);
      // One reload at a time, in the order asked: the last one asked is the one in place.
      const reload = reloading.then(() => reloadAuth({ authenticator, logger, reauthenticate }, load));
      reloading = reload.catch(() => {});
      return reload;
    },
  };
}
