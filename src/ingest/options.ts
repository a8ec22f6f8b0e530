/**
 * The options every import takes, and their defaults and checks.
 */
import { badInput, labelValueError } from '../store/index.ts';
import type { ImportProgress } from './summary.ts';

/** The label `--cluster NAME` puts on every imported resource. */
export const CLUSTER_LABEL = 'resource-store/cluster';

/** Objects (for an export: lines) per transaction when `batchSize` is not given. */
export const DEFAULT_BATCH_SIZE = 500;

/** Options of an import. */
export interface ImportOptions {
  /** Objects per transaction (default {@link DEFAULT_BATCH_SIZE}). */
  readonly batchSize?: number;
  /** Called after each committed batch. */
  readonly onProgress?: (progress: ImportProgress) => void;
  /** Labels every resource with `resource-store/cluster=<cluster>` (it must be a valid label value). */
  readonly cluster?: string;
}

/** The validated batch size and cluster labels; throws BAD_USER_INPUT naming the option at fault. */
export function checkImportOptions(options: ImportOptions) {
  return {
    batchSize: checkBatchSize(options.batchSize ?? DEFAULT_BATCH_SIZE),
    clusterLabels: clusterLabelsOf(options.cluster),
  };
}

function checkBatchSize(value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw badInput('batchSize', 'must be a positive integer');
  return value;
}

function clusterLabelsOf(cluster: string | undefined): Record<string, string> {
  if (cluster === undefined) return {};
  const problem = cluster === '' ? 'must not be empty' : labelValueError(cluster);
  if (problem !== null) throw badInput('cluster', `${problem} (it becomes the label ${CLUSTER_LABEL})`);
  return { [CLUSTER_LABEL]: cluster };
}
