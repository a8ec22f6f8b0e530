/**
 * The configuration of `createApp`: its options, and {@link resolveAppConfig}, which checks them and
 * fills in the defaults (`defaults.ts`, `DEFAULT_LIMITS`) once, before anything is created.
 */
import { stringifyResult } from '../schema/index.ts';
import type { Store, StoreOptions } from '../store/index.ts';
import type { AuthConfig } from './auth.ts';
import { DEFAULTS, type Defaults } from './defaults.ts';
import type { Stringify } from './http-graphql.ts';
import { type Limits, resolveLimits } from './limits.ts';
import { LOG_LEVELS, type Logger, type LogLevel } from './logging.ts';

/** Where the store comes from: one the caller owns, or options to open one the app owns. */
export type StoreSource = { readonly store: Store } | { readonly storeOptions: StoreOptions };

/** Configuration of {@link createApp}. */
export type AppConfig = StoreSource & {
  /** TCP port; 0 picks a free one (default `DEFAULTS.port`, 4000). */
  readonly port?: number;
  /** Interface to listen on (default `DEFAULTS.host`, 127.0.0.1). */
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
  /**
   * A budget of estimated query cost per principal (the authenticated one, else the client address):
   * a token bucket of this many objects a minute; an operation over it fails with RATE_LIMITED
   * (HTTP 429). Default: off.
   */
  readonly rateLimitCost?: number;
  /** Log requests and unexpected errors (default true); false silences every log line. */
  readonly logging?: boolean;
  /** Least level logged, as JSON lines on stdout (default `info`). */
  readonly logLevel?: LogLevel;
  /** A pino logger to log to instead (`logging` and `logLevel` are then ignored). */
  readonly logger?: Logger;
  /** Serve Prometheus metrics at `/metrics` (default true). */
  readonly metrics?: boolean;
  /**
   * With `auth`, serve `/metrics` to anyone (default false: a scrape needs a bearer token whose
   * principal has a rule `{ verbs: [get], nonResourceURLs: [/metrics] }`).
   */
  readonly metricsPublic?: boolean;
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

/**
 * The options of an {@link AppConfig} that have defaults, checked and with every default filled in;
 * `logLevel` is `silent` when `logging` is false.
 */
export type ResolvedAppConfig = Omit<Defaults, 'dataDirectory'> & {
  /** Whether the app opens (and closes) the store itself. */
  readonly ownsStore: boolean;
  /** The cost budget per principal a minute, null when off. */
  readonly rateLimitCost: number | null;
  readonly limits: Limits;
  readonly stringify: Stringify;
};

/**
 * Checks `config` and fills in its defaults. Throws a RangeError naming the first option that is out
 * of range: a limit, `connectionInitTimeoutMs`, `maxQueuedEvents`, `logLevel` or `rateLimitCost`.
 */
export function resolveAppConfig(config: AppConfig): ResolvedAppConfig {
  const ownsStore = 'storeOptions' in config;
  const limits = resolveLimits(config.limits);
  const connectionInitTimeoutMs = positiveInteger(
    'connectionInitTimeoutMs',
    config.connectionInitTimeoutMs ?? DEFAULTS.connectionInitTimeoutMs,
  );
  const storeQueue = ownsStore ? config.storeOptions.maxQueuedEvents : undefined;
  const maxQueuedEvents = positiveInteger(
    'maxQueuedEvents',
    config.maxQueuedEvents ?? storeQueue ?? DEFAULTS.maxQueuedEvents,
  );
  const logLevel = knownLogLevel(config.logLevel ?? DEFAULTS.logLevel);
  return {
    ownsStore,
    port: config.port ?? DEFAULTS.port,
    host: config.host ?? DEFAULTS.host,
    graphiql: config.graphiql ?? DEFAULTS.graphiql,
    introspection: config.introspection ?? DEFAULTS.introspection,
    limits,
    csrfPrevention: config.csrfPrevention ?? DEFAULTS.csrfPrevention,
    corsOrigins: config.corsOrigins ?? DEFAULTS.corsOrigins,
    connectionInitTimeoutMs,
    shareSubscriptions: config.shareSubscriptions ?? DEFAULTS.shareSubscriptions,
    maxQueuedEvents,
    logLevel: config.logging === false ? 'silent' : logLevel,
    metrics: config.metrics ?? DEFAULTS.metrics,
    metricsPublic: config.metricsPublic ?? DEFAULTS.metricsPublic,
    shutdownGraceMs: config.shutdownGraceMs ?? DEFAULTS.shutdownGraceMs,
    leanHttp: config.leanHttp ?? DEFAULTS.leanHttp,
    stringify: config.stringify ?? stringifyResult,
    rateLimitCost:
      config.rateLimitCost === undefined ? null : positiveNumber('rateLimitCost', config.rateLimitCost),
  };
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, given ${value}`);
  }
  return value;
}

function positiveNumber(name: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0))
    throw new RangeError(`${name} must be a positive number, given ${value}`);
  return value;
}

function knownLogLevel(level: LogLevel): LogLevel {
  if (!LOG_LEVELS.includes(level)) {
    throw new RangeError(`logLevel must be one of ${LOG_LEVELS.join(', ')}, given ${level}`);
  }
  return level;
}
