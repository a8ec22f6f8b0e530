import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openStore } from '../../src/store/index.ts';
import { cli, cliWithEnv } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'cli-import-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('resource-store import of Kubernetes dumps', () => {
  const dump = join(dir, 'cluster.json');
  const data = join(dir, 'data');

  before(async () => {
    const generated = await cli(
      'generate',
      '--nodes',
      '2',
      '--deployments',
      '6',
      '--pvcs',
      '1',
      '--out',
      dump,
    );
    assert.equal(generated.code, 0, generated.stderr);
  });

  it('should print a summary by kind and predicate, and change nothing when run again', async () => {
    const first = await cli('import', dump, '--data', data, '--cluster', 'test');
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^objects: \d+ \(\d+ created or changed, 0 replaced\)\n {2}Pod {2,}18\n/);
    assert.match(first.stdout, /\n {2}OwnerReference +\d+\n/);
    assert.match(first.stdout, /dangling owner references: 0\n/);
    const again = await cli('import', dump, '--data', data, '--cluster', 'test', '--json');
    assert.equal(again.code, 0, again.stderr);
    const summary = JSON.parse(again.stdout);
    assert.equal(summary.changedObjects, 0);
    assert.equal(summary.changedRelationships, 0);
  });

  it('should write plain progress lines when standard error is not a terminal, none for a short import', async () => {
    const fresh = join(dir, 'progress');
    const quiet = await cli('import', dump, '--data', fresh);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quiet.stderr, '', 'a short import writes no progress by default');
    const result = await cli(
      'import',
      dump,
      '--data',
      join(dir, 'progress-lines'),
      '--batch-size',
      '20',
      '--progress-interval',
      '0',
    );
    assert.equal(result.code, 0, result.stderr);
    const total = JSON.parse((await cli('import', dump, '--data', fresh, '--json')).stdout).objects as number;
    const lines = result.stderr.trimEnd().split('\n');
    const checked = lines.filter((line) => line.startsWith('checked '));
    const written = lines.filter((line) => line.startsWith('imported ') && line.includes('%'));
    assert.equal(checked.length, Math.ceil(total / 20), 'a line per batch of the first pass');
    assert.equal(checked.at(-1), `checked ${total} objects`);
    assert.equal(written.length, Math.ceil(total / 20), 'a line per batch written');
    for (const line of written) {
      assert.match(
        line,
        /^imported \d+\/\d+ objects \(\d+%\), \d+ relationships, [\d.]+k? objects\/s, ETA \d+s$/,
      );
    }
    assert.match(written.at(-1)!, new RegExp(`^imported ${total}/${total} objects \\(100%\\)`));
    assert.match(
      lines.at(-1)!,
      new RegExp(`^imported ${total} objects and \\d+ relationships in \\d+s \\([\\d.]+k? objects/s\\)$`),
    );
    assert.equal(lines.length, checked.length + written.length + 1);
  });

  it('should read the store directory from RESOURCE_STORE_DATA', async () => {
    const result = await cliWithEnv(
      { RESOURCE_STORE_DATA: data },
      'import',
      dump,
      '--cluster',
      'test',
      '--json',
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).changedObjects, 0, 'the store of the first import');
  });

  it('should fail with the file and position of malformed input', async () => {
    const self = join(fileURLToPath(new URL('.', import.meta.url)), 'import.test.ts');
    const result = await cli('import', self, '--data', data);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^import failed: .*import\.test\.ts: invalid YAML at line \d+, column \d+/);
  });

  it('should end its summary with the time taken and the rate', async () => {
    const result = await cli('import', dump, '--data', data);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /\nelapsed: \d+\.\d s \(\d+ objects\/s\)\n$/);
  });

  it('should fail on a missing file without making the store directory', async () => {
    const nowhere = join(dir, 'never-made');
    const result = await cli('import', join(dir, 'missing.json'), '--data', nowhere);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^import failed: .*missing\.json cannot be read \(ENOENT\)\n$/);
    assert.equal(existsSync(nowhere), false);
  });

  it('should warn and exit non-zero when the files hold no objects', async () => {
    const empty = join(dir, 'empty.json');
    writeFileSync(empty, '{"apiVersion": "v1", "kind": "List", "items": []}\n');
    const result = await cli('import', empty, '--data', join(dir, 'empty-store'));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /warning: .*empty\.json held no Kubernetes objects and no export lines/);
  });

  it('should refuse to import into a store another process is writing', async () => {
    const held = join(dir, 'held');
    const store = await openStore({ path: held });
    try {
      const result = await cli('import', dump, '--data', held);
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        new RegExp(`import failed: the store at .* is being written by process ${process.pid} `),
      );
    } finally {
      await store.close();
    }
  });

  it('should print the usage and exit with 2 without a FILE, and the usage alone for --help', async () => {
    const none = await cli('import', '--data', data);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /import needs at least one FILE/);
    const help = await cli('import', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^usage: resource-store import FILE\.\.\./);
  });
});
