/**
 * Event fan-out: many websocket subscribers of one subscription, events of about 2 KiB.
 *
 * The server side is `createApp` (defaults: metrics on; logging off) over a fresh store; its
 * subscribers are graphql-ws clients of one `resourceEvents` subscription selecting every field of the
 * resource, `data` included, and an event is a store write. The baseline is a plain `ws` server that
 * broadcasts one pre-serialized message of the same shape and size per event. The clients of each
 * side run in a child process of their own ({@link ../lib/subscribers.ts}) and count what they receive.
 *
 * Throughput: each side publishes a round of events as fast as its clients absorb them, with at most
 * `window` events published and not yet received by every client; deliveries/s is every client's
 * events over the round's time. The sides alternate rounds; medians. Latency: each side publishes at
 * 20% of the baseline's median event rate, every event carrying its send time (for the server, when
 * the write was issued); p99 of receive time − send time over every delivery of the round.
 */
import type { BenchCase, BenchContext } from '../lib/context.ts';
import {
  baselineSide,
  FANOUT_NAMESPACE,
  FANOUT_SUBSCRIPTION,
  type FanoutSide,
  serverSide,
} from '../lib/fanout-sides.ts';
import { median } from '../lib/measure.ts';
import type { ModeName } from '../lib/modes.ts';
import { type CaseResult, resultOf } from '../lib/report.ts';
import { SubscriberProcess } from '../lib/subscriber-process.ts';

/** Sizes of one mode. */
interface FanoutSizes {
  readonly subscribers: number;
  /** Events of one throughput round of one side. */
  readonly events: number;
  /** Events of one latency round of one side. */
  readonly latencyEvents: number;
  readonly rounds: number;
  /** Events published and not yet received by every client, at most. */
  readonly window: number;
}

const SIZES: Readonly<Record<ModeName, FanoutSizes>> = {
  full: { subscribers: 1000, events: 400, latencyEvents: 150, rounds: 5, window: 16 },
  quick: { subscribers: 1000, events: 150, latencyEvents: 60, rounds: 3, window: 16 },
  smoke: { subscribers: 5, events: 20, latencyEvents: 10, rounds: 1, window: 4 },
};

/** The share of the baseline's saturated event rate the latency rounds publish at. */
const LOAD = 0.2;

/** One side with its load generator. */
interface Contender {
  readonly side: FanoutSide;
  readonly clients: SubscriberProcess;
}

let nextRound = 1;

/** Publishes `events` events as fast as every client absorbs them; resolves to deliveries/s. */
async function saturate(contender: Contender, events: number, window: number): Promise<number> {
  const { side, clients } = contender;
  const round = nextRound++;
  await clients.arm(round, events);
  const done = clients.done(round);
  const started = performance.now();
  for (let seq = 0; seq < events; seq++) {
    while (seq - clients.complete >= window) await clients.progress();
    side.publish(round, seq);
  }
  const { deliveries } = await done;
  return (deliveries * 1000) / (performance.now() - started);
}

/** Publishes `events` events at `perSecond`; resolves to the p99 receive latency in ms. */
async function paced(contender: Contender, events: number, perSecond: number, cap: number): Promise<number> {
  const { side, clients } = contender;
  const round = nextRound++;
  await clients.arm(round, events);
  const done = clients.done(round);
  const started = performance.now();
  for (let seq = 0; seq < events; seq++) {
    const wait = started + (seq * 1000) / perSecond - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    // Only a side far slower than the pace waits here: nothing may pile up without bound.
    while (seq - clients.complete >= cap) await clients.progress();
    side.publish(round, seq);
  }
  return (await done).latency.p99;
}

/** Starts a side's load generator and waits until every client receives events. */
async function contenderOf(
  side: FanoutSide,
  kind: 'graphql' | 'ws',
  subscribers: number,
): Promise<Contender> {
  const clients = SubscriberProcess.start();
  try {
    const subscription = { query: FANOUT_SUBSCRIPTION, variables: { namespace: FANOUT_NAMESPACE } };
    await clients.connect(kind, side.url, subscribers, kind === 'graphql' ? subscription : undefined);
    await clients.probe(() => side.publish(0, 0));
  } catch (error) {
    await clients.close();
    throw error;
  }
  return { side, clients };
}

/** Runs `measure` on both contenders per round, alternating which goes first. */
async function alternate(
  rounds: number,
  contenders: { server: Contender; baseline: Contender },
  measure: (contender: Contender) => Promise<number>,
): Promise<{ server: number[]; baseline: number[] }> {
  const figures = { server: [] as number[], baseline: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? (['server', 'baseline'] as const) : (['baseline', 'server'] as const);
    for (const name of order) figures[name].push(await measure(contenders[name]));
  }
  return figures;
}

/** The throughput comparison (target ≥ 0.6) and the p99 latency at 20% load (target ≤ 3×). */
export const fanoutCase: BenchCase = {
  id: 'fanout',
  async run(context: BenchContext): Promise<CaseResult[]> {
    const sizes = SIZES[context.mode.name];
    const failures: unknown[] = [];
    const baseline = await baselineSide();
    const server = await serverSide((error) => failures.push(error));
    const opened: Contender[] = [];
    try {
      const started = await Promise.allSettled([
        contenderOf(server, 'graphql', sizes.subscribers),
        contenderOf(baseline, 'ws', sizes.subscribers),
      ]);
      for (const one of started) if (one.status === 'fulfilled') opened.push(one.value);
      for (const one of started) if (one.status === 'rejected') throw one.reason;
      const contenders = { server: opened[0]!, baseline: opened[1]! };
      context.log(`fanout: ${sizes.subscribers} subscribers per side, ~${baseline.messageBytes} B per event`);
      if (context.mode.warmup) {
        await alternate(1, contenders, (c) => saturate(c, Math.ceil(sizes.events / 4), sizes.window));
      }
      const throughput = await alternate(sizes.rounds, contenders, (c) =>
        saturate(c, sizes.events, sizes.window),
      );
      const perSecond = (LOAD * median(throughput.baseline)) / sizes.subscribers;
      context.log(`fanout: latency rounds at ${perSecond.toFixed(1)} events/s`);
      const latency = await alternate(sizes.rounds, contenders, (c) =>
        paced(c, sizes.latencyEvents, perSecond, sizes.window * 16),
      );
      if (failures.length > 0) throw failures[0];
      const size = {
        subscribers: sizes.subscribers,
        events: sizes.events,
        messageBytes: baseline.messageBytes,
      };
      return [
        resultOf(
          {
            id: 'fanout',
            name: `event fan-out to ${sizes.subscribers} websocket subscribers, ~2 KiB events`,
            unit: 'deliveries',
            target: 0.6,
            baselineIs: 'plain ws broadcast of one pre-serialized message per event',
            size,
          },
          throughput.server,
          throughput.baseline,
        ),
        resultOf(
          {
            id: 'fanout-p99',
            name: `p99 delivery latency at ${LOAD * 100}% of the baseline's rate (ms, lower is better)`,
            unit: 'ms',
            target: 3,
            baselineIs: 'the plain ws broadcast at the same event rate',
            size: { ...size, events: sizes.latencyEvents, eventsPerSecond: perSecond },
            compare: 'atMost',
          } as Parameters<typeof resultOf>[0],
          latency.server,
          latency.baseline,
        ),
      ];
    } finally {
      for (const contender of opened) await contender.clients.close();
      await server.close();
      await baseline.close();
    }
  },
};
