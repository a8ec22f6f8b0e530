import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { checkLayers, type Problem } from '../../scripts/check-layers.ts';

const SCRIPT = fileURLToPath(new URL('../../scripts/check-layers.ts', import.meta.url));
const SRC = fileURLToPath(new URL('../../src', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'check-layers-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a source tree of `files` (path -> text) under a fresh directory and returns it. */
function tree(name: string, files: Record<string, string>): string {
  const root = join(dir, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

/** `file: message` of each problem, for readable assertions. */
const lines = (problems: readonly Problem[]) => problems.map(({ file, message }) => `${file}: ${message}`);

/** Runs the script; resolves to its exit code and output. */
async function run(srcDir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [
      '--import',
      'tsx',
      SCRIPT,
      srcDir,
    ]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

describe('scripts/check-layers.ts', () => {
  it('should find no cycle and no wrong-way import in src/, and exit 0', async () => {
    assert.deepEqual(lines(checkLayers(SRC)), []);
    const result = await run(SRC);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^layers: \d+ files, \d+ imports, no problem\n$/);
  });

  it('should report imports against the layering, cycles and library output, and exit 1', async () => {
    const root = tree('bad', {
      'store/index.ts': "export * from './labels.ts';\n",
      'store/labels.ts': 'export const x = 1;\n',
      'schema/index.ts': "import '../server/app.ts';\nimport { x } from '../store/labels.ts';\n",
      'server/app.ts': "import '../schema/index.ts';\nexport const port = process.env.PORT;\n",
      'k8s/import.ts': "import '../transfer/import.ts';\nimport '../cli/main.ts';\n",
      'transfer/import.ts': "import '../ingest/index.ts';\nconsole.log('done');\n",
      'ingest/index.ts': "export * from './write.ts';\n",
      'ingest/write.ts': "// process.env in a comment is fine\nexport const y = 'process.stdout';\n",
      'cli/main.ts':
        "import '../ingest/write.ts';\nimport '../k8s/import.ts';\nprocess.stdout.write('ok');\n",
      'extras/thing.ts': 'export {};\n',
    });
    const problems = lines(checkLayers(root));
    assert.deepEqual(problems, [
      'extras/thing.ts: is in no known layer or adapter: place it in scripts/check-layers.ts',
      'cli/main.ts: imports ingest/write.ts: outside src/ingest/, import src/ingest/index.ts',
      'k8s/import.ts: imports transfer/import.ts: only cli may import src/transfer/',
      'k8s/import.ts: imports cli/main.ts: an adapter imports only store among the layers',
      'schema/index.ts: imports server/app.ts: schema is below server',
      'schema/index.ts: imports store/labels.ts: outside src/store/, import src/store/index.ts',
      'cli/main.ts: import cycle: cli -> k8s -> cli',
      'schema/index.ts: import cycle: schema -> server -> schema',
      'server/app.ts: library code uses process.env: leave it to src/cli/',
      'transfer/import.ts: library code uses console.log: leave it to src/cli/',
    ]);
    const result = await run(root);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^src\/extras\/thing\.ts:1: is in no known layer/);
  });

  it('should know auth as a layer between store and schema before src/auth/ exists', () => {
    const root = tree('auth', {
      'store/index.ts': 'export {};\n',
      'auth/index.ts': "import '../store/index.ts';\nimport '../schema/index.ts';\n",
      'schema/index.ts': "import '../auth/index.ts';\n",
      'server/index.ts': "import '../auth/index.ts';\nimport '../schema/index.ts';\n",
      'k8s/import.ts': "import '../auth/index.ts';\n",
    });
    const problems = lines(checkLayers(root));
    assert.deepEqual(problems.slice(0, 2), [
      'auth/index.ts: imports schema/index.ts: auth is below schema',
      'k8s/import.ts: imports auth/index.ts: an adapter imports only store among the layers',
    ]);
    assert.deepEqual(problems.slice(2), ['auth/index.ts: import cycle: auth -> schema -> auth']);
  });
});
