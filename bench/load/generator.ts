/**
 * The load generator, run in its own process (`worker.ts`): the bench sends it a job (a URL, a
 * number of connections, a duration and a scenario) and gets back the requests done, their rate
 * and their latency percentiles, measured by autocannon.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Scenario } from './scenarios.ts';

/** One run of load against one endpoint. */
export interface LoadJob {
  readonly url: string;
  /** Connections kept open, each with one request in flight. */
  readonly connections: number;
  readonly durationMs: number;
  readonly scenario: Scenario;
  readonly headers?: Readonly<Record<string, string>>;
}

/** What a job measured. */
export interface LoadResult {
  readonly requests: number;
  readonly seconds: number;
  /** Requests per second. */
  readonly rate: number;
  /** Latency percentiles of the answers, in milliseconds. */
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number };
  /** Answers that were not a 200 without errors, connection errors and timeouts. */
  readonly failures: number;
  readonly firstFailure: string | null;
}

/** A result as a bench sample: its rate and p99 latency. */
export function toSample(result: LoadResult): { rate: number; p99Ms: number } {
  return { rate: result.rate, p99Ms: result.latencyMs.p99 };
}

type Reply = { id: number; result?: LoadResult; error?: string } | { ready: true };

/** A load-generator process; `close()` it when done. */
export class LoadGenerator {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, (reply: Reply) => void>();
  #nextId = 0;

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.on('message', (reply: Reply) => {
      if ('id' in reply) {
        this.#pending.get(reply.id)?.(reply);
        this.#pending.delete(reply.id);
      }
    });
    child.on('exit', (code) => {
      for (const settle of this.#pending.values()) settle({ id: -1, error: `load generator exited ${code}` });
      this.#pending.clear();
    });
  }

  /** Starts the process and waits until it is ready for jobs. */
  static async start(): Promise<LoadGenerator> {
    const worker = fileURLToPath(new URL('./worker.ts', import.meta.url));
    const child = fork(worker, [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`load generator exited ${code} before it was ready`)));
    });
    return new LoadGenerator(child);
  }

  /** Runs one job; rejects when the job fails or any answer was a failure. */
  async run(job: LoadJob): Promise<LoadResult> {
    const id = this.#nextId++;
    const reply = await new Promise<Reply>((resolve) => {
      this.#pending.set(id, resolve);
      this.#child.send({ id, job });
    });
    if (!('id' in reply) || reply.error !== undefined || reply.result === undefined) {
      throw new Error(`load job failed: ${'error' in reply ? reply.error : 'no result'}`);
    }
    const { result } = reply;
    if (result.failures > 0) {
      throw new Error(
        `${result.failures} of ${result.requests} requests failed, first: ${result.firstFailure}`,
      );
    }
    if (result.requests === 0) throw new Error(`no request to ${job.url} was answered`);
    return result;
  }

  /** Ends the process. */
  async close(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.kill();
    await exited;
  }
}
