import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
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

  it('should print the usage and exit with 2 without a FILE, and the usage alone for --help', async () => {
    const none = await cli('import', '--data', data);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /import needs at least one FILE/);
    const help = await cli('import', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^usage: resource-store import FILE\.\.\./);
  });
});
