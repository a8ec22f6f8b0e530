/**
 * `resource-store serve`: serves GraphQL over HTTP and websocket until SIGINT or SIGTERM, reloading
 * its auth file on SIGHUP. Its options come from flags, else environment variables, else the
 * server's defaults.
 */
import { parseArgs } from 'node:util';
import { type AuthConfig, AuthConfigError, loadAuthFile } from '../server/auth.ts';
import { DEFAULTS } from '../server/defaults.ts';
import { type App, createApp } from '../server/index.ts';
import { DEFAULT_LIMITS, LIMIT_NAMES, type Limits } from '../server/limits.ts';
import { LOG_LEVELS, type LogLevel } from '../server/logging.ts';
import type { RetentionOptions, TypeRegistration } from '../store/index.ts';
import { type Command, printUsage, UsageError, withUsage } from './command.ts';
import { withConfigFile } from './config-file.ts';
import { createDemoStore, demoLine } from './demo.ts';
import { parseArgsMessage } from './errors.ts';
import { limitFlag, limitVariable, SERVE_USAGE } from './serve-usage.ts';
import { booleanValue, DATA_VARIABLE, integerSetting, portNumber, switchSetting } from './settings.ts';
import { loadTypesFile, retentionSetting } from './store-settings.ts';

/** The validated configuration of `serve`. */
export interface ServeConfig {
  readonly store: ({ readonly path: string } | { readonly inMemory: true }) & StoreSettings;
  readonly port: number;
  readonly host: string;
  readonly limits: Limits;
  readonly introspection: boolean;
  readonly graphiql: boolean;
  readonly corsOrigins: readonly string[];
  readonly connectionInitTimeoutMs: number;
  readonly logLevel: LogLevel;
  readonly metrics: boolean;
  /** Create the store directory with a demo cluster when it does not exist yet (`--demo`). */
  readonly demo: boolean;
  /** Set when `--auth-file` is given: authentication and authorization on. */
  readonly auth?: AuthConfig;
  /** The auth file, read again on SIGHUP. */
  readonly authFile?: string;
  /** With auth on, serve `/metrics` without a token (`--metrics-public`). */
  readonly metricsPublic: boolean;
  /** Set when `--rate-limit-cost` is given: the cost budget of each principal, a minute. */
  readonly rateLimitCost?: number;
}

/** What `serve` passes to the store besides where it is: `--types` and the retention flags. */
export interface StoreSettings {
  readonly types?: TypeRegistration;
  readonly retention?: RetentionOptions;
}

/** `serve`'s options, for `parseArgs`. */
const SERVE_OPTIONS = {
  data: { type: 'string' },
  'in-memory': { type: 'boolean' },
  demo: { type: 'boolean' },
  'no-demo': { type: 'boolean' },
  port: { type: 'string' },
  host: { type: 'string' },
  'no-introspection': { type: 'boolean' },
  'no-graphiql': { type: 'boolean' },
  'cors-origin': { type: 'string', multiple: true },
  'init-timeout-ms': { type: 'string' },
  'log-level': { type: 'string' },
  'no-metrics': { type: 'boolean' },
  'metrics-public': { type: 'boolean' },
  'auth-file': { type: 'string' },
  'rate-limit-cost': { type: 'string' },
  types: { type: 'string' },
  'retention-revisions': { type: 'string' },
  'retention-age': { type: 'string' },
  config: { type: 'string' },
  ...Object.fromEntries(LIMIT_NAMES.map((name) => [limitFlag(name), { type: 'string' as const }])),
  help: { type: 'boolean', short: 'h' },
} as const;

/** The parsed flags of `serve`. */
type ServeFlags = { [flag: string]: string | boolean | string[] | undefined } & {
  data?: string;
  'in-memory'?: boolean;
  demo?: boolean;
  'no-demo'?: boolean;
  port?: string;
  host?: string;
  'no-introspection'?: boolean;
  'no-graphiql'?: boolean;
  'cors-origin'?: string[];
  'init-timeout-ms'?: string;
  'log-level'?: string;
  'no-metrics'?: boolean;
  'metrics-public'?: boolean;
  'auth-file'?: string;
  'rate-limit-cost'?: string;
  types?: string;
  'retention-revisions'?: string;
  'retention-age'?: string;
  help?: boolean;
};

