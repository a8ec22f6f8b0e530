/**
 * The free-space guard. LMDB answers a full disk with a failed commit (ENOSPC) and, in lmdb-js, often
 * a native abort after it; so the store refuses writes with STORAGE_FULL while the free space of its
 * file system is below a floor, and never lets LMDB reach the end of the disk.
 *
 * Free space is read with `statfs` before every write (about 2 µs: a write costs a hundred times
 * more, and on a fast disk thousands of writes can land between two timed readings). Within
 * {@link CLOSE_FACTOR}× the floor the store also runs writes one at a time (see `close`), since
 * `statfs` only sees a commit's pages once they are written. The floor must exceed the largest
 * transaction.
 */
import { statfsSync } from 'node:fs';
import { StoreError } from './errors.ts';
import type { StorageStatus } from './types.ts';

/** Below this multiple of the floor, free space is read before every write. */
const CLOSE_FACTOR = 4;

/** Watches the free space of the file system holding `path`. */
export class DiskGuard {
  readonly #path: string;
  readonly #minFreeBytes: number;

  constructor(path: string, minFreeBytes: number) {
    this.#path = path;
    this.#minFreeBytes = minFreeBytes;
  }

  /** The current status. */
  status(): StorageStatus {
    const stats = statfsSync(this.#path);
    const freeBytes = stats.bavail * stats.bsize;
    return { freeBytes, minFreeBytes: this.#minFreeBytes, full: freeBytes < this.#minFreeBytes };
  }

  /** Throws STORAGE_FULL when a write must be refused; returns whether free space is near the floor. */
  check(): { close: boolean } {
    const { freeBytes, minFreeBytes, full } = this.status();
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
