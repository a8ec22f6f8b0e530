import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cli } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'k8s-commands-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('resource-store generate and import', () => {
  const dump = join(dir, 'cluster.json');
  const data = join(dir, 'data');

  it('generate writes the same List for the same seed', async () => {
    const first = await cli(
      'generate',
      '--nodes',
      '2',
      '--deployments',
      '6',
      '--pvcs',
      '1',
      '--seed',
      '9',
      '--out',
      dump,
    );
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /^wrote \d+ objects to /);
    const again = await cli('generate', '--nodes', '2', '--deployments', '6', '--pvcs', '1', '--seed', '9');
    assert.equal(again.stdout, readFileSync(dump, 'utf8'));
  });

  it('import prints a summary by kind and predicate, and a second import changes nothing', async () => {
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

  it('import fails with the file and position of malformed input', async () => {
    const result = await cli(
      'import',
      join(fileURLToPath(new URL('.', import.meta.url)), 'commands.test.ts'),
      '--data',
      data,
    );
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^import failed: .*commands\.test\.ts: invalid YAML at line \d+, column \d+/);
  });

  it('bad arguments print the usage and exit with 2', async () => {
    const bad = await cli('generate', '--nodes', 'many');
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      /--nodes must be a non-negative integer, given "many"\n\nusage: resource-store generate/,
    );
    const none = await cli('import', '--data', data);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /import needs at least one FILE/);
    const help = await cli('import', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^usage: resource-store import FILE\.\.\./);
  });
});
