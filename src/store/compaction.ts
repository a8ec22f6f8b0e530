/**
 * Change-log retention. A revision is removed once it is both older than the newest `minRevisions`
 * revisions and older than `minAgeMs`; `compactedRevision` records the newest removed one, below which
 * watchers and listing cursors can no longer resume (REVISION_COMPACTED).
 *
 * Removing a revision also removes the payloads of the states it replaced: those states are older
 * than any revision still logged and are no longer current, so nothing points at them any more.
 */

import type { RetentionOptions } from './api.ts';
import { type Databases, readCounter, type StoredLogEntry } from './db.ts';
import { commitFailureOf } from './disk.ts';
import { META, revisionKey } from './keys.ts';
import { asBuffer, decodeStoredResource, removePayload } from './records.ts';

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
    const batch = removableEntries(dbs, retention, now);
    if (batch.length === 0) return removed;
    const newest = batch.at(-1)!.revision;
    await dbs.env
      .childTransaction(() => {
        for (const entry of batch) removeEntry(dbs, entry);
        if (newest > readCounter(dbs, META.compactedRevision)) dbs.meta.put(META.compactedRevision, newest);
      })
      .catch(async (error: unknown) => {
        throw await commitFailureOf(error);
      });
    removed += batch.length;
  }
}

/** Removes a log entry and the payloads of the states its changes replaced. */
function removeEntry(dbs: Databases, entry: StoredLogEntry): void {
  for (const change of entry.resources) {
    if (change.previous === null || change.previousPayload !== null) continue;
    const previous = decodeStoredResource(dbs, change.previous);
    removePayload(dbs, asBuffer(change.ref), previous.revision);
  }
  dbs.log.remove(revisionKey(entry.revision));
}

/** The oldest entries (up to one batch) that retention allows removing. */
function removableEntries(dbs: Databases, retention: Retention, now: number): StoredLogEntry[] {
  const newestRemovable = readCounter(dbs, META.revision) - retention.minRevisions;
  const floor = readCounter(dbs, META.compactedRevision);
  if (newestRemovable <= floor) return [];
  const cutoff = now - retention.minAgeMs;
  const entries: StoredLogEntry[] = [];
  const range = dbs.log.getRange({
    start: revisionKey(floor + 1),
    end: revisionKey(newestRemovable + 1),
    limit: BATCH,
  });
  for (const { value } of range) {
    if (value.time > cutoff) break;
    entries.push(value);
  }
  return entries;
}
