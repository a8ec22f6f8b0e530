/**
 * One writer per store. A process that opens a store for writing holds `writer.lock` in its
 * directory: a file created exclusively, naming the process (pid, command, since when). A second
 * writer — another `serve`, an `import` — fails at once with STORE_LOCKED naming the holder, and
 * changes nothing. A lock whose process is gone (killed with SIGKILL, say) is stale: the next writer
 * removes it and takes its place. Readers (`export`, `openStore({ readOnly: true })`) take no lock:
 * LMDB lets any number of processes read beside one writer, each reading committed snapshots.
 *
 * The lock is advisory and local: processes on one machine that open the store through this module.
 */
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from './errors.ts';

const LOCK_FILE = 'writer.lock';

/** What a lock file says of its holder. */
interface Holder {
  readonly pid: number;
  readonly command: string;
  readonly since: string;
}

/** A held writer lock; `release()` removes it (once). */
export interface WriterLock {
  release(): void;
}

/** Takes the writer lock of the store at `path`; STORE_LOCKED while another live process holds it. */
export function lockWriter(path: string): WriterLock {
  const file = join(path, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    const taken = tryCreate(file);
    if (taken) return taken;
    const holder = readHolder(file);
    if (holder && isAlive(holder.pid)) {
      throw new StoreError(
        'STORE_LOCKED',
        `the store at ${path} is being written by process ${holder.pid} (${holder.command}, since ${holder.since}); one process writes a store at a time`,
      );
    }
    removeStale(file);
  }
  throw new StoreError('STORE_LOCKED', `the writer lock of the store at ${path} could not be taken`);
}

/**
 * Creates the lock file, or returns null when it exists. It is written under a name of its own and
 * then linked into place, so a lock file is never seen without its holder.
 */
function tryCreate(file: string): WriterLock | null {
  const holder: Holder = {
    pid: process.pid,
    command: process.argv.slice(1).join(' ').slice(0, 300),
    since: new Date().toISOString(),
  };
  const draft = `${file}.${process.pid}.${Date.now()}`;
  writeFileSync(draft, `${JSON.stringify(holder)}\n`);
  try {
    linkSync(draft, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw error;
  } finally {
    unlinkSync(draft);
  }
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      if (readHolder(file)?.pid === process.pid) removeStale(file);
    },
  };
}

/** The holder a lock file names, or null when it is gone or damaged. */
function readHolder(file: string): Holder | null {
  try {
    const holder = JSON.parse(readFileSync(file, 'utf8')) as Partial<Holder>;
    return typeof holder.pid === 'number' ? (holder as Holder) : null;
  } catch {
    return null;
  }
}

/** Whether a process with this pid exists (this process's own lock counts as held). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function removeStale(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
