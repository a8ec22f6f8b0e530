/**
 * The usage text of `resource-store serve`, and the flag and variable names of the limits (generated
 * from their names, so every limit is an option).
 */
import { DEFAULTS } from '../server/defaults.ts';
import { DEFAULT_LIMITS, LIMIT_NAMES, type Limits } from '../server/limits.ts';
import { LOG_LEVELS } from '../server/logging.ts';
import { DATA_VARIABLE } from './settings.ts';

/** What each limit bounds, for the usage text. */
const LIMIT_HELP: Record<keyof Limits, string> = {
  maxDepth: 'deepest nesting of fields in an operation',
  maxAliases: 'aliases in an operation',
  maxDirectives: 'directives in an operation',
  maxTokens: 'tokens in a query document',
  maxCost: 'estimated objects an answer may hold (connections count their page size)',
  maxDocumentLength: 'characters in a query document',
  maxBodyBytes: 'bytes in an HTTP request body (413 above)',
  maxMessageBytes: 'bytes in a websocket message (closed with 1009 above)',
  maxExecutionMs: 'milliseconds a query may run (stopped with EXECUTION_TIMEOUT after)',
};

/** `maxDepth` -> `max-depth`, the flag. */
export function limitFlag(name: keyof Limits): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/** `maxDepth` -> `RESOURCE_STORE_MAX_DEPTH`, the variable. */
export function limitVariable(name: keyof Limits): string {
  return `RESOURCE_STORE_${limitFlag(name).replaceAll('-', '_').toUpperCase()}`;
}

const LIMIT_USAGE = LIMIT_NAMES.map(
  (name) =>
    `  --${`${limitFlag(name)} N`.padEnd(25)}${LIMIT_HELP[name]}\n${' '.repeat(29)}(env ${limitVariable(name)}; default ${DEFAULT_LIMITS[name]})`,
).join('\n');

/** `serve --help`. */
export const SERVE_USAGE = `usage: resource-store serve [--data DIR | --in-memory] [--port PORT] [--host HOST] [options]

  --data DIR                 store directory, created if missing
                             (env ${DATA_VARIABLE}; default ${DEFAULTS.dataDirectory})
  --in-memory                a temporary store, removed on exit (env RESOURCE_STORE_IN_MEMORY=true)
  --demo                     when the store directory does not exist yet, create it holding a
                             demo cluster (npm start does); an existing store is never touched
  --no-demo                  cancel --demo: start with an empty store
  --port PORT                TCP port, 0 for any free one (env RESOURCE_STORE_PORT; default ${DEFAULTS.port})
  --host HOST                interface to listen on (env RESOURCE_STORE_HOST; default ${DEFAULTS.host})
  --no-introspection         refuse __schema and __type queries (env RESOURCE_STORE_INTROSPECTION=false)
  --no-graphiql              serve no GraphiQL page (env RESOURCE_STORE_GRAPHIQL=false)
  --cors-origin ORIGIN       let browser pages of ORIGIN call the server, repeatable, * for any
                             (env RESOURCE_STORE_CORS_ORIGINS, comma-separated; default none)
  --init-timeout-ms N        how long a websocket may wait before connection_init
                             (env RESOURCE_STORE_INIT_TIMEOUT_MS; default ${DEFAULTS.connectionInitTimeoutMs})
  --auth-file FILE           require bearer tokens: principals, their tokens or a JWT key, and
                             their rules, in YAML or JSON (see the README); read again on SIGHUP
                             (env RESOURCE_STORE_AUTH_FILE; default: no auth, everything allowed)
  --metrics-public           with --auth-file, serve /metrics without a token (else a scrape needs
                             a principal with a rule on it) (env RESOURCE_STORE_METRICS_PUBLIC=true)
  --rate-limit-cost N/minute
                             a budget of estimated query cost (as --max-cost counts it) for each
                             principal, or each client address without --auth-file: a token bucket
                             of N refilled at N a minute; over it, RATE_LIMITED (HTTP 429)
                             (env RESOURCE_STORE_RATE_LIMIT_COST; default: off)
  --types FILE               JSON Schemas for the data of resource kinds and predicate types, YAML
                             or JSON: { resources: [{ group, version, kind, schema }],
                             predicates: [{ type, schema }] }, checked at start (env RESOURCE_STORE_TYPES)
  --retention-revisions N    keep at least the N newest revisions in the change log, for resuming
                             subscriptions (env RESOURCE_STORE_RETENTION_REVISIONS; default 100000)
  --retention-age DURATION   and every revision younger than this: 90s, 30m, 2h, 7d
                             (env RESOURCE_STORE_RETENTION_AGE; default 1h)
  --config FILE              any of these flags in a YAML file, named without dashes
                             (port: 4000, no-introspection: true); a flag given here wins over it
  --log-level LEVEL          ${LOG_LEVELS.join(', ')}: JSON log lines on stdout
                             (env RESOURCE_STORE_LOG_LEVEL; default ${DEFAULTS.logLevel})
  --no-metrics               serve no Prometheus metrics at /metrics (env RESOURCE_STORE_METRICS=false)
${LIMIT_USAGE}
  -h, --help                 show this help

GraphQL (HTTP and websocket) and GraphiQL are served at http://HOST:PORT/graphql. Turn introspection
and GraphiQL off in production. SIGINT and SIGTERM stop the server; SIGHUP reloads the auth file (a
bad one is logged and the one in place stays).
`;
