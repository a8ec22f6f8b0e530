/**
 * Shared subscriptions: identical live subscriptions (same query, variables and principal) share one
 * store watch and one execution per event; every subscriber still gets every event after it joined,
 * in order; one that falls behind is ended alone; the watch ends with the last subscriber.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openStore, type Store, type Watch } from '../../src/store/index.ts';
import {
  eventually,
  instrument,
  podRef,
  type Subscription,
  startServer,
  subscribe,
  type TestServer,
} from '../schema/helpers.ts';

const EVENTS = `subscription Events($namespace: String) {
  resourceEvents(namespace: $namespace) { type revision resource { ref { name } data } }
}`;

interface Event {
  resourceEvents: { type: string; revision: string; resource: { ref: { name: string } } | null };
}

/** Store watches opened and still open, and events pulled from them (one execution each). */
interface WatchCounts {
  opened: number;
  open: number;
  pulled: number;
  /** While set, watches deliver nothing (events wait in the store's queue). */
  paused: Promise<void> | null;
}

/** `store` with its resource watches counted. */
function counting(store: Store): { store: Store; counts: WatchCounts } {
  const counts: WatchCounts = { opened: 0, open: 0, pulled: 0, paused: null };
  const counted = instrument(store, {
    watch: (options) => {
      const real = store.watch(options);
      counts.opened++;
      counts.open++;
      let ended = false;
      const end = () => {
        if (!ended) counts.open--;
        ended = true;
      };
      const watch: Watch<never> = Object.create(real, {
        lastRevision: { get: () => real.lastRevision },
        next: {
          value: async () => {
            await counts.paused;
            const result = await real.next();
            if (result.done) end();
            else counts.pulled++;
            return result;
          },
        },
        return: {
          value: () => {
            end();
            return real.return();
          },
        },
      }) as Watch<never>;
      return watch;
    },
  });
  return { store: counted, counts };
}

/** Revisions received so far by a subscription. */
async function revisions(events: Subscription<Event>, count: number): Promise<number[]> {
  const received: number[] = [];
  for (let i = 0; i < count; i++) {
    const result = await events.next();
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    received.push(Number(result.data?.resourceEvents.revision));
  }
  return received;
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

/**
 * Resolves once every subscription has joined (a subscribe has no acknowledgement: a probe is written
 * until each receives one) and has read every event up to a last probe.
 */
async function joinAll(store: Store, subscriptions: Subscription<Event>[], namespace: string): Promise<void> {
  let n = 0;
  const probe = () => store.apply({ ref: podRef('probe', namespace), data: { n: n++ } });
  for (const events of subscriptions) {
    for (;;) {
      await probe();
      const received = await events.next(100).catch(() => null);
      if (received) break;
    }
  }
  await probe();
  const mark = store.revision;
  for (const events of subscriptions) {
    while (Number((await events.next()).data?.resourceEvents.revision) < mark) {}
  }
}

describe('shared subscriptions', () => {
  let server: TestServer;
  let counts: WatchCounts;
  let base: Store;
  before(async () => {
    base = await openStore({ inMemory: true });
    const instrumented = counting(base);
    counts = instrumented.counts;
    server = await startServer({ store: instrumented.store });
  });
  after(async () => {
    await server.close();
    await base.close();
  });

  it('should deliver every event in order to identical subscribers, executing each event once', async () => {
    const opened = counts.opened;
    const subscribers = Array.from({ length: 5 }, () =>
      subscribe<Event, unknown>(server.connect(), EVENTS, { namespace: 'same' }),
    );
    await joinAll(base, subscribers, 'same');
    const pulled = counts.pulled;
    const from = base.revision + 1;
    for (let i = 0; i < 10; i++) await base.add({ ref: podRef(`pod-${i}`, 'same') });
    for (const events of subscribers) assert.deepEqual(await revisions(events, 10), range(from, 10));
    assert.equal(counts.opened, opened + 1, 'one store watch for five subscribers');
    assert.equal(counts.pulled - pulled, 10, 'each event pulled and executed once');
    for (const events of subscribers) events.stop();
    await eventually(() => counts.open === 0);
  });

  it('should not share between different variables', async () => {
    const opened = counts.opened;
    const a = subscribe<Event, unknown>(server.connect(), EVENTS, { namespace: 'a' });
    const b = subscribe<Event, unknown>(server.connect(), EVENTS, { namespace: 'b' });
    await eventually(() => counts.opened === opened + 2);
    await base.add({ ref: podRef('in-a', 'a') });
    await base.add({ ref: podRef('in-b', 'b') });
    assert.equal((await a.next()).data?.resourceEvents.resource?.ref.name, 'in-a');
    assert.equal((await b.next()).data?.resourceEvents.resource?.ref.name, 'in-b');
    a.stop();
    b.stop();
    await eventually(() => counts.open === 0);
  });

  it('should send a late joiner only events after it joined, without a gap', async () => {
    const early = subscribe<Event, unknown>(server.connect(), EVENTS, { namespace: 'late' });
    await eventually(() => counts.open === 1);
    const start = base.revision;
    // Events the shared source has not yet delivered when the late subscriber joins.
    let resume = () => {};
    counts.paused = new Promise((resolve) => {
      resume = resolve;
    });
    for (let i = 0; i < 20; i++) await base.add({ ref: podRef(`before-${i}`, 'late') });
    const joinedAfter = base.revision;
    const late = subscribe<Event, unknown>(server.connect(), EVENTS, { namespace: 'late' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    counts.paused = null;
    resume();
    let written = 0;
    const first = (async () => (await revisions(late, 1))[0]!)();
    let got: number | undefined;
    void first.then((revision) => {
      got = revision;
    });
    while (got === undefined) {
      await base.add({ ref: podRef(`after-${written++}`, 'late') });
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.ok(got > joinedAfter, `first event ${got} is after the join (${joinedAfter})`);
    const rest = await revisions(late, base.revision - got);
    assert.deepEqual([got, ...rest], range(got, base.revision - got + 1), 'gapless from the first');
    const all = base.revision - start;
    assert.deepEqual(await revisions(early, all), range(start + 1, all), 'the early one got everything');
    early.stop();
    late.stop();
    await eventually(() => counts.open === 0);
  });

  it('should end the shared watch when its last subscriber leaves, and start a new one after', async () => {
    const opened = counts.opened;
    const clients = [server.connect(), server.connect()];
    const subscriptions = clients.map((client) =>
      subscribe<Event, unknown>(client, EVENTS, { namespace: 'teardown' }),
    );
    await joinAll(base, subscriptions, 'teardown');
    assert.equal(counts.opened, opened + 1);
    subscriptions[0]!.stop();
    await base.add({ ref: podRef('still', 'teardown') });
    assert.equal((await subscriptions[1]!.next()).data?.resourceEvents.resource?.ref.name, 'still');
    assert.equal(counts.open, 1, 'the other subscriber keeps the watch');
    await clients[1]!.dispose();
    await eventually(() => counts.open === 0);
    const again = subscribe<Event, unknown>(server.connect(), EVENTS, { namespace: 'teardown' });
    await eventually(() => counts.opened === opened + 2 && counts.open === 1);
    await base.add({ ref: podRef('again', 'teardown') });
    assert.equal((await again.next()).data?.resourceEvents.resource?.ref.name, 'again');
    again.stop();
    await eventually(() => counts.open === 0);
  });
});
