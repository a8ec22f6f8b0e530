/**
 * The defaults `createApp` and the command line share: what the server does when an option is left
 * out, and where the commands find the store. Limits have theirs in `limits.ts` (`DEFAULT_LIMITS`).
 */
import type { LogLevel } from './logging.ts';

/** The defaults of the server's options, and of the commands' store directory. */
export interface Defaults {
  /** The store directory of `serve`, `import` and `export` (`--data`). */
  readonly dataDirectory: string;
  /** TCP port to listen on. */
  readonly port: number;
  /** Interface to listen on. */
  readonly host: string;
  /** Serve GraphiQL to browsers. */
  readonly graphiql: boolean;
  /** Answer introspection queries. */
  readonly introspection: boolean;
  /** Require the CSRF header on requests a browser sends without a preflight. */
  readonly csrfPrevention: boolean;
  /** Origins besides the server's own whose pages may call it. */
  readonly corsOrigins: readonly string[];
  /** How long a websocket may take to send `connection_init`. */
  readonly connectionInitTimeoutMs: number;
  /** Let subscribers of the same live subscription share one execution per event. */
  readonly shareSubscriptions: boolean;
  /**
   * Events a subscriber of a shared subscription may have waiting before it is ended with
   * SLOW_CONSUMER: the store's own default (`StoreOptions.maxQueuedEvents`).
   */
  readonly maxQueuedEvents: number;
  /** Least level logged. */
  readonly logLevel: LogLevel;
  /** Serve Prometheus metrics at `/metrics`. */
  readonly metrics: boolean;
  /** With auth on, serve `/metrics` without a token (else it needs a principal allowed to get it). */
  readonly metricsPublic: boolean;
  /** How long `stop()` lets in-flight HTTP requests finish. */
  readonly shutdownGraceMs: number;
  /** Serve JSON POSTs on the lean path. */
  readonly leanHttp: boolean;
}

/** Every default; see {@link Defaults} for what each is. */
export const DEFAULTS: Defaults = Object.freeze({
  dataDirectory: './data',
  port: 4000,
  host: '127.0.0.1',
  graphiql: true,
  introspection: true,
  csrfPrevention: true,
  corsOrigins: Object.freeze([]),
  connectionInitTimeoutMs: 3000,
  shareSubscriptions: true,
  maxQueuedEvents: 10_000,
  logLevel: 'info',
  metrics: true,
  metricsPublic: false,
  shutdownGraceMs: 10_000,
  leanHttp: true,
});
