/**
 * `resource-store serve`: serves GraphQL over HTTP and websocket until SIGINT or SIGTERM.
 */
import { parseArgs } from 'node:util';
import { type AuthConfig, AuthConfigError, loadAuthFile } from '../server/auth.ts';
import { createApp } from '../server/index.ts';
import { DEFAULT_LIMITS, LIMIT_NAMES, type Limits } from '../server/limits.ts';
import { LOG_LEVELS, type LogLevel } from '../server/logging.ts';
import { type Command, UsageError } from './command.ts';

/** What each limit bounds, for the usage text. */
const LIMIT_HELP: Record<keyof Limits, string> = {
  maxDepth: 'deepest nesting of fields in an operation',
  maxAliases: 'aliases in an operation',
  maxDirectives: 'directives in an operation',
  maxTokens: 'tokens in a query document',
  maxCost: 'cost of an operation (graphql-armor)',
  maxDocumentLength: 'characters in a query document',
  maxBodyBytes: 'bytes in an HTTP request body (413 above)',
  maxMessageBytes: 'bytes in a websocket message (closed with 1009 above)',
};

/** `maxDepth` -> `max-depth` (the flag) and `RESOURCE_STORE_MAX_DEPTH` (the variable). */
function limitFlag(name: keyof Limits): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}
function limitVariable(name: keyof Limits): string {
  return `RESOURCE_STORE_${limitFlag(name).replaceAll('-', '_').toUpperCase()}`;
}

const LIMIT_USAGE = LIMIT_NAMES.map(
  (name) =>
    `  --${`${limitFlag(name)} N`.padEnd(25)}${LIMIT_HELP[name]}\n${' '.repeat(29)}(env ${limitVariable(name)}; default ${DEFAULT_LIMITS[name]})`,
).join('\n');

const USAGE = `usage: resource-store serve [--data DIR | --in-memory] [--port PORT] [--host HOST] [options]

  --data DIR                 store directory, created if missing
                             (env RESOURCE_STORE_DATA; default ./data)
  --in-memory                a temporary store, removed on exit (env RESOURCE_STORE_IN_MEMORY=true)
  --port PORT                TCP port, 0 for any free one (env RESOURCE_STORE_PORT; default 4000)
  --host HOST                interface to listen on (env RESOURCE_STORE_HOST; default 127.0.0.1)
  --no-introspection         refuse __schema and __type queries (env RESOURCE_STORE_INTROSPECTION=false)
  --no-graphiql              serve no GraphiQL page (env RESOURCE_STORE_GRAPHIQL=false)
  --cors-origin ORIGIN       let browser pages of ORIGIN call the server, repeatable, * for any
                             (env RESOURCE_STORE_CORS_ORIGINS, comma-separated; default none)
  --init-timeout-ms N        how long a websocket may wait before connection_init
                             (env RESOURCE_STORE_INIT_TIMEOUT_MS; default 3000)
  --auth-file FILE           require bearer tokens: principals, their tokens or a JWT key, and
                             their rules, in YAML or JSON (see the README)
                             (env RESOURCE_STORE_AUTH_FILE; default: no auth, everything allowed)
  --log-level LEVEL          ${LOG_LEVELS.join(', ')}: JSON log lines on stdout
                             (env RESOURCE_STORE_LOG_LEVEL; default info)
  --no-metrics               serve no Prometheus metrics at /metrics (env RESOURCE_STORE_METRICS=false)
${LIMIT_USAGE}
  -h, --help                 show this help

GraphQL (HTTP and websocket) and GraphiQL are served at http://HOST:PORT/graphql. Turn introspection
and GraphiQL off in production.
`;

/** The validated configuration of `serve`. */
export interface ServeConfig {
  readonly store: { readonly path: string } | { readonly inMemory: true };
  readonly port: number;
  readonly host: string;
  readonly limits: Limits;
  readonly introspection: boolean;
  readonly graphiql: boolean;
  readonly corsOrigins: readonly string[];
  readonly connectionInitTimeoutMs: number;
  readonly logLevel: LogLevel;
  readonly metrics: boolean;
  /** Set when `--auth-file` is given: authentication and authorization on. */
  readonly auth?: AuthConfig;
}

function flag(name: string, value: string): boolean {
  if (/^(1|true|yes)$/i.test(value)) return true;
  if (/^(0|false|no|)$/i.test(value)) return false;
  throw new UsageError(`${name} must be true or false, given "${value}"`);
}

function port(source: string, value: string): number {
  const parsed = Number(value);
  if (!/^[0-9]+$/.test(value) || parsed > 65_535) {
    throw new UsageError(`${source} must be a port number from 0 to 65535, given "${value}"`);
  }
  return parsed;
}

function positiveInteger(source: string, value: string): number {
  const parsed = Number(value);
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < 1) {
    throw new UsageError(`${source} must be a positive integer, given "${value}"`);
  }
  return parsed;
}

/** A positive integer from `--flag`, else from the variable, else the default. */
function integerSetting(
  flagValue: string | undefined,
  [flagName, variable]: [string, string],
  env: NodeJS.ProcessEnv,
  fallback: number,
): number {
  if (flagValue !== undefined) return positiveInteger(`--${flagName}`, flagValue);
  const value = env[variable];
  return value === undefined ? fallback : positiveInteger(variable, value);
}

