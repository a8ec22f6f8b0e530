/**
 * The real `resource-store serve` in a child process, for figures that belong to a serving process
 * alone (its resident memory), not to the bench process that also holds fixtures and baselines.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Resident memory of a process, in MiB: all of it, its anonymous part, and mapped files. */
export interface Resident {
  readonly rssMiB: number;
  /** The largest `rssMiB` so far (VmHWM). */
  readonly peakMiB: number;
  readonly anonMiB: number;
  readonly fileMiB: number;
}

/** Reads `/proc/<pid>/status` (Linux); null where it is not there. */
export function residentOf(pid: number): Resident | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return {
    rssMiB: kib('VmRSS') / 1024,
    peakMiB: kib('VmHWM') / 1024,
    anonMiB: kib('RssAnon') / 1024,
    fileMiB: kib('RssFile') / 1024,
  };
}

/** A running `serve` child. */
export interface ServeProcess {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Starts `resource-store serve --data DIR --port 0` and resolves once it prints its URL. */
export async function startServeProcess(dir: string): Promise<ServeProcess> {
  const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', cli, 'serve', '--data', dir, '--port', '0'],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_ENV: 'production' } },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /serving (http:\/\/\S+)/.exec(seen);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`serve exited ${code} before listening: ${seen}`)));
  });
  child.stdout!.resume();
  return {
    url,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
