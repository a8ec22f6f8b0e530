/**
 * Measures the peak resident memory (VmHWM) of `resource-store import` and `export` on generated
 * dumps, each command a child process of its own:
 *
 * ```sh
 * npx tsx scripts/measure-rss.ts [--deployments 6800,30400] [--dir DIR] [--keep]
 * ```
 *
 * For each size: `generate` writes the dump (≈6.6 objects a Deployment), `import` reads it into an
 * empty store, `export` writes that store to a file, and `import` reads the export into another empty
 * store. One line per command goes to standard output. Not a test: the figures depend on the machine.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runCliChecked, type SampledRun } from '../bench/lib/cli-process.ts';

const { values } = parseArgs({
  options: {
    deployments: { type: 'string', default: '6800,30400' },
    dir: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});

/** `name: 123.4 MiB peak (45.6 anonymous), 5.6 s (what)`. */
function report(name: string, run: SampledRun, what: string): void {
  const peaks = `${run.peakMiB.toFixed(1)} MiB peak (${run.peakAnonMiB.toFixed(1)} anonymous)`;
  console.log(`${name}: ${peaks}, ${run.seconds.toFixed(1)} s (${what})`);
}

/** Generates, imports, exports and re-imports one cluster of `deployments` Deployments. */
async function measure(dir: string, deployments: number): Promise<void> {
  const dump = join(dir, `cluster-${deployments}.json`);
  const counts = ['--nodes', String(Math.ceil(deployments / 100)), '--pvcs', String(deployments / 10)];
  await runCliChecked(['generate', '--deployments', String(deployments), ...counts, '--out', dump]);
  const megabytes = `${(statSync(dump).size / 2 ** 20).toFixed(0)} MiB file`;
  const data = join(dir, `store-${deployments}`);
  const imported = await runCliChecked(['import', dump, '--data', data, '--json']);
  const summary = JSON.parse(imported.stdout) as { objects: number; relationships: number };
  const size = `${summary.objects} objects, ${summary.relationships} relationships`;
  report(`import of the dump (${size})`, imported, megabytes);
  rmSync(dump);
  const exportFile = join(dir, `export-${deployments}.ndjson`);
  const exported = await runCliChecked(['export', '--data', data, '--out', exportFile]);
  report(
    `export of the store (${size})`,
    exported,
    `${(statSync(exportFile).size / 2 ** 20).toFixed(0)} MiB file`,
  );
  const restored = await runCliChecked([
    'import',
    exportFile,
    '--data',
    join(dir, `restored-${deployments}`),
  ]);
  report(`import of the export (${size})`, restored, 'into an empty store');
}

const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'resource-store-rss-'));
try {
  for (const deployments of values.deployments.split(',').map(Number)) await measure(dir, deployments);
} finally {
  if (!values.keep && values.dir === undefined) rmSync(dir, { recursive: true, force: true });
}
