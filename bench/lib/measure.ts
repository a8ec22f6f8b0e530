/**
 * Timing helpers. Every comparison runs its contenders in alternating rounds inside one process (the
 * machine drifts by ±50% over minutes, so only figures taken side by side are compared), and reports
 * medians: of each contender's rates, and of the per-round ratios between two contenders.
 */

/** Something to time. State lives in the closures; `setup` and `teardown` are not timed. */
export interface Contender {
  /** Untimed preparation before each timed run (a fresh database, say). */
  readonly setup?: () => void | Promise<void>;
  /** Does some work and returns how many operations it did. Called repeatedly until `minMs` passed. */
  readonly run: () => number | Promise<number>;
  /** Untimed clean-up after each timed run. */
  readonly teardown?: () => void | Promise<void>;
}

/** How a comparison is run. */
export interface RoundOptions {
  /** Timed rounds; each contender runs once per round. */
  readonly rounds: number;
  /** Minimum duration of one contender's run in one round, in milliseconds (0: call `run` once). */
  readonly minMs: number;
  /** Run each contender once, untimed, before the first round (to warm up the JIT and caches). */
  readonly warmup: boolean;
  /** Slices each round is cut into, the contenders taking turns in each (default 1). */
  readonly slices?: number;
}

/** Operations per second of each contender, one entry per round, keyed like the contenders. */
export type RoundRates<K extends string> = Record<K, number[]>;

/** The median of a non-empty list (the mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Per-round ratios `a[i] / b[i]` of two contenders measured in the same rounds. */
export function pairedRatios(a: readonly number[], b: readonly number[]): number[] {
  return a.map((value, i) => value / b[i]!);
}

/** Operations done and milliseconds spent by one timed run. */
interface Timing {
  operations: number;
  elapsedMs: number;
}

/** Times one run of a contender: calls `run` until `minMs` passed. */
async function timed(contender: Contender, minMs: number): Promise<Timing> {
  await contender.setup?.();
  let operations = 0;
  const start = performance.now();
  let elapsedMs = 0;
  try {
    do {
      operations += await contender.run();
      elapsedMs = performance.now() - start;
    } while (elapsedMs < minMs);
  } finally {
    await contender.teardown?.();
  }
  return { operations, elapsedMs };
}

/**
 * Runs the contenders in `options.rounds` rounds. Each round is cut into `options.slices` slices, and
 * every contender runs `minMs / slices` in each slice, so that drift of the machine within a round
 * hits every contender alike; a contender's rate for the round is its operations over its time in
 * all slices. The order rotates from slice to slice so that no contender always runs first (after a
 * pause) or last (after the others' garbage).
 */
export async function runRounds<K extends string>(
  contenders: Record<K, Contender>,
  options: RoundOptions,
): Promise<RoundRates<K>> {
  const names = Object.keys(contenders) as K[];
  const slices = Math.max(1, options.slices ?? 1);
  if (options.warmup) {
    for (const name of names) await timed(contenders[name], Math.min(options.minMs, 200) / 2);
  }
  const rates = Object.fromEntries(names.map((name) => [name, [] as number[]])) as RoundRates<K>;
  for (let round = 0; round < options.rounds; round++) {
    const totals = new Map<K, Timing>(names.map((name) => [name, { operations: 0, elapsedMs: 0 }]));
    for (let slice = 0; slice < slices; slice++) {
      const shift = round * slices + slice;
      for (const name of names.map((_, i) => names[(i + shift) % names.length]!)) {
        globalThis.gc?.();
        const timing = await timed(contenders[name], options.minMs / slices);
        const total = totals.get(name)!;
        total.operations += timing.operations;
        total.elapsedMs += timing.elapsedMs;
      }
    }
    for (const name of names) {
      const { operations, elapsedMs } = totals.get(name)!;
      if (operations <= 0) throw new Error(`contender ${name} did no work`);
      rates[name].push((operations * 1000) / elapsedMs);
    }
  }
  return rates;
}

/** One timed run of a contender that measures itself (a load job, say): its rate and latency. */
export interface Sample {
  /** Operations per second. */
  readonly rate: number;
  /** 99th-percentile latency in milliseconds, when the contender measures latency. */
  readonly p99Ms?: number;
}

/**
 * Runs contenders that time themselves in `rounds` rounds, each once per round in an order that
 * rotates from round to round, after one untimed warm-up run each when `warmup` is set.
 */
export async function alternate<K extends string>(
  contenders: Record<K, () => Promise<Sample>>,
  options: { readonly rounds: number; readonly warmup: boolean },
): Promise<Record<K, Sample[]>> {
  const names = Object.keys(contenders) as K[];
  if (options.warmup) for (const name of names) await contenders[name]();
  const samples = Object.fromEntries(names.map((name) => [name, [] as Sample[]])) as Record<K, Sample[]>;
  for (let round = 0; round < options.rounds; round++) {
    for (const name of names.map((_, i) => names[(i + round) % names.length]!)) {
      globalThis.gc?.();
      samples[name].push(await contenders[name]());
    }
  }
  return samples;
}

/** The rates of some samples. */
export const ratesOf = (samples: readonly Sample[]): number[] => samples.map((s) => s.rate);

/** The p99 latencies of some samples (throws when one was not measured). */
export function p99sOf(samples: readonly Sample[]): number[] {
  return samples.map((s) => {
    if (s.p99Ms === undefined) throw new Error('a sample without latency');
    return s.p99Ms;
  });
}
