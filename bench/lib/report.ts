/** Results of the cases, printed one line each and written as JSON. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { median, pairedRatios } from './measure.ts';

/** The figures of one comparison: the store (or server) path against a baseline. */
export interface CaseResult {
  /** Stable identifier (the JSON key a later run is compared by). */
  readonly id: string;
  /** Human name, printed first on the line. */
  readonly name: string;
  /** What one operation is (`gets`, `resources`, `writes`, ...). */
  readonly unit: string;
  /** Median operations per second of the store. */
  readonly store: number;
  /** Median operations per second of the baseline. */
  readonly baseline: number;
  /** Median of the per-round ratios store / baseline. */
  readonly ratio: number;
  /** The ratio the store should reach: at least (rates, the default) or at most (latencies). */
  readonly target: number;
  /** `atLeast` for rates (higher is better), `atMost` for latencies and sizes (lower is better). */
  readonly compare: Compare;
  readonly met: boolean;
  /** What the baseline is, in a few words. */
  readonly baselineIs: string;
  /** Every round's figures. */
  readonly rounds: { store: number[]; baseline: number[]; ratios: number[] };
  /** Sizes the case ran with. */
  readonly size: Record<string, number>;
}

/** How a ratio is held against its target. */
export type Compare = 'atLeast' | 'atMost';

/**
 * Builds a result from the per-round figures of the store and of a baseline measured alongside:
 * rates by default, or latencies (or anything else where lower is better) with `compare: 'atMost'`.
 */
export function resultOf(
  fields: Omit<CaseResult, 'store' | 'baseline' | 'ratio' | 'met' | 'rounds' | 'compare'> & {
    readonly compare?: Compare;
  },
  store: readonly number[],
  baseline: readonly number[],
): CaseResult {
  const ratios = pairedRatios(store, baseline);
  const ratio = median(ratios);
  const compare = fields.compare ?? 'atLeast';
  return {
    ...fields,
    compare,
    store: median(store),
    baseline: median(baseline),
    ratio,
    met: compare === 'atLeast' ? ratio >= fields.target : ratio <= fields.target,
    rounds: { store: [...store], baseline: [...baseline], ratios },
  };
}

/** `12.3k`, `1.23M`, `456`: three significant digits. */
export function formatRate(value: number): string {
  const [scaled, suffix] =
    value >= 1e6 ? [value / 1e6, 'M'] : value >= 1e3 ? [value / 1e3, 'k'] : [value, ''];
  return `${scaled >= 100 ? scaled.toFixed(0) : scaled >= 10 ? scaled.toFixed(1) : scaled.toFixed(2)}${suffix}`;
}

/**
 * `name: store X/s, baseline Y/s, ratio R (target T)` for rates; for lower-is-better figures
 * `name: store X ms, baseline Y ms, ratio R (target ≤ T)`.
 */
export function formatLine(result: CaseResult): string {
  const unit = result.compare === 'atLeast' && result.unit !== 'ratio' ? `${result.unit}/s` : result.unit;
  const target = result.compare === 'atLeast' ? `${result.target}` : `≤ ${result.target}`;
  return (
    `${result.name}: store ${formatRate(result.store)} ${unit}, baseline ${formatRate(result.baseline)} ${unit}, ` +
    `ratio ${result.ratio.toFixed(2)} (target ${target})`
  );
}

/** The JSON document a run writes. */
export interface Report {
  readonly mode: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly environment: Record<string, string | number>;
  readonly settings: object;
  readonly cases: CaseResult[];
  /** Cases that failed to run, with their error messages. */
  readonly errors: { case: string; message: string }[];
}

/** What the figures were measured on. */
export function environment(): Record<string, string | number> {
  return {
    node: process.version,
    lmdb: packageVersion('lmdb'),
    platform: `${process.platform}-${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryMiB: Math.round(totalmem() / 2 ** 20),
    commit: gitCommit(),
  };
}

/** Writes the report as indented JSON, creating the directory when missing. */
export function writeReport(path: string, report: Report): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}

function packageVersion(name: string): string {
  try {
    const url = new URL(`../../node_modules/${name}/package.json`, import.meta.url);
    return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function gitCommit(): string {
  try {
    const cwd = new URL('..', import.meta.url);
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}
