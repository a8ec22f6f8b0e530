import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore, type Store } from '../../src/store/index.ts';
import { contentOf, exportedContent, fillStore } from '../transfer/helpers.ts';
import { cli, cliWithInput } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'cli-export-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Opens the store at `path`, runs `use` on it and closes it (the CLI opens it on its own). */
async function withStore<T>(path: string, use: (store: Store) => T | Promise<T>): Promise<T> {
  const store = await openStore({ path, retention: { minRevisions: 1, minAgeMs: 0, intervalMs: 0 } });
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

describe('resource-store export and import of the export', () => {
  const source = join(dir, 'source');
  const target = join(dir, 'target');
  const file = join(dir, 'store.export');
  let piped = '';

  before(async () => {
    const dump = join(dir, 'cluster.json');
    const generated = await cli(
      'generate',
      '--nodes',
      '2',
      '--deployments',
      '5',
      '--seed',
      '3',
      '--out',
      dump,
    );
    assert.equal(generated.code, 0, generated.stderr);
    const imported = await cli('import', dump, '--data', source);
    assert.equal(imported.code, 0, imported.stderr);
    await withStore(source, fillStore);
  });

  it('should be listed in the help, with its own usage', async () => {
    const help = await cli('--help');
    assert.match(help.stdout, /\n {2}export +Export resources \(NDJSON\) and relationships \(N-Quads\)/);
    const usage = await cli('export', '--help');
    assert.equal(usage.code, 0);
    assert.match(
      usage.stdout,
      /^usage: resource-store export \[--data DIR\] \[--at REVISION\] \[--out FILE\|-\]/,
    );
    const bad = await cli('export', '--at', 'yesterday');
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      /^resource-store export: --at must be a non-negative integer, given "yesterday" \(see resource-store export --help\)\n$/,
    );
  });

  it('should recreate the store through export | import -', async () => {
    const exported = await cli('export', '--data', source);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stderr, /^exported \d+ resources and \d+ relationships at revision \d+\n$/);
    piped = exported.stdout;
    const imported = await cliWithInput(piped, 'import', '-', '--data', target, '--json');
    assert.equal(imported.code, 0, imported.stderr);
    const summary = JSON.parse(imported.stdout);
    assert.ok(summary.objects > 40);
    assert.equal(summary.changedObjects, summary.objects);
    const [expected, actual] = [await withStore(source, contentOf), await withStore(target, contentOf)];
    assert.deepEqual(actual, expected);
  });

  it('should write the same lines with --out, and change nothing when they are imported again', async () => {
    const exported = await cli('export', '--data', target, '--out', file);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stderr, / to .*store\.export\n$/);
    assert.deepEqual(exportedContent(readFileSync(file, 'utf8')), exportedContent(piped));
    const revision = await withStore(target, (store) => store.revision);
    const again = await cli('import', file, '--data', target);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^objects: \d+ \(0 created or changed, 0 replaced\)\n/);
    assert.match(again.stdout, /\nrelationships: \d+ \(0 new or changed\)\n/);
    assert.match(again.stdout, /\ndangling owner references: 1\n/);
    assert.equal(await withStore(target, (store) => store.revision), revision);
  });

  it('should export an older revision with --at, and fail with REVISION_COMPACTED on a compacted one', async () => {
    const revision = await withStore(source, async (store) => {
      const at = store.revision;
      await store.add({ ref: { version: 'v1', kind: 'Pod', namespace: 'default', name: 'later' } });
      return at;
    });
    const old = await cli('export', '--data', source, '--at', String(revision));
    assert.equal(old.code, 0, old.stderr);
    assert.equal(old.stdout, piped);
    const compacted = await withStore(source, async (store) => {
      await store.compact();
      return store.compactedRevision;
    });
    assert.ok(compacted >= revision);
    const out = join(dir, 'too-old.export');
    const tooOld = await cli('export', '--data', source, '--at', '1', '--out', out);
    assert.equal(tooOld.code, 1);
    assert.equal(
      tooOld.stderr,
      `export failed: REVISION_COMPACTED: revision 1 is older than the retained log (${compacted}); the oldest revision --at can export is ${compacted}\n`,
    );
    assert.equal(existsSync(out), false);
    const tooNew = await cli('export', '--data', source, '--at', '999999');
    assert.equal(tooNew.code, 1);
    assert.match(tooNew.stderr, /^export failed: --at: revision 999999 is newer than the store \(\d+\)\n$/);
    const missing = await cli('export', '--data', join(dir, 'nowhere'));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^export failed: no store at .*nowhere\n$/);
  });

  it('should fail to import a malformed line, naming the file and line and writing nothing', async () => {
    const lines = piped.split('\n');
    lines[3] = lines[3]!.replace('"uid":', '"uid" ');
    const broken = join(dir, 'broken.export');
    writeFileSync(broken, lines.join('\n'));
    const fresh = join(dir, 'fresh');
    const result = await cli('import', broken, '--data', fresh);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^import failed: .*broken\.export: line 4: invalid JSON: /);
    assert.equal(await withStore(fresh, (store) => store.revision), 0);
  });

  it('should import dumps or exports in one run, not both', async () => {
    const result = await cli('import', file, join(dir, 'cluster.json'), '--data', join(dir, 'mixed'));
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /^resource-store import: import either Kubernetes dumps or resource-store exports in one run, not both \(see resource-store import --help\)\n$/,
    );
  });
});
