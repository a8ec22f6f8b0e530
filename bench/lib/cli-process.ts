/**
 * The real `resource-store` command in a child process, its peak resident memory sampled: for
 * figures that belong to one command alone (an import, an export), not to the process that runs it.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { residentOf } from './serve-process.ts';

/** What a sampled run of the CLI did. */
export interface SampledRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The largest resident memory seen (VmHWM), in MiB; 0 where `/proc` is not there. */
  readonly peakMiB: number;
  /** The largest anonymous part of it seen (RssAnon: the heap, not mapped files), in MiB. */
  readonly peakAnonMiB: number;
  readonly seconds: number;
}

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
/** How often `/proc/<pid>/status` is read. */
const SAMPLE_MS = 50;

/**
 * Runs `resource-store ARGS...` (through tsx, with NODE_ENV=production) to its end, sampling its peak
 * resident memory meanwhile; standard output and error are collected.
 */
export function runCliSampled(args: readonly string[]): Promise<SampledRun> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  let peakMiB = 0;
  let peakAnonMiB = 0;
  const sample = () => {
    const resident = child.pid === undefined ? null : residentOf(child.pid);
    peakMiB = Math.max(peakMiB, resident?.peakMiB ?? 0);
    peakAnonMiB = Math.max(peakAnonMiB, resident?.anonMiB ?? 0);
  };
  const timer = setInterval(sample, SAMPLE_MS);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
  return new Promise((resolve, reject) => {
    child.once('error', (error) => {
      clearInterval(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearInterval(timer);
      resolve({
        code: code ?? 1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        peakMiB,
        peakAnonMiB,
        seconds: (performance.now() - started) / 1000,
      });
    });
  });
}

/** Runs the CLI like {@link runCliSampled}; rejects naming the command when it exits non-zero. */
export async function runCliChecked(args: readonly string[]): Promise<SampledRun> {
  const run = await runCliSampled(args);
  if (run.code !== 0) {
    throw new Error(`resource-store ${args.join(' ')} exited ${run.code}: ${run.stderr.slice(-2000)}`);
  }
  return run;
}
