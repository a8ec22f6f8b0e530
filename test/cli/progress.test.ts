import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { importProgress } from '../../src/cli/progress.ts';

/** A standard error that is not a terminal, collecting what is written, and a clock the test moves. */
function target(intervalMs: number) {
  const lines: string[] = [];
  const clock = { ms: 0 };
  const stream = { isTTY: false, write: (text: string) => lines.push(text) } as unknown as NodeJS.WriteStream;
  return { lines, clock, target: { stream, intervalMs, now: () => clock.ms } };
}

const progress = (objects: number) => ({
  objects,
  totalObjects: 1000,
  relationships: 2 * objects,
  revision: 1,
});

describe('import progress on a standard error that is not a terminal', () => {
  it('should write nothing for an import shorter than the interval', () => {
    const { lines, clock, target: options } = target(2000);
    const reporter = importProgress(options);
    for (let objects = 100; objects <= 1000; objects += 100) {
      clock.ms += 150;
      reporter.onProgress(progress(objects));
    }
    reporter.finish(true);
    assert.deepEqual(lines, []);
  });

  it('should write a line per interval or per further 10%, and the totals at the end', () => {
    const { lines, clock, target: options } = target(2000);
    const reporter = importProgress(options);
    clock.ms = 1000;
    reporter.onScan({ objects: 1000 }); // before the first interval: no line
    const steps: Array<[number, number]> = [
      [2500, 10], // the first line, once an interval has passed
      [2600, 12], // neither an interval since nor a new tenth
      [2700, 20], // a new tenth
      [3000, 25],
      [4800, 29], // an interval since the last line
      [4900, 100],
    ];
    for (const [ms, percent] of steps) {
      clock.ms = ms;
      reporter.onProgress(progress(percent * 10));
    }
    reporter.finish(true);
    assert.deepEqual(
      lines.map((line) => /^imported (\d+)/.exec(line)?.[1]),
      ['100', '200', '290', '1000', '1000'],
    );
    assert.equal(lines[0], 'imported 100/1000 objects (10%), 200 relationships, 67 objects/s, ETA 14s\n');
    assert.equal(lines.at(-1), 'imported 1000 objects and 2000 relationships in 5s (204 objects/s)\n');
  });

  it('should leave out the totals when the import failed', () => {
    const { lines, clock, target: options } = target(0);
    const reporter = importProgress(options);
    clock.ms = 10;
    reporter.onProgress(progress(500));
    reporter.finish(false);
    assert.equal(lines.length, 1);
  });
});