/** Off when `--no-NAME` is given, else as the variable says, else on. */
function switchSetting(off: boolean | undefined, variable: string, env: NodeJS.ProcessEnv): boolean {
  if (off) return false;
  const value = env[variable];
  return value === undefined ? true : flag(variable, value);
}

/** Each limit from its flag, else its variable, else its default. */
function limitSettings(values: Record<string, unknown>, env: NodeJS.ProcessEnv): Limits {
  const limits = { ...DEFAULT_LIMITS };
  for (const name of LIMIT_NAMES) {
    const given = values[limitFlag(name)];
    const names: [string, string] = [limitFlag(name), limitVariable(name)];
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
  if (value === undefined) return 'info';
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

/** Reads and checks `serve`'s options: flags win over environment variables. Throws {@link UsageError}. */
export function parseServeConfig(argv: readonly string[], env: NodeJS.ProcessEnv): ServeConfig | 'help' {
  let values: { [flag: string]: string | boolean | string[] | undefined } & {
    data?: string;
    'in-memory'?: boolean;
    port?: string;
    host?: string;
    'no-introspection'?: boolean;
    'no-graphiql'?: boolean;
    'cors-origin'?: string[];
    'init-timeout-ms'?: string;
    'log-level'?: string;
    'no-metrics'?: boolean;
    'auth-file'?: string;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        data: { type: 'string' },
        'in-memory': { type: 'boolean' },
        port: { type: 'string' },
        host: { type: 'string' },
        'no-introspection': { type: 'boolean' },
        'no-graphiql': { type: 'boolean' },
        'cors-origin': { type: 'string', multiple: true },
        'init-timeout-ms': { type: 'string' },
        'log-level': { type: 'string' },
        'no-metrics': { type: 'boolean' },
        'auth-file': { type: 'string' },
        ...Object.fromEntries(LIMIT_NAMES.map((name) => [limitFlag(name), { type: 'string' as const }])),
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  const data = values.data ?? (values['in-memory'] ? undefined : env.RESOURCE_STORE_DATA);
  const inMemory =
    values['in-memory'] ??
    (values.data === undefined && env.RESOURCE_STORE_IN_MEMORY !== undefined
      ? flag('RESOURCE_STORE_IN_MEMORY', env.RESOURCE_STORE_IN_MEMORY)
      : false);
  if (inMemory && data !== undefined) throw new UsageError('--data and --in-memory exclude each other');
  if (data === '') throw new UsageError('--data needs a directory');
  const host = values.host ?? env.RESOURCE_STORE_HOST ?? '127.0.0.1';
  if (host === '') throw new UsageError('--host must not be empty');
  return {
    store: inMemory ? { inMemory: true } : { path: data ?? './data' },
    port:
      values.port !== undefined
        ? port('--port', values.port)
        : env.RESOURCE_STORE_PORT !== undefined
          ? port('RESOURCE_STORE_PORT', env.RESOURCE_STORE_PORT)
          : 4000,
    host,
    limits: limitSettings(values, env),
    introspection: switchSetting(values['no-introspection'], 'RESOURCE_STORE_INTROSPECTION', env),
    graphiql: switchSetting(values['no-graphiql'], 'RESOURCE_STORE_GRAPHIQL', env),
    corsOrigins: corsOrigins(values['cors-origin'], env),
    connectionInitTimeoutMs: integerSetting(
      values['init-timeout-ms'],
      ['init-timeout-ms', 'RESOURCE_STORE_INIT_TIMEOUT_MS'],
      env,
      3000,
    ),
    logLevel: logLevel(values['log-level'], env),
    metrics: switchSetting(values['no-metrics'], 'RESOURCE_STORE_METRICS', env),
    ...authSetting(values['auth-file'] ?? env.RESOURCE_STORE_AUTH_FILE),
  };
}

/** The checked auth file, when one is named. */
function authSetting(file: string | undefined): { auth?: AuthConfig } {
  if (file === undefined) return {};
  if (file === '') throw new UsageError('--auth-file needs a file');
  try {
    return { auth: loadAuthFile(file) };
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

async function serve(config: ServeConfig): Promise<number> {
  const { store, port, host, limits, introspection, graphiql, corsOrigins, connectionInitTimeoutMs } = config;
  const app = createApp({
    storeOptions: store,
    port,
    host,
    limits,
    introspection,
    graphiql,
    corsOrigins,
    connectionInitTimeoutMs,
    auth: config.auth,
    logLevel: config.logLevel,
    metrics: config.metrics,
  });
  const signal = shutdownSignal();
  try {
    await app.start();
  } catch (error) {
    process.stderr.write(`resource-store serve: cannot start: ${(error as Error).message}\n`);
    return 1;
  }
  const where = 'path' in config.store ? `store ${config.store.path}` : 'in-memory store';
  process.stdout.write(`resource-store serving ${app.url} (${where}); open it in a browser for GraphiQL\n`);
  process.stdout.write(`shutting down on ${await signal}\n`);
  await app.stop();
  process.stdout.write('stopped\n');
  return 0;
}

/** `serve`. */
export const serveCommand: Command = {
  name: 'serve',
  summary: 'Serve the GraphQL API (HTTP, websocket subscriptions, GraphiQL)',
  async run(argv) {
    let config: ServeConfig | 'help';
    try {
      config = parseServeConfig(argv, process.env);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      process.stderr.write(`resource-store serve: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (config === 'help') {
      process.stdout.write(USAGE);
      return 0;
    }
    return serve(config);
  },
};
