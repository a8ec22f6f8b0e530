/**
 * A bulk import killed with SIGKILL part-way: every batch it acknowledged stays whole, nothing of a
 * batch it had not committed is seen, the store opens and passes its integrity check, and importing
 * the same dump again finishes the job.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { generateCluster } from '../../src/k8s/generate.ts';
import { importObjects } from '../../src/k8s/import.ts';
import { openStore } from '../../src/store/index.ts';

const CLUSTER = { deployments: 1500, nodes: 15, pvcs: 150, seed: 5 };
const BATCH = 500;
/** Batches acknowledged before the kill. */
const ACKNOWLEDGED = 3;

const moduleUrl = (path: string) => JSON.stringify(new URL(path, import.meta.url).href);

/**
 * Imports the generated cluster into `path` in a child process, printing the objects imported after
 * each acknowledged batch, and kills it with SIGKILL once {@link ACKNOWLEDGED} batches are; resolves
 * to the last count it printed.
 */
async function importAndKill(path: string): Promise<number> {
  const script = `import { openStore } from ${moduleUrl('../../src/store/index.ts')};
import { importObjects } from ${moduleUrl('../../src/k8s/import.ts')};
import { generateCluster } from ${moduleUrl('../../src/k8s/generate.ts')};
const store = await openStore({ path: ${JSON.stringify(path)} });
await importObjects(store, generateCluster(${JSON.stringify(CLUSTER)}), {
  batchSize: ${BATCH},
  onProgress: ({ objects }) => process.stdout.write(objects + '\\n'),
});
process.stdout.write('done\\n');`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let acknowledged = 0;
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const lines = output.split('\n').filter(Boolean);
      if (lines.includes('done')) reject(new Error('the import finished before it could be killed'));
      acknowledged = Number(lines.at(-1));
      if (lines.length >= ACKNOWLEDGED) resolve();
    });
    child.once('exit', () => reject(new Error(`the import exited first: ${output}`)));
  });
  child.kill('SIGKILL');
  await exited;
  return acknowledged;
}

describe('a bulk import killed part-way', () => {
  it('should leave every acknowledged batch, no partial batch, and a store that passes its integrity check', async () => {
    const path = mkdtempSync(join(tmpdir(), 'resource-store-crash-'));
    after(() => rmSync(path, { recursive: true, force: true }));
    const acknowledged = await importAndKill(path);
    const total = Array.from(generateCluster(CLUSTER)).length;
    assert.ok(acknowledged >= ACKNOWLEDGED * BATCH && acknowledged < total, `killed after ${acknowledged}`);

    const store = await openStore({ path });
    try {
      assert.deepEqual(store.checkIntegrity(), []);
      const stored = store.count();
      assert.ok(stored >= acknowledged, `${stored} stored, ${acknowledged} acknowledged`);
      assert.equal(stored % BATCH, 0, 'only whole batches are stored');
      const summary = await importObjects(store, generateCluster(CLUSTER), { batchSize: BATCH });
      assert.equal(summary.changedObjects, total - stored);
      assert.equal(store.count(), total);
      assert.deepEqual(store.checkIntegrity(), []);
    } finally {
      await store.close();
    }
  });
});