/** Reads and checks `serve`'s options: flags win over environment variables. Throws {@link UsageError}. */
export function parseServeConfig(argv: readonly string[], env: NodeJS.ProcessEnv): ServeConfig | 'help' {
  const flags = parseServeFlags(withConfigFile(argv, SERVE_OPTIONS));
  if (flags.help) return 'help';
  const store = { ...storeSetting(flags, env), ...storeExtras(flags, env) };
  return {
    store,
    demo: demoSetting(flags, store),
    port: portSetting(flags.port, env),
    host: hostSetting(flags.host, env),
    limits: limitSettings(flags, env),
    introspection: switchSetting(
      flags['no-introspection'],
      'RESOURCE_STORE_INTROSPECTION',
      env,
      DEFAULTS.introspection,
    ),
    graphiql: switchSetting(flags['no-graphiql'], 'RESOURCE_STORE_GRAPHIQL', env, DEFAULTS.graphiql),
    corsOrigins: corsOrigins(flags['cors-origin'], env),
    connectionInitTimeoutMs: integerSetting(
      flags['init-timeout-ms'],
      ['init-timeout-ms', 'RESOURCE_STORE_INIT_TIMEOUT_MS'],
      env,
      DEFAULTS.connectionInitTimeoutMs,
    ),
    logLevel: logLevel(flags['log-level'], env),
    metrics: switchSetting(flags['no-metrics'], 'RESOURCE_STORE_METRICS', env, DEFAULTS.metrics),
    metricsPublic: metricsPublic(flags['metrics-public'], env),
    ...authSetting(flags['auth-file'] ?? env.RESOURCE_STORE_AUTH_FILE),
    ...rateLimitSetting(flags['rate-limit-cost'], env),
  };
}

/** `--rate-limit-cost N/minute` (or `N`), else its variable: the cost budget a minute, when given. */
function rateLimitSetting(flagValue: string | undefined, env: NodeJS.ProcessEnv): { rateLimitCost?: number } {
  const [source, value] =
    flagValue !== undefined
      ? ['--rate-limit-cost', flagValue]
      : ['RESOURCE_STORE_RATE_LIMIT_COST', env.RESOURCE_STORE_RATE_LIMIT_COST];
  if (value === undefined) return {};
  const match = /^\s*([0-9]+)\s*(?:\/\s*(?:minute|min|m)\s*)?$/i.exec(value);
  const perMinute = Number(match?.[1]);
  if (!match || !Number.isSafeInteger(perMinute) || perMinute < 1) {
    throw new UsageError(
      `${source} must be a cost a minute, as N/minute (N a positive integer), given "${value}"`,
    );
  }
  return { rateLimitCost: perMinute };
}

function parseServeFlags(argv: readonly string[]): ServeFlags {
  try {
    return parseArgs({ args: [...argv], options: SERVE_OPTIONS }).values;
  } catch (error) {
    const message = parseArgsMessage(error, Object.keys(SERVE_OPTIONS));
    throw message === null ? error : new UsageError(message);
  }
}

/** `--data` or `--in-memory` (they exclude each other), else their variables, else the default directory. */
function storeSetting(flags: ServeFlags, env: NodeJS.ProcessEnv): ServeConfig['store'] {
  const data = flags.data ?? (flags['in-memory'] ? undefined : env[DATA_VARIABLE]);
  const inMemory =
    flags['in-memory'] ??
    (flags.data === undefined && env.RESOURCE_STORE_IN_MEMORY !== undefined
      ? booleanValue('RESOURCE_STORE_IN_MEMORY', env.RESOURCE_STORE_IN_MEMORY)
      : false);
  if (inMemory && data !== undefined) throw new UsageError('--data and --in-memory exclude each other');
  if (data === '') throw new UsageError('--data needs a directory');
  return inMemory ? { inMemory: true } : { path: data ?? DEFAULTS.dataDirectory };
}

/** `--types` (else RESOURCE_STORE_TYPES) and the retention of the change log, when given. */
function storeExtras(flags: ServeFlags, env: NodeJS.ProcessEnv): StoreSettings {
  const typesFile = flags.types ?? env.RESOURCE_STORE_TYPES;
  const retention = retentionSetting(flags, env);
  return {
    ...(typesFile === undefined ? {} : { types: loadTypesFile(typesFile) }),
    ...(retention === undefined ? {} : { retention }),
  };
}

/** `--demo`, unless `--no-demo` is given too (`npm start -- --no-demo`); only for a store directory. */
function demoSetting(flags: ServeFlags, store: ServeConfig['store']): boolean {
  if (!flags.demo || flags['no-demo']) return false;
  if (!('path' in store)) throw new UsageError('--demo needs a store directory (--data), not --in-memory');
  return true;
}

function portSetting(flagValue: string | undefined, env: NodeJS.ProcessEnv): number {
  if (flagValue !== undefined) return portNumber('--port', flagValue);
  const value = env.RESOURCE_STORE_PORT;
  return value === undefined ? DEFAULTS.port : portNumber('RESOURCE_STORE_PORT', value);
}

function hostSetting(flagValue: string | undefined, env: NodeJS.ProcessEnv): string {
  const host = flagValue ?? env.RESOURCE_STORE_HOST ?? DEFAULTS.host;
  if (host === '') throw new UsageError('--host must not be empty');
  return host;
}

/** Each limit from its flag, else its variable, else its default. */
function limitSettings(flags: ServeFlags, env: NodeJS.ProcessEnv): Limits {
  const limits = { ...DEFAULT_LIMITS };
  for (const name of LIMIT_NAMES) {
    const given = flags[limitFlag(name)];
    const names = [limitFlag(name), limitVariable(name)] as const;
    limits[name] = integerSetting(
      typeof given === 'string' ? given : undefined,
      names,
      env,
      DEFAULT_LIMITS[name],
    );
  }
  return limits;
}

