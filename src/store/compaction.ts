/**
 * Change-log retention. A revision is removed once it is both older than the newest `minRevisions`
 * revisions and older than `minAgeMs`; `compactedRevision` records the newest removed one, below which
 * watchers and listing cursors can no longer resume (REVISION_COMPACTED).
 */
import { type Databases, readCounter } from './db.ts';
import { commitFailureOf } from './disk.ts';
import { META, revisionKey } from './keys.ts';
import type { RetentionOptions } from './types.ts';

/** Retention with defaults applied. */
export interface Retention {
  minRevisions: number;
  minAgeMs: number;
  intervalMs: number;
}

const BATCH = 1000;

/** Applies retention defaults: 100,000 revisions, one hour, compaction every 30 seconds. */
export function retentionOf(options: RetentionOptions = {}): Retention {
  return {
    minRevisions: Math.max(0, options.minRevisions ?? 100_000),
    minAgeMs: Math.max(0, options.minAgeMs ?? 60 * 60 * 1000),
    intervalMs: Math.max(0, options.intervalMs ?? 30_000),
  };
}

/** Removes the revisions retention no longer keeps, in batches; resolves to how many were removed. */
export async function compactLog(dbs: Databases, retention: Retention, now = Date.now()): Promise<number> {
  let removed = 0;
  for (;;) {
    const batch = removableRevisions(dbs, retention, now);
    if (batch.length === 0) return removed;
    const newest = batch.at(-1)!;
    await dbs.env
      .childTransaction(() => {
        for (const revision of batch) dbs.log.remove(revisionKey(revision));
        if (newest > readCounter(dbs, META.compactedRevision)) dbs.meta.put(META.compactedRevision, newest);
      })
      .catch(async (error: unknown) => {
        throw await commitFailureOf(error);
      });
    removed += batch.length;
  }
}

/** The oldest revisions (up to one batch) that retention allows removing. */
function removableRevisions(dbs: Databases, retention: Retention, now: number): number[] {
  const newestRemovable = readCounter(dbs, META.revision) - retention.minRevisions;
  const floor = readCounter(dbs, META.compactedRevision);
  if (newestRemovable <= floor) return [];
  const cutoff = now - retention.minAgeMs;
  const revisions: number[] = [];
  const range = dbs.log.getRange({
    start: revisionKey(floor + 1),
    end: revisionKey(newestRemovable + 1),
    limit: BATCH,
  });
  for (const { value } of range) {
    if (value.time > cutoff) break;
    revisions.push(value.revision);
  }
  return revisions;
}
