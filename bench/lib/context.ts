/** What every case receives. */
import type { ClusterFixture } from './fixtures.ts';
import type { Mode } from './modes.ts';
import type { CaseResult } from './report.ts';

/** The run's mode, the shared read fixture (built on first use) and a progress logger. */
export interface BenchContext {
  readonly mode: Mode;
  /** The imported generated cluster the read cases share. */
  cluster(): Promise<ClusterFixture>;
  /** Progress messages (to stderr, so stdout carries only result lines). */
  log(message: string): void;
}

/** A benchmark case: one or more comparisons of the store against a raw-LMDB baseline. */
export interface BenchCase {
  /** Name used by `--only`. */
  readonly id: string;
  run(context: BenchContext): Promise<CaseResult[]>;
}
