import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/cli/command.ts';
import { parseServeConfig } from '../../src/cli/serve.ts';
import { DEFAULT_LIMITS } from '../../src/server/limits.ts';
import { BIN, serve } from './serve-helpers.ts';

async function post(url: string, query: string): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return response.json();
}

const ADD =
  'mutation { addResource(input: { ref: { version: "v1", kind: "Pod", name: "kept" } }) { version } }';
const GET = '{ resource(ref: { version: "v1", kind: "Pod", name: "kept" }) { version } }';

describe('resource-store serve', () => {
  it('should serve until SIGTERM, then exit 0 with the data kept on disk', async () => {
    const data = await mkdtemp(join(tmpdir(), 'resource-store-cli-'));
    try {
      const first = await serve(['--data', data, '--port', '0']);
      const cost = { cost: { requested: 1, limit: DEFAULT_LIMITS.maxCost } };
      assert.deepEqual(await post(first.url, ADD), {
        data: { addResource: { version: 1 } },
        extensions: cost,
      });
      first.child.kill('SIGTERM');
      assert.equal(await first.exit, 0);
      assert.match(first.output(), /stopped/);

      const second = await serve(['--port', '0'], { RESOURCE_STORE_DATA: data });
      assert.deepEqual(await post(second.url, GET), { data: { resource: { version: 1 } }, extensions: cost });
      second.child.kill('SIGINT');
      assert.equal(await second.exit, 0);
    } finally {
      await rm(data, { recursive: true, force: true });
    }
  });

  it('should serve an in-memory store from the environment', async () => {
    const running = await serve([], { RESOURCE_STORE_IN_MEMORY: 'true', RESOURCE_STORE_PORT: '0' });
    const health = await fetch(new URL('/healthz', running.url));
    assert.equal(health.status, 200);
    running.child.kill('SIGTERM');
    assert.equal(await running.exit, 0);
  });

  it('should serve with the limits and switches given as flags', async () => {
    const running = await serve(['--in-memory', '--port', '0', '--max-depth', '1', '--no-introspection']);
    const codeOf = async (query: string) =>
      ((await post(running.url, query)) as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]
        ?.extensions?.code;
    assert.equal(await codeOf('{ types { kind } }'), 'QUERY_TOO_COMPLEX');
    assert.equal(await codeOf('{ __schema { queryType { name } } }'), 'INTROSPECTION_DISABLED');
    running.child.kill('SIGTERM');
    assert.equal(await running.exit, 0);
  });
});

/** What `serve` uses when nothing else is said, besides where it stores and listens. */
const DEFAULTS = {
  demo: false,
  limits: DEFAULT_LIMITS,
  introspection: true,
  graphiql: true,
  corsOrigins: [],
  connectionInitTimeoutMs: 3000,
  logLevel: 'info',
  metrics: true,
  metricsPublic: false,
};

