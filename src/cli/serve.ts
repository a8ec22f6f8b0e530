/**
 * `resource-store serve`: serves GraphQL over HTTP and websocket until SIGINT or SIGTERM.
 */
import { parseArgs } from 'node:util';
import { createApp } from '../server/index.ts';
import { type Command, UsageError } from './command.ts';

const USAGE = `usage: resource-store serve [--data DIR | --in-memory] [--port PORT] [--host HOST]

  --data DIR     store directory, created if missing (env RESOURCE_STORE_DATA; default ./data)
  --in-memory    a temporary store, removed on exit (env RESOURCE_STORE_IN_MEMORY=true)
  --port PORT    TCP port, 0 for any free one (env RESOURCE_STORE_PORT; default 4000)
  --host HOST    interface to listen on (env RESOURCE_STORE_HOST; default 127.0.0.1)
  -h, --help     show this help

GraphQL (HTTP and websocket) and GraphiQL are served at http://HOST:PORT/graphql.
`;

/** The validated configuration of `serve`. */
export interface ServeConfig {
  readonly store: { readonly path: string } | { readonly inMemory: true };
  readonly port: number;
  readonly host: string;
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

/** Reads and checks `serve`'s options: flags win over environment variables. Throws {@link UsageError}. */
export function parseServeConfig(argv: readonly string[], env: NodeJS.ProcessEnv): ServeConfig | 'help' {
  let values: { data?: string; 'in-memory'?: boolean; port?: string; host?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        data: { type: 'string' },
        'in-memory': { type: 'boolean' },
        port: { type: 'string' },
        host: { type: 'string' },
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
  };
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
  const app = createApp({ storeOptions: config.store, port: config.port, host: config.host });
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
