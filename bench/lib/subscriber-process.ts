/**
 * The bench's handle on a fan-out load generator ({@link ./subscribers.ts}) running in a child
 * process: connects its clients, arms rounds and follows how many events of the round every client
 * has received.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command, LatencySummary, Report } from './subscribers.ts';

const SCRIPT = fileURLToPath(new URL('./subscribers.ts', import.meta.url));

/** What the clients received in one round. */
export interface RoundTally {
  readonly deliveries: number;
  readonly latency: LatencySummary;
}

interface Waiter {
  readonly until: (report: Report) => boolean;
  readonly resolve: (report: Report) => void;
  readonly reject: (error: Error) => void;
}

/** A load-generator child process and the state it last reported. */
export class SubscriberProcess {
  readonly #child: ChildProcess;
  #waiters: Waiter[] = [];
  #failure: Error | null = null;
  /** Events of the armed round every client has received. */
  complete = 0;
  #events = 0;

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.on('message', (report: Report) => this.#receive(report));
    child.on('exit', (code) => this.#fail(new Error(`the subscriber process exited with ${code}`)));
  }

  /** Starts a load generator (`node --import tsx subscribers.ts`). */
  static start(): SubscriberProcess {
    const child = fork(SCRIPT, [], {
      execPath: process.execPath,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new SubscriberProcess(child);
  }

  /** Opens `count` clients; for graphql-ws, each subscribes to `query`. */
  async connect(
    kind: 'graphql' | 'ws',
    url: string,
    count: number,
    subscription?: { query: string; variables: Record<string, unknown> },
  ): Promise<void> {
    await this.#ask({ type: 'connect', kind, url, count, ...subscription }, (r) => r.type === 'connected');
  }

  /**
   * Resolves once every client has received a probe event (round 0); `probe` sends one and is
   * called every `everyMs` until then.
   */
  async probe(probe: () => void, everyMs = 50): Promise<void> {
    const ready = this.#waitFor((report) => report.type === 'ready', 60_000);
    probe();
    const timer = setInterval(probe, everyMs);
    try {
      await ready;
    } finally {
      clearInterval(timer);
    }
  }

  /** Starts counting round `round` of `events` events. */
  async arm(round: number, events: number): Promise<void> {
    this.complete = 0;
    this.#events = events;
    await this.#ask({ type: 'round', round, events }, (r) => r.type === 'armed' && r.round === round);
  }

  /** Resolves at the next progress report (or the end of the round). */
  async progress(): Promise<void> {
    await this.#waitFor((report) => report.type === 'progress' || report.type === 'done', 60_000);
  }

  /** Resolves with the tally of round `round` once every client has received every event. */
  async done(round: number, timeoutMs = 120_000): Promise<RoundTally> {
    const report = await this.#waitFor((r) => r.type === 'done' && r.round === round, timeoutMs);
    if (report.type !== 'done') throw new Error('unreachable');
    return { deliveries: report.deliveries, latency: report.latency };
  }

  /** Closes the clients and ends the process. */
  async close(): Promise<void> {
    if (this.#child.exitCode !== null || !this.#child.connected) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    await this.#ask({ type: 'disconnect' }, (r) => r.type === 'disconnected').catch(() => {});
    this.#child.send({ type: 'exit' } satisfies Command);
    const timer = setTimeout(() => this.#child.kill(), 5000);
    await exited;
    clearTimeout(timer);
  }

  #ask(command: Command, until: (report: Report) => boolean): Promise<Report> {
    const answer = this.#waitFor(until, 60_000);
    this.#child.send(command);
    return answer;
  }

  #waitFor(until: (report: Report) => boolean, timeoutMs: number): Promise<Report> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`the subscriber process did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = {
        until,
        resolve: (report) => {
          clearTimeout(timer);
          resolve(report);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.#waiters.push(waiter);
    });
  }

  #receive(report: Report): void {
    if (report.type === 'failed') {
      this.#fail(new Error(report.message));
      return;
    }
    if (report.type === 'progress') this.complete = report.complete;
    if (report.type === 'done') this.complete = this.#events;
    const matched = this.#waiters.filter((waiter) => waiter.until(report));
    this.#waiters = this.#waiters.filter((waiter) => !matched.includes(waiter));
    for (const waiter of matched) waiter.resolve(report);
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
  }
}
