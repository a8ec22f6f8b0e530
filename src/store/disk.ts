/**
 * The free-space guard. LMDB answers a full disk with a failed commit (ENOSPC) and, in lmdb-js, often
 * a native abort after it; so the store refuses writes with STORAGE_FULL while the free space of its
 * file system is below a floor, and never lets LMDB reach the end of the disk.
 *
 * Free space is read with `statfs` at least every {@link MAX_UNREAD_WRITES} writes and every
 * {@link MAX_READING_AGE_MS} (on a fast disk thousands of writes land within a timed interval, so a
 * timer alone is not enough), and before every write once it is within {@link CLOSE_FACTOR}× the
 * floor, where the store also runs writes one at a time (see `close`): `statfs` only sees a commit's
 * pages once they are written. The floor must exceed {@link MAX_UNREAD_WRITES}× the largest
 * transaction (the default 64 MiB is 16 of the HTTP body limit's 4 MiB).
 */
import { statfsSync } from 'node:fs';
import type { StorageStatus } from './api.ts';
import { StoreError } from './errors.ts';

/** Below this multiple of the floor, free space is read before every write. */
const CLOSE_FACTOR = 4;
/** Above it, a reading serves at most this many writes... */
const MAX_UNREAD_WRITES = 16;
/** ...and is at most this old. */
const MAX_READING_AGE_MS = 10;

/** Watches the free space of the file system holding `path`. */
export class DiskGuard {
  readonly #path: string;
  readonly #minFreeBytes: number;
  #freeBytes = 0;
  #readAt = Number.NEGATIVE_INFINITY;
  #writesSinceRead = Number.POSITIVE_INFINITY;

  constructor(path: string, minFreeBytes: number) {
    this.#path = path;
    this.#minFreeBytes = minFreeBytes;
  }

  /** The current status (free space read again unless the last reading is fresh enough). */
  status(): StorageStatus {
    const now = Date.now();
    if (
      this.#freeBytes < this.#minFreeBytes * CLOSE_FACTOR ||
      this.#writesSinceRead >= MAX_UNREAD_WRITES ||
      now - this.#readAt >= MAX_READING_AGE_MS
    ) {
      const stats = statfsSync(this.#path);
      this.#freeBytes = stats.bavail * stats.bsize;
      this.#readAt = now;
      this.#writesSinceRead = 0;
    }
    const freeBytes = this.#freeBytes;
    return { freeBytes, minFreeBytes: this.#minFreeBytes, full: freeBytes < this.#minFreeBytes };
  }

  /** Throws STORAGE_FULL when a write must be refused; returns whether free space is near the floor. */
  check(): { close: boolean } {
    const { freeBytes, minFreeBytes, full } = this.status();
    this.#writesSinceRead++;
    if (full) {
      throw new StoreError(
        'STORAGE_FULL',
        `the store's disk has ${freeBytes} bytes free, below the floor of ${minFreeBytes}: writes are refused until space is freed`,
        { freeBytes, minFreeBytes },
      );
    }
    return { close: freeBytes < minFreeBytes * CLOSE_FACTOR };
  }
}

/**
 * The cause of a failed lmdb-js commit. lmdb-js rejects each write of a failed commit with a generic
 * error whose `commitError` promise rejects with the cause — and, unobserved, that rejection would
 * end the process. This observes it and returns the cause (or the error itself).
 */
export async function commitFailureOf(error: unknown): Promise<unknown> {
  const commitError = (error as { commitError?: unknown } | null)?.commitError;
  if (!(commitError instanceof Promise)) return error;
  return commitError.then(
    () => error,
    (cause: unknown) => cause,
  );
}

/** True for an error of running out of disk space. */
export function isDiskFull(error: unknown): boolean {
  const { code, errno } = (error ?? {}) as { code?: unknown; errno?: unknown };
  return code === 'ENOSPC' || code === 28 || errno === 28 || errno === -28;
}
