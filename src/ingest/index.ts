/**
 * What the import of Kubernetes dumps (`src/k8s/`) and the restore of exports (`src/transfer/`)
 * share: import items, their options, the pipelined sequence of batch transactions that writes them,
 * progress and summaries, and reading files. Both import this module; neither imports the other.
 */
export type { ImportItem, ImportResource, SourcedRef } from './items.ts';
export { CLUSTER_LABEL, checkImportOptions, DEFAULT_BATCH_SIZE, type ImportOptions } from './options.ts';
export { BatchPipeline } from './pipeline.ts';
export { readingFile, readStream } from './read.ts';
export { type DanglingOwner, emptySummary, type ImportProgress, type ImportSummary } from './summary.ts';
export { deleteRefs, replacedRefs, writeItems } from './write.ts';
