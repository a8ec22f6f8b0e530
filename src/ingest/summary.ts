/**
 * What an import reports, whatever it reads: progress after each committed batch, and the summary
 * of the whole import, counted from the batches' transaction results.
 */
import type { LoadBatch, LoadResult, ResourceRef } from '../store/index.ts';

/** An owner reference whose owner uid is not known. */
export interface DanglingOwner {
  readonly dependent: ResourceRef;
  /** The ref the edge points to, built from the reference itself. */
  readonly owner: ResourceRef;
  readonly uid: string;
}

/** Progress after a batch. */
export interface ImportProgress {
  readonly objects: number;
  readonly totalObjects: number;
  readonly relationships: number;
  readonly revision: number;
}

/** What an import did. */
export interface ImportSummary {
  /** Objects in the dump, and how many of them were created or changed. */
  objects: number;
  changedObjects: number;
  /** Stored objects deleted first because the dump has them under a new uid. */
  replacedObjects: number;
  /** Objects by kind, written `Kind` for the core group and `Kind.group` otherwise (`Deployment.apps`). */
  objectsByKind: Record<string, number>;
  /** Relationships derived, and how many of them were new or had new data. */
  relationships: number;
  changedRelationships: number;
  relationshipsByPredicate: Record<string, number>;
  /** Owner references whose owner is neither in the dump nor in the store (still linked). */
  danglingOwnerReferences: DanglingOwner[];
  /** Labels and annotations left out of resources (they remain in `data`). */
  warnings: string[];
  /** The store's revision after the import. */
  revision: number;
}

/** A summary with nothing imported yet. */
export function emptySummary(dangling: DanglingOwner[], warnings: string[], revision: number): ImportSummary {
  return {
    objects: 0,
    changedObjects: 0,
    replacedObjects: 0,
    objectsByKind: {},
    relationships: 0,
    changedRelationships: 0,
    relationshipsByPredicate: {},
    danglingOwnerReferences: dangling,
    warnings,
    revision,
  };
}

/** Adds a committed batch's counts to `summary`. */
export function countBatch(summary: ImportSummary, batch: LoadBatch, result: LoadResult): void {
  for (const { ref } of batch.resources ?? []) {
    const kind = ref.group ? `${ref.kind}.${ref.group}` : ref.kind;
    summary.objectsByKind[kind] = (summary.objectsByKind[kind] ?? 0) + 1;
  }
  for (const { predicate } of batch.relationships ?? []) countRelationship(summary, predicate.type);
  summary.objects += batch.resources?.length ?? 0;
  summary.changedObjects += result.changedResources;
  summary.changedRelationships += result.changedRelationships;
  summary.revision = result.revision;
}

function countRelationship(summary: ImportSummary, type: string): void {
  summary.relationships++;
  summary.relationshipsByPredicate[type] = (summary.relationshipsByPredicate[type] ?? 0) + 1;
}