describe('serve configuration', () => {
  it('should let flags win over environment variables', () => {
    const env = { RESOURCE_STORE_PORT: '5000', RESOURCE_STORE_HOST: '0.0.0.0', RESOURCE_STORE_DATA: '/env' };
    assert.deepEqual(parseServeConfig(['--port', '6000', '--in-memory'], env), {
      ...DEFAULTS,
      store: { inMemory: true },
      port: 6000,
      host: '0.0.0.0',
    });
    assert.deepEqual(parseServeConfig([], {}), {
      ...DEFAULTS,
      store: { path: './data' },
      port: 4000,
      host: '127.0.0.1',
    });
    assert.deepEqual(parseServeConfig(['--data', 'd'], { RESOURCE_STORE_IN_MEMORY: 'true' }), {
      ...DEFAULTS,
      store: { path: 'd' },
      port: 4000,
      host: '127.0.0.1',
    });
  });

  it('should read the limits and production switches from flags, then the environment', () => {
    const env = {
      RESOURCE_STORE_MAX_DEPTH: '20',
      RESOURCE_STORE_MAX_BODY_BYTES: '1000',
      RESOURCE_STORE_INTROSPECTION: 'false',
      RESOURCE_STORE_CORS_ORIGINS: 'https://a.example, https://b.example:8443',
      RESOURCE_STORE_INIT_TIMEOUT_MS: '500',
    };
    const fromEnv = parseServeConfig([], env);
    assert.deepEqual(fromEnv, {
      ...DEFAULTS,
      store: { path: './data' },
      port: 4000,
      host: '127.0.0.1',
      limits: { ...DEFAULT_LIMITS, maxDepth: 20, maxBodyBytes: 1000 },
      introspection: false,
      corsOrigins: ['https://a.example', 'https://b.example:8443'],
      connectionInitTimeoutMs: 500,
    });
    const argv = [
      '--max-depth',
      '8',
      '--max-cost',
      '900',
      '--no-graphiql',
      '--cors-origin',
      '*',
      '--init-timeout-ms',
      '50',
    ];
    const fromFlags = parseServeConfig(argv, env);
    assert.ok(fromFlags !== 'help');
    assert.deepEqual(fromFlags.limits, { ...DEFAULT_LIMITS, maxDepth: 8, maxCost: 900, maxBodyBytes: 1000 });
    assert.equal(fromFlags.graphiql, false);
    assert.equal(fromFlags.introspection, false, 'still off from the environment');
    assert.deepEqual(fromFlags.corsOrigins, ['*']);
    assert.equal(fromFlags.connectionInitTimeoutMs, 50);
  });

  it('should reject invalid settings with a message naming the setting', () => {
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [['--port', 'x'], {}, /--port must be a port number/],
      [['--port', '65536'], {}, /--port/],
      [[], { RESOURCE_STORE_PORT: '-1' }, /RESOURCE_STORE_PORT/],
      [['--data', 'd', '--in-memory'], {}, /exclude each other/],
      [[], { RESOURCE_STORE_IN_MEMORY: 'maybe' }, /RESOURCE_STORE_IN_MEMORY must be true or false/],
      [['--verbose'], {}, /: unknown option --verbose$/],
      [['--max-dept', '3'], {}, /: unknown option --max-dept \(did you mean --max-depth\?\)$/],
      [['--port'], {}, /: --port needs a value$/],
      [['--max-depth', '0'], {}, /--max-depth must be a positive integer, given "0"/],
      [['--max-tokens', '1e3'], {}, /--max-tokens must be a positive integer/],
      [
        [],
        { RESOURCE_STORE_MAX_MESSAGE_BYTES: '-5' },
        /RESOURCE_STORE_MAX_MESSAGE_BYTES must be a positive integer/,
      ],
      [[], { RESOURCE_STORE_GRAPHIQL: 'off' }, /RESOURCE_STORE_GRAPHIQL must be true or false/],
      [['--cors-origin', 'https://a.example/path'], {}, /CORS origin is scheme:\/\/host\[:port\] or \*/],
      [['--init-timeout-ms', 'soon'], {}, /--init-timeout-ms must be a positive integer/],
    ];
    for (const [argv, env, message] of cases) assert.throws(() => parseServeConfig(argv, env), message);
  });

  it('should exit 2 with one line naming a bad setting and pointing to --help', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', 'nope'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    assert.equal(code, 2);
    assert.equal(
      stderr,
      'resource-store serve: --port must be a port number from 0 to 65535, given "nope" (see resource-store serve --help)\n',
    );
  });
});

describe('serve: logging and metrics settings', () => {
  it('should read --log-level and --no-metrics, and their variables', () => {
    const flags = parseServeConfig(['--in-memory', '--log-level', 'debug', '--no-metrics'], {});
    assert.ok(flags !== 'help');
    assert.equal(flags.logLevel, 'debug');
    assert.equal(flags.metrics, false);
    const env = parseServeConfig(['--in-memory'], {
      RESOURCE_STORE_LOG_LEVEL: 'warn',
      RESOURCE_STORE_METRICS: 'false',
    });
    assert.ok(env !== 'help');
    assert.equal(env.logLevel, 'warn');
    assert.equal(env.metrics, false);
    assert.throws(() => parseServeConfig(['--log-level', 'loud'], {}), UsageError);
    assert.throws(() => parseServeConfig([], { RESOURCE_STORE_METRICS: 'maybe' }), UsageError);
  });

  it('should read --metrics-public and its variable', () => {
    const flag = parseServeConfig(['--in-memory', '--metrics-public'], {});
    assert.ok(flag !== 'help' && flag.metricsPublic);
    const env = parseServeConfig(['--in-memory'], { RESOURCE_STORE_METRICS_PUBLIC: 'true' });
    assert.ok(env !== 'help' && env.metricsPublic);
    assert.throws(() => parseServeConfig([], { RESOURCE_STORE_METRICS_PUBLIC: 'maybe' }), UsageError);
  });
});