function logLevel(flagValue: string | undefined, env: NodeJS.ProcessEnv): LogLevel {
  const [source, value] =
    flagValue !== undefined
      ? ['--log-level', flagValue]
      : ['RESOURCE_STORE_LOG_LEVEL', env.RESOURCE_STORE_LOG_LEVEL];
  if (value === undefined) return DEFAULTS.logLevel;
  const level = LOG_LEVELS.find((known) => known === value);
  if (level === undefined) {
    throw new UsageError(`${source} must be one of ${LOG_LEVELS.join(', ')}, given "${value}"`);
  }
  return level;
}

function corsOrigins(flags: string[] | undefined, env: NodeJS.ProcessEnv): string[] {
  const origins = flags ?? (env.RESOURCE_STORE_CORS_ORIGINS ?? '').split(',').map((origin) => origin.trim());
  const kept = origins.filter((origin) => origin !== '');
  for (const origin of kept) {
    if (origin !== '*' && (!URL.canParse(origin) || new URL(origin).origin !== origin)) {
      throw new UsageError(`a CORS origin is scheme://host[:port] or *, given "${origin}"`);
    }
  }
  return kept;
}

/** `--metrics-public`, else `RESOURCE_STORE_METRICS_PUBLIC`, else off. */
function metricsPublic(flag: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  if (flag) return true;
  const value = env.RESOURCE_STORE_METRICS_PUBLIC;
  return value === undefined ? DEFAULTS.metricsPublic : booleanValue('RESOURCE_STORE_METRICS_PUBLIC', value);
}

/** The checked auth file, when one is named. */
function authSetting(file: string | undefined): { auth?: AuthConfig; authFile?: string } {
  if (file === undefined) return {};
  if (file === '') throw new UsageError('--auth-file needs a file');
  try {
    return { auth: loadAuthFile(file), authFile: file };
  } catch (error) {
    if (error instanceof AuthConfigError) throw new UsageError(error.message);
    throw error;
  }
}

/** Resolves on the first SIGINT or SIGTERM; a second one exits at once. */
function shutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      process.once('SIGINT', () => process.exit(130)).once('SIGTERM', () => process.exit(143));
      resolve(signal);
    };
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  });
}

/**
 * Reloads the auth file on every SIGHUP (instead of Node's default, ending the process): a valid
 * file replaces the configuration, a bad one is logged by the app and changes nothing. Without an
 * auth file there is nothing to reload, and the signal is only noted. Returns the uninstaller.
 */
function reloadOnHangup(app: App, authFile: string | undefined): () => void {
  const onHangup = () => {
    if (authFile === undefined) {
      process.stderr.write('resource-store serve: SIGHUP: no --auth-file to reload\n');
      return;
    }
    // The app logs the outcome, a failure included, and keeps serving either way.
    app.reloadAuth(() => loadAuthFile(authFile)).catch(() => {});
  };
  process.on('SIGHUP', onHangup);
  return () => process.off('SIGHUP', onHangup);
}

/** Creates the demo store when there is none yet, and says so. */
async function seedDemo(path: string, settings: StoreSettings): Promise<void> {
  const summary = await createDemoStore(path, { types: settings.types });
  if (summary !== null) process.stdout.write(demoLine(path, summary));
}

/** Serves until the first SIGINT or SIGTERM, reloading the auth file on SIGHUP, then stops; resolves to the exit code. */
async function serve(config: ServeConfig): Promise<number> {
  const { store, demo, authFile, ...options } = config;
  const app = createApp({ storeOptions: store, ...options });
  const signal = shutdownSignal();
  const stopReloading = reloadOnHangup(app, authFile);
  try {
    if (demo && 'path' in store) await seedDemo(store.path, store);
    await app.start();
  } catch (error) {
    process.stderr.write(`resource-store serve: cannot start: ${(error as Error).message}\n`);
    stopReloading();
    return 1;
  }
  const where = 'path' in store ? `store ${store.path}` : 'in-memory store';
  process.stdout.write(`resource-store serving ${app.url} (${where}); open it in a browser for GraphiQL\n`);
  process.stdout.write(`shutting down on ${await signal}\n`);
  stopReloading();
  await app.stop();
  process.stdout.write('stopped\n');
  return 0;
}

/** `serve`. */
export const serveCommand: Command = {
  name: 'serve',
  summary: 'Serve the GraphQL API (HTTP, websocket subscriptions, GraphiQL)',
  usage: SERVE_USAGE,
  options: SERVE_OPTIONS,
  run(argv) {
    return withUsage(serveCommand, async () => {
      const config = parseServeConfig(argv, process.env);
      if (config === 'help') return printUsage(SERVE_USAGE);
      return serve(config);
    });
  },
};
