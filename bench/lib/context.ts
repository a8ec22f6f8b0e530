/** What every case receives. */
import type { LoadGenerator } from '../load/generator.ts';
import type { Endpoint } from '../load/servers.ts';
import type { ClusterFixture } from './fixtures.ts';
import type { Mode } from './modes.ts';
import type { Profiler } from './profile.ts';
import type { CaseResult } from './report.ts';

/** The run's mode, the shared read fixture (built on first use) and a progress logger. */
export interface BenchContext {
  readonly mode: Mode;
  /** The results of the cases run so far in this run. */
  readonly results: readonly CaseResult[];
  /** The imported generated cluster the read cases share. */
  cluster(): Promise<ClusterFixture>;
  /** The load-generator process the HTTP cases share (started on first use). */
  load(): Promise<LoadGenerator>;
  /** A plain yoga server answering trivial operations, the HTTP cases' baseline (started on first use). */
  yogaBaseline(): Promise<Endpoint>;
  /** Runs the store's side of a run, under the CPU profiler when `--profile` was given. */
  readonly profiled: Profiler;
  /** Dumps of `../shared/k8s/` the peer case compares on (`--peer-dumps`). */
  readonly peerDumps: readonly string[];
  /** Progress messages (to stderr, so stdout carries only result lines). */
  log(message: string): void;
}

/** A benchmark case: one or more comparisons of the store against a raw-LMDB baseline. */
export interface BenchCase {
  /** Name used by `--only`. */
  readonly id: string;
  run(context: BenchContext): Promise<CaseResult[]>;
}
