import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cli } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'cli-generate-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('resource-store generate', () => {
  it('should write the same List for the same seed, to a file or to stdout', async () => {
    const dump = join(dir, 'cluster.json');
    const options = ['--nodes', '2', '--deployments', '6', '--pvcs', '1', '--seed', '9'];
    const first = await cli('generate', ...options, '--out', dump);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /^wrote \d+ objects to /);
    const again = await cli('generate', ...options);
    assert.equal(again.stdout, readFileSync(dump, 'utf8'));
  });

  it('should name a bad count in one line pointing to --help, and exit with 2', async () => {
    const bad = await cli('generate', '--nodes', 'many');
    assert.equal(bad.code, 2);
    assert.equal(
      bad.stderr,
      'resource-store generate: --nodes must be a non-negative integer, given "many" (see resource-store generate --help)\n',
    );
  });
});
