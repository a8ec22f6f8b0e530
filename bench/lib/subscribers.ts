/**
 * The fan-out load generator, run as a child process of the bench (`fork` with `--import tsx`) so
 * that its clients do not share an event loop with the server under test. It opens many websocket
 * subscribers, graphql-ws clients of one subscription or plain `ws` clients, and counts what they
 * receive. Every event carries a mark `{ r, s, t }` (round, sequence number in the round, send time
 * in epoch milliseconds); the parent drives rounds over IPC and this process reports how many events
 * of the round every client has received, then the round's deliveries and receive latencies.
 */
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

/** The mark every fan-out event carries in its resource's data. */
export interface EventMark {
  /** Round (0: a probe, sent until every client has received one). */
  readonly r: number;
  /** Sequence number within the round, from 0. */
  readonly s: number;
  /** When the event was sent: `performance.timeOrigin + performance.now()` of the sender. */
  readonly t: number;
}

/** Messages from the bench to this process. */
export type Command =
  | {
      readonly type: 'connect';
      readonly kind: 'graphql' | 'ws';
      readonly url: string;
      readonly count: number;
      readonly query?: string;
      readonly variables?: Record<string, unknown>;
    }
  | { readonly type: 'round'; readonly round: number; readonly events: number }
  | { readonly type: 'disconnect' }
  | { readonly type: 'exit' };

/** Receive latencies of one round, in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** Messages from this process to the bench. */
export type Report =
  | { readonly type: 'connected' }
  | { readonly type: 'disconnected' }
  | { readonly type: 'ready' }
  | { readonly type: 'armed'; readonly round: number }
  | { readonly type: 'progress'; readonly round: number; readonly complete: number }
  | {
      readonly type: 'done';
      readonly round: number;
      readonly deliveries: number;
      readonly latency: LatencySummary;
    }
  | { readonly type: 'failed'; readonly message: string };

/** The mark of a `resourceEvents` result (graphql-ws) or of a parsed `next` message (plain ws). */
export function markOf(result: unknown): EventMark | null {
  const payload = result as { data?: { resourceEvents?: { resource?: { data?: EventMark } } } };
  return payload.data?.resourceEvents?.resource?.data ?? null;
}

/** The `q` quantile of `values` (sorted in place). */
export function quantileOf(values: Float64Array, q: number): number {
  if (values.length === 0) return Number.NaN;
  values.sort();
  return values[Math.min(values.length - 1, Math.floor(q * values.length))]!;
}

const now = () => performance.timeOrigin + performance.now();

/** What is counted in the current round. */
class Tally {
  round = -1;
  events = 0;
  complete = 0;
  deliveries = 0;
  counts = new Uint32Array(0);
  latencies = new Float64Array(0);
  probed = new Set<number>();
  readySent = false;
  progressQueued = false;

  constructor(
    readonly clients: () => number,
    readonly send: (report: Report) => void,
  ) {}

  arm(round: number, events: number): void {
    this.round = round;
    this.events = events;
    this.complete = 0;
    this.deliveries = 0;
    this.counts = new Uint32Array(events);
    this.latencies = new Float64Array(events * this.clients());
    this.probed.clear();
    this.readySent = false;
  }

  /** Counts one event received by client `client`. */
  receive(client: number, mark: EventMark | null): void {
    if (mark === null) return;
    const receivedAt = now();
    if (mark.r === 0) {
      this.#probe(client);
      return;
    }
    if (mark.r !== this.round || mark.s >= this.events) return;
    this.latencies[this.deliveries++] = receivedAt - mark.t;
    if (++this.counts[mark.s]! !== this.clients()) return;
    this.complete++;
    if (this.complete === this.events) this.#finish();
    else if (!this.progressQueued) {
      this.progressQueued = true;
      setImmediate(() => {
        this.progressQueued = false;
        if (this.complete < this.events)
          this.send({ type: 'progress', round: this.round, complete: this.complete });
      });
    }
  }

  #probe(client: number): void {
    this.probed.add(client);
    if (!this.readySent && this.probed.size === this.clients()) {
      this.readySent = true;
      this.send({ type: 'ready' });
    }
  }

  #finish(): void {
    const latencies = this.latencies.subarray(0, this.deliveries);
    const latency = {
      count: latencies.length,
      p50: quantileOf(latencies, 0.5),
      p99: quantileOf(latencies, 0.99),
      max: latencies.length > 0 ? latencies[latencies.length - 1]! : Number.NaN,
    };
    this.send({ type: 'done', round: this.round, deliveries: this.deliveries, latency });
  }
}

/** Opens `count` graphql-ws clients, each subscribed to `query`. */
function connectGraphQL(command: Extract<Command, { type: 'connect' }>, tally: Tally): Client[] {
  const clients: Client[] = [];
  for (let i = 0; i < command.count; i++) {
    const client = createClient({ url: command.url, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
    client.subscribe(
      { query: command.query ?? '', variables: command.variables },
      {
        next: (result) => tally.receive(i, markOf(result)),
        error: (error) => tally.send({ type: 'failed', message: `subscriber ${i}: ${describe(error)}` }),
        complete: () => {},
      },
    );
    clients.push(client);
  }
  return clients;
}

/** Opens `count` plain ws clients; each parses every message like a graphql-ws client would. */
async function connectWs(command: Extract<Command, { type: 'connect' }>, tally: Tally): Promise<WebSocket[]> {
  const sockets = Array.from({ length: command.count }, (_, i) => {
    const socket = new WebSocket(command.url);
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { payload?: unknown };
      tally.receive(i, markOf(message.payload));
    });
    return socket;
  });
  await Promise.all(
    sockets.map(
      (socket) => new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject)),
    ),
  );
  return sockets;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (Array.isArray(error)) return JSON.stringify(error);
  const event = error as { code?: number; reason?: string };
  return event.code !== undefined ? `closed ${event.code} ${event.reason ?? ''}` : String(error);
}

/** Serves the bench's commands until `exit`. */
function serve(): void {
  const send = (report: Report) => process.send?.(report);
  let graphqlClients: Client[] = [];
  let sockets: WebSocket[] = [];
  const tally = new Tally(() => graphqlClients.length + sockets.length, send);
  process.on('message', (command: Command) => {
    void (async () => {
      switch (command.type) {
        case 'connect':
          if (command.kind === 'graphql') graphqlClients = connectGraphQL(command, tally);
          else sockets = await connectWs(command, tally);
          tally.arm(0, 0);
          return send({ type: 'connected' });
        case 'round':
          tally.arm(command.round, command.events);
          return send({ type: 'armed', round: command.round });
        case 'disconnect':
          await Promise.all(graphqlClients.map((client) => client.dispose()));
          for (const socket of sockets) socket.terminate();
          graphqlClients = [];
          sockets = [];
          return send({ type: 'disconnected' });
        case 'exit':
          process.disconnect();
          return;
      }
    })().catch((error: unknown) => send({ type: 'failed', message: describe(error) }));
  });
}

if (process.send) serve();
