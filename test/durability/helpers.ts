/**
 * Fixtures for the durability tests: the real `serve` process, a GraphQL-over-HTTP client that tells
 * answers from transport failures, a write load whose every acknowledgement is recorded, and a
 * subscriber that records every event it receives.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const ROOT = new URL('../../', import.meta.url).pathname;

/** An integer from the environment, or `fallback` when unset. */
export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

/** Servers still running, killed when the test process exits (a failed test leaves none behind). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A `resource-store serve` process. */
export interface ServeProcess {
  readonly child: ChildProcess;
  /** The GraphQL endpoint, `http://127.0.0.1:PORT/graphql`. */
  readonly url: string;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `node --import tsx src/cli.ts serve --data DIR --port 0` and waits for it to print its URL.
 * The process is SIGKILLed when the test process exits if it is still running.
 */
export async function startServe(dir: string): Promise<ServeProcess> {
  const child = spawn(
    process.execPath,
    // Request logs would interleave with the lines the tests read, and cost time under load.
    ['--import', 'tsx', 'src/cli.ts', 'serve', '--data', dir, '--port', '0', '--log-level', 'warn'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk;
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  running.add(child);
  child.once('exit', () => running.delete(child));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL within 30 s: ${output}`)), 30_000);
    child.stdout?.on('data', () => {
      const match = /serving (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    void exit.then(() => {
      clearTimeout(timer);
      reject(new Error(`serve exited before printing its URL: ${output}`));
    });
  });
  return { child, url, output: () => output, exit };
}

/** A GraphQL error as it arrives over the wire. */
export interface WireError {
  message: string;
  extensions?: Record<string, unknown>;
}

/** What became of one request: an answer with data, an answer with errors, or no answer at all. */
export type Outcome<T> =
  | { kind: 'data'; data: T }
  | { kind: 'errors'; status: number; errors: WireError[] }
  | { kind: 'transport'; code: string; message: string };

/** Keep-alive connections for every request, as a long-lived client keeps them. */
let agent = new Agent({ keepAlive: true });

/** Closes the client's idle keep-alive connections (a server waits for them when it stops). */
export function dropConnections(): void {
  agent.destroy();
  agent = new Agent({ keepAlive: true });
}

/**
 * POSTs an operation over a keep-alive connection. Transport failures — refused, reset, cut in the
 * middle of the answer — are an outcome (with their errno code), not a throw.
 */
export function post<T>(url: string, query: string, variables?: object): Promise<Outcome<T>> {
  const body = JSON.stringify({ query, variables });
  return new Promise((resolve) => {
    const transport = (error: NodeJS.ErrnoException) =>
      resolve({ kind: 'transport', code: error.code ?? 'UNKNOWN', message: error.message });
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', transport);
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          let answer: { data?: T | null; errors?: WireError[] };
          try {
            answer = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            transport(Object.assign(new Error(`HTTP ${status}: not JSON`), { code: 'BAD_BODY' }));
            return;
          }
          if (answer.errors?.length) resolve({ kind: 'errors', status, errors: answer.errors });
          else if (status !== 200 || answer.data === undefined || answer.data === null) {
            resolve({ kind: 'errors', status, errors: [{ message: JSON.stringify(answer) }] });
          } else resolve({ kind: 'data', data: answer.data });
        });
      },
    );
    req.on('error', transport);
    req.end(body);
  });
}

/** POSTs an operation and returns its data, throwing on anything else. */
export async function query<T>(url: string, document: string, variables?: object): Promise<T> {
  const outcome = await post<T>(url, document, variables);
  if (outcome.kind !== 'data') throw new Error(`request failed: ${JSON.stringify(outcome)}`);
  return outcome.data;
}

/** The store's current revision, read over GraphQL. */
export async function revisionOf(url: string): Promise<number> {
  return Number((await query<{ revision: string }>(url, '{ revision }')).revision);
}

const ADD = `mutation Add($input: ResourceInput!) {
  addResource(input: $input) { version revision }
}`;
const UPDATE = `mutation Update($expectedVersion: Int!, $input: ResourceInput!) {
  updateResource(expectedVersion: $expectedVersion, input: $input) { version revision }
}`;

/** A ref in the load's namespace. */
export const loadRef = (namespace: string, name: string) => ({ version: 'v1', kind: 'Pod', namespace, name });

/** The data every load write carries: `seq` identifies the write. */
export interface LoadData {
  seq: number;
  worker: number;
  pad: string;
}

/** One acknowledged write. */
export interface Ack {
  readonly name: string;
  readonly version: number;
  readonly revision: number;
  readonly seq: number;
}

/** A write sent and never answered (or answered with an error): its outcome is unknown until read back. */
export interface Unanswered {
  readonly name: string;
  /** The version it would give the resource. */
  readonly version: number;
  readonly seq: number;
  /** Transport code (ECONNREFUSED, UND_ERR_SOCKET, ...) or GraphQL error code. */
  readonly reason: string;
  /** True when the server answered with a GraphQL error (the write was refused, not lost in transit). */
  readonly answered: boolean;
}

/**
 * A write load: `concurrency` workers, each owning its resources (`w<N>-<k>` in `namespace`) and
 * keeping one mutation in flight — an addResource of a new resource or an updateResource at the
 * version it last got back. Every acknowledgement is recorded; a worker stops at its first failure,
 * recording the unanswered write.
 */
export class WriteLoad {
  readonly acks: Ack[] = [];
  readonly unanswered: Unanswered[] = [];
  /** Acknowledgements whose version was not the one the write had to give. */
  readonly wrongVersions: string[] = [];
  readonly #url: string;
  readonly #namespace: string;
  readonly #onAck: (count: number) => void;
  #stopped = false;
  #seq = 0;
  readonly done: Promise<void>;

  constructor(
    url: string,
    namespace: string,
    options: { concurrency: number; onAck?: (count: number) => void; limit?: number },
  ) {
    this.#url = url;
    this.#namespace = namespace;
    this.#onAck = options.onAck ?? (() => {});
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    this.done = Promise.all(
      Array.from({ length: options.concurrency }, (_, worker) => this.#work(worker, limit)),
    ).then(() => {});
  }

  /** Workers send nothing more once their current request is answered. */
  stop(): void {
    this.#stopped = true;
  }

  /** The last acknowledged write of each resource. */
  lastAcks(): Map<string, Ack> {
    const last = new Map<string, Ack>();
    for (const ack of this.acks) {
      const previous = last.get(ack.name);
      if (!previous || previous.version < ack.version) last.set(ack.name, ack);
    }
    return last;
  }

  async #work(worker: number, limit: number): Promise<void> {
    const versions: number[] = [];
    while (!this.#stopped && this.#seq < limit) {
      const seq = ++this.#seq;
      const index = versions.length === 0 || Math.random() < 0.2 ? versions.length : randomIndex(versions);
      const name = `w${worker}-${index}`;
      const current = versions[index];
      const input = {
        ref: loadRef(this.#namespace, name),
        labels: { worker: String(worker) },
        data: { seq, worker, pad: 'x'.repeat(64) } satisfies LoadData,
      };
      const expected = (current ?? 0) + 1;
      const outcome =
        current === undefined
          ? await post<{ addResource: { version: number; revision: string } }>(this.#url, ADD, { input })
          : await post<{ updateResource: { version: number; revision: string } }>(this.#url, UPDATE, {
              expectedVersion: current,
              input,
            });
      if (outcome.kind !== 'data') {
        const reason =
          outcome.kind === 'transport'
            ? outcome.code
            : String(outcome.errors[0]?.extensions?.code ?? `HTTP ${outcome.status}`);
        this.unanswered.push({ name, version: expected, seq, reason, answered: outcome.kind === 'errors' });
        return;
      }
      const written = 'addResource' in outcome.data ? outcome.data.addResource : outcome.data.updateResource;
      if (written.version !== expected) {
        this.wrongVersions.push(`${name}: wrote version ${written.version}, expected ${expected}`);
      }
      versions[index] = written.version;
      this.acks.push({ name, version: written.version, revision: Number(written.revision), seq });
      this.#onAck(this.acks.length);
    }
  }
}

function randomIndex(list: readonly unknown[]): number {
  return Math.floor(Math.random() * list.length);
}

/** One resource event as a subscriber records it. */
export interface SeenEvent {
  readonly type: string;
  readonly revision: number;
  readonly namespace: string;
  readonly name: string;
  readonly version: number;
  readonly data: unknown;
}

const EVENTS = `subscription Events($since: Revision, $namespace: String) {
  resourceEvents(since: $since, namespace: $namespace) {
    type revision resource { ref { namespace name } version data }
  }
}`;

interface WireEvent {
  resourceEvents: {
    type: string;
    revision: string;
    resource: { ref: { namespace: string; name: string }; version: number; data: unknown } | null;
  };
}

/** A graphql-ws subscriber to `resourceEvents` that records every event it receives. */
export interface Recorder {
  readonly events: SeenEvent[];
  /** Errors the subscription ended with (a dropped socket, a GraphQL error), in arrival order. */
  readonly errors: string[];
  /** Resolves once the subscription ended (completed or failed). */
  readonly ended: Promise<void>;
  /** The revision of the last event received, or `since` when none arrived. */
  lastRevision(): number;
  /** Resolves once an event at `revision` or later arrived; rejects after `timeoutMs`. */
  reach(revision: number, timeoutMs?: number): Promise<void>;
  dispose(): Promise<void>;
}

/** Subscribes to `resourceEvents(since, namespace)` over a websocket at `url` (http URL of the server). */
export function record(url: string, since: number, namespace?: string): Recorder {
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
  });
  const events: SeenEvent[] = [];
  const errors: string[] = [];
  let notify = () => {};
  let finish = () => {};
  const ended = new Promise<void>((resolve) => {
    finish = resolve;
  });
  client.subscribe<WireEvent['resourceEvents']>(
    { query: EVENTS, variables: { since: String(since), namespace } },
    {
      next: (result) => {
        if (result.errors) errors.push(JSON.stringify(result.errors));
        const event = (result.data as WireEvent | undefined)?.resourceEvents;
        if (event?.resource) {
          events.push({
            type: event.type,
            revision: Number(event.revision),
            namespace: event.resource.ref.namespace,
            name: event.resource.ref.name,
            version: event.resource.version,
            data: event.resource.data,
          });
        }
        notify();
      },
      error: (error) => {
        errors.push(error instanceof Error ? error.message : describeClose(error));
        finish();
        notify();
      },
      complete: () => {
        finish();
        notify();
      },
    },
  );
  const lastRevision = () => events.at(-1)?.revision ?? since;
  return {
    events,
    errors,
    ended,
    lastRevision,
    async reach(revision, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (lastRevision() < revision) {
        if (Date.now() > deadline) {
          throw new Error(`subscriber at revision ${lastRevision()} of ${revision} after ${timeoutMs} ms`);
        }
        await new Promise<void>((resolve) => {
          notify = resolve;
          setTimeout(resolve, 50);
        });
      }
    },
    async dispose() {
      await client.dispose();
    },
  };
}

function describeClose(error: unknown): string {
  if (Array.isArray(error)) return JSON.stringify(error);
  const close = error as { code?: number; reason?: string };
  if (typeof close?.code === 'number') return `socket closed ${close.code} ${close.reason ?? ''}`.trim();
  return String(error);
}

/**
 * How a list of event revisions differs from exactly `first, first + 1, ..., last` once each, in
 * order: revisions missing, repeated, out of the range, or out of order.
 */
export function revisionGaps(revisions: readonly number[], first: number, last: number) {
  const counts = new Map<number, number>();
  for (const revision of revisions) counts.set(revision, (counts.get(revision) ?? 0) + 1);
  let missing = 0;
  for (let revision = first; revision <= last; revision++) if (!counts.has(revision)) missing++;
  const duplicates = [...counts.values()].filter((count) => count > 1).length;
  const outside = revisions.filter((revision) => revision < first || revision > last).length;
  const outOfOrder = revisions.filter((revision, i) => i > 0 && revision <= revisions[i - 1]!).length;
  return { missing, duplicates, outside, outOfOrder };
}
