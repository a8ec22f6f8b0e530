import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Report } from '../../bench/lib/report.ts';

const runner = fileURLToPath(new URL('../../bench/run.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bench-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The comparisons every full run reports. */
const EXPECTED = [
  'get',
  'list',
  'relationships-subject',
  'relationships-object',
  'traverse',
  'auth-walk',
  'write',
  'write-vs-serial',
  'http-get-10',
  'http-get-10-p99',
  'http-list',
  'http-list-data',
  'http-descendants',
  'http-write',
  'http-write-vs-serial',
  'fanout',
  'fanout-p99',
  'import',
  'import-absolute',
  ...['get', 'list', 'relationships-subject', 'relationships-object', 'traverse'].map((id) => `scale-${id}`),
  ...['http-get-10', 'http-get-10-p99', 'http-list'].map((id) => `scale-${id}`),
  'scale-rss',
  'scale-export-rss',
  'scale-reimport-rss',
];

describe('npm run bench -- --smoke', () => {
  it('should run every case in one process and write finite positive ratios to --out', async () => {
    const out = join(dir, 'nested', 'smoke.json');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', runner, '--smoke', '--out', out],
      { cwd: fileURLToPath(new URL('../..', import.meta.url)), timeout: 120_000 },
    );
    const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    assert.equal(report.mode, 'smoke');
    assert.deepEqual(report.errors, []);
    assert.deepEqual(
      report.cases.map((c) => c.id),
      EXPECTED,
    );
    for (const result of report.cases) {
      for (const value of [result.store, result.baseline, result.ratio, result.target]) {
        assert.ok(
          Number.isFinite(value) && value > 0,
          `${result.id}: ${value} is not a finite positive number`,
        );
      }
      assert.equal(result.rounds.ratios.length, 1, `${result.id} ran one round`);
    }
    const lines = stdout.trim().split('\n');
    for (const result of report.cases) {
      const line = lines.find((l) => l.startsWith(`${result.name}: `));
      assert.match(
        line ?? '',
        result.compare === 'atLeast'
          ? /: store [\d.]+[kM]? \w+(\/s)?, baseline [\d.]+[kM]? \w+(\/s)?, ratio [\d.]+ \(target [\d.]+\)$/
          : /: store [\d.]+[kM]? \w+, baseline [\d.]+[kM]? \w+, ratio [\d.]+ \(target ≤ [\d.]+\)$/,
      );
    }
  });

  it('should reject unknown flags and cases', async () => {
    const run = (...args: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', runner, ...args], { timeout: 30_000 });
    await assert.rejects(run('--fast'), (error: { code: number }) => error.code === 2);
    await assert.rejects(run('--smoke', '--only', 'nope'), (error: { code: number }) => error.code === 2);
  });
});
