/**
 * `serve`'s store settings and config file: `--types` (checked at start, errors naming the field,
 * then enforced by the store), the change log's retention, and `--config FILE` holding any flag.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseServeConfig, type ServeConfig } from '../../src/cli/serve.ts';
import { serve } from './serve-helpers.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'resource-store-settings-'));
});
after(() => rm(dir, { recursive: true, force: true }));

/** Writes `text` to a file of the temp directory and returns its path. */
async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

function config(argv: string[], env: NodeJS.ProcessEnv = {}): ServeConfig {
  const parsed = parseServeConfig(argv, env);
  assert.ok(parsed !== 'help');
  return parsed;
}

const TYPES = {
  resources: [
    {
      group: 'example.com',
      kind: 'Widget',
      schema: { type: 'object', required: ['size'], properties: { size: { type: 'integer' } } },
    },
  ],
  predicates: [{ type: 'Mounts', schema: { type: 'object' } }],
};

describe('serve --types', () => {
  it('should pass the checked registration to the store', async () => {
    const path = await file('types.json', JSON.stringify(TYPES));
    assert.deepEqual(config(['--in-memory', '--types', path]).store, { inMemory: true, types: TYPES });
    const yaml = await file('types.yaml', 'predicates:\n  - type: Mounts\n    schema: { type: object }\n');
    assert.deepEqual(config(['--in-memory'], { RESOURCE_STORE_TYPES: yaml }).store, {
      inMemory: true,
      types: { predicates: [{ type: 'Mounts', schema: { type: 'object' } }] },
    });
  });

  it('should refuse a bad file at start with a message naming the field', async () => {
    const cases: [unknown, RegExp][] = [
      [{ resources: [{ schema: {} }] }, /\/resources\/0 must have required property 'kind'/],
      [{ resources: [{ kind: 7, schema: {} }] }, /\/resources\/0\/kind must be string/],
      [{ predicate: [] }, /the file must NOT have additional properties \("predicate"\)/],
      [
        { predicates: [{ type: 'X', schema: { type: 'nothing' } }] },
        /\/predicates\/0\/schema is not a valid JSON Schema/,
      ],
    ];
    for (const [content, message] of cases) {
      const path = await file('bad.json', JSON.stringify(content));
      assert.throws(() => config(['--in-memory', '--types', path]), message);
    }
    assert.throws(
      () => config(['--types', join(dir, 'missing.json')]),
      /--types .*missing\.json: cannot be read/,
    );
  });

  it('should have the served store refuse data its schema does not allow', async () => {
    const path = await file('served-types.json', JSON.stringify(TYPES));
    const running = await serve(['--in-memory', '--port', '0', '--types', path]);
    try {
      const add = async (data: unknown) => {
        const response = await fetch(running.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            query:
              'mutation($data: JSON) { addResource(input: { ref: { group: "example.com", version: "v1", kind: "Widget", name: "w" }, data: $data }) { version } }',
            variables: { data },
          }),
        });
        return (await response.json()) as { data?: unknown; errors?: { message: string }[] };
      };
      assert.match((await add({ size: 'large' })).errors?.[0]?.message ?? '', /does not match its schema/);
      assert.deepEqual((await add({ size: 3 })).data, { addResource: { version: 1 } });
    } finally {
      running.child.kill('SIGTERM');
    }
    assert.equal(await running.exit, 0);
  });
});

describe('serve: retention of the change log', () => {
  it('should read --retention-revisions and --retention-age, else their variables', () => {
    assert.deepEqual(config(['--in-memory', '--retention-revisions', '500', '--retention-age', '2h']).store, {
      inMemory: true,
      retention: { minRevisions: 500, minAgeMs: 7_200_000 },
    });
    assert.deepEqual(config(['--in-memory'], { RESOURCE_STORE_RETENTION_AGE: '90s' }).store, {
      inMemory: true,
      retention: { minAgeMs: 90_000 },
    });
    assert.deepEqual(config(['--in-memory']).store, { inMemory: true });
    assert.throws(
      () => config(['--retention-age', '2 hours']),
      /--retention-age must be a duration like 90s/,
    );
    assert.throws(
      () => config(['--retention-revisions', 'many']),
      /--retention-revisions must be a non-negative integer/,
    );
  });
});

describe('serve: execution and cost budgets', () => {
  it('should read --max-execution-ms and --rate-limit-cost N/minute, else their variables, off by default', async () => {
    assert.equal(config(['--in-memory', '--max-execution-ms', '2500']).limits.maxExecutionMs, 2500);
    assert.equal(config(['--in-memory']).limits.maxExecutionMs, 10_000);
    assert.equal(config(['--in-memory', '--rate-limit-cost', '5000/minute']).rateLimitCost, 5000);
    assert.equal(config(['--in-memory', '--rate-limit-cost', '300']).rateLimitCost, 300);
    assert.equal(config(['--in-memory'], { RESOURCE_STORE_RATE_LIMIT_COST: '90/min' }).rateLimitCost, 90);
    assert.equal(config(['--in-memory']).rateLimitCost, undefined);
    const path = await file('budgets.yaml', 'rate-limit-cost: 1000/minute\nmax-execution-ms: 800\n');
    const fromFile = config(['--in-memory', '--config', path]);
    assert.deepEqual([fromFile.rateLimitCost, fromFile.limits.maxExecutionMs], [1000, 800]);
    assert.throws(
      () => config(['--rate-limit-cost', '10/hour']),
      /--rate-limit-cost must be a cost a minute/,
    );
    assert.throws(() => config(['--rate-limit-cost', '0']), /--rate-limit-cost must be a cost a minute/);
  });
});

describe('serve --config', () => {
  it('should read any flag from a YAML file, with the command line winning over it', async () => {
    const path = await file(
      'serve.yaml',
      'in-memory: true\nport: 5001\nno-introspection: true\nmax-depth: 7\ncors-origin: [https://a.example]\nretention-age: 5m\n',
    );
    const fromFile = config(['--config', path]);
    assert.deepEqual(fromFile.store, { inMemory: true, retention: { minAgeMs: 300_000 } });
    assert.equal(fromFile.port, 5001);
    assert.equal(fromFile.introspection, false);
    assert.equal(fromFile.limits.maxDepth, 7);
    assert.deepEqual(fromFile.corsOrigins, ['https://a.example']);
    const overridden = config(['--config', path, '--port', '6001', '--cors-origin', 'https://b.example']);
    assert.equal(overridden.port, 6001);
    assert.deepEqual(overridden.corsOrigins, ['https://b.example']);
    assert.equal(
      config(['--config', path], { RESOURCE_STORE_PORT: '7001' }).port,
      5001,
      'the file wins over a variable',
    );
  });

  it('should refuse an unknown setting or a bad value, naming the file and the setting', async () => {
    const unknown = await file('unknown.yaml', 'prot: 4000\n');
    assert.throws(() => config(['--config', unknown]), /--config .*unknown\.yaml: unknown setting "prot"/);
    const flag = await file('flag.yaml', 'no-graphiql: "yes"\n');
    assert.throws(() => config(['--config', flag]), /no-graphiql must be true or false/);
    const list = await file('list.yaml', '- port\n');
    assert.throws(() => config(['--config', list]), /must be a mapping of settings to values/);
    const bad = await file('bad.yaml', 'port: 99999\n');
    assert.throws(() => config(['--config', bad]), /--port must be a port number/);
  });
});
