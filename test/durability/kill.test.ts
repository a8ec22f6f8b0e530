/**
 * kill -9 during a stream of acknowledged mutations, then restart on the same directory.
 *
 * Each trial runs the real `serve` process on one data directory shared by every trial (so later
 * trials crash a store that already recovered from earlier crashes), drives addResource and
 * updateResource over HTTP with 64 in flight, records every acknowledgement, and SIGKILLs the process
 * once a random number of writes past DURABILITY_WRITES was acknowledged. A graphql-ws subscriber
 * records the events it gets before the kill. After a restart it checks that every acknowledged write
 * is in the store and its log, that the subscriber resumes from its last revision with every later
 * event exactly once, that new writes continue the revisions, and (in process, once the server is
 * stopped) that `checkIntegrity()` finds nothing.
 *
 * Size: DURABILITY_TRIALS (default 5) × DURABILITY_WRITES (default 2,000). The issue's full run is
 * `DURABILITY_TRIALS=20 DURABILITY_WRITES=10000`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openStore, type Resource, type ResourceEvent, type Store } from '../../src/store/index.ts';
import {
  type Ack,
  dropConnections,
  envInt,
  type LoadData,
  loadRef,
  record,
  revisionGaps,
  revisionOf,
  startServe,
  type Unanswered,
  WriteLoad,
} from './helpers.ts';

const TRIALS = envInt('DURABILITY_TRIALS', 5);
const WRITES = envInt('DURABILITY_WRITES', 2000);
const IN_FLIGHT = 64;
/** Writes made after each restart, to see revisions continue and the resumed subscriber go live. */
const AFTER_RESTART = 20;

/** What a resource must look like in every later trial: the state read back after its trial. */
interface Settled {
  readonly namespace: string;
  readonly name: string;
  readonly version: number;
  readonly seq: number;
}

/** Every event of the store's log after `since`, up to its current revision. */
async function readLog(store: Store, since: number): Promise<ResourceEvent[]> {
  const watch = store.watch({ since });
  const events: ResourceEvent[] = [];
  try {
    while (watch.lastRevision < store.revision) {
      const next = await watch.next();
      if (next.done) break;
      events.push(next.value);
    }
  } finally {
    await watch.return();
  }
  return events;
}

const seqOf = (resource: Resource | null) => (resource?.data as LoadData | null)?.seq;

interface TrialFigures {
  acked: number;
  found: number;
  unanswered: number;
  committedUnanswered: number;
  eventsBeforeKill: number;
  eventsResumed: number;
}

describe('kill -9 under write load', () => {
  const dir = mkdtempSync(join(tmpdir(), 'resource-store-kill-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const settled: Settled[] = [];

  async function trial(index: number): Promise<TrialFigures> {
    const namespace = `t${index}`;
    const target = WRITES + Math.floor(Math.random() * (WRITES / 4));
    const first = await startServe(dir);
    const start = await revisionOf(first.url);
    const before = record(first.url, start);
    let killedAt = -1;
    const load = new WriteLoad(first.url, namespace, {
      concurrency: IN_FLIGHT,
      onAck: (count) => {
        if (count < target || killedAt >= 0) return;
        killedAt = count;
        // A random moment after the target: lands anywhere in the commit cycle.
        setTimeout(() => first.child.kill('SIGKILL'), Math.floor(Math.random() * 4));
      },
    });
    await load.done;
    const exit = await first.exit;
    assert.equal(exit.signal, 'SIGKILL', `the server was killed (not exited): ${first.output()}`);
    await before.ended;
    await before.dispose();
    assert.deepEqual(load.wrongVersions, []);
    const acked = load.acks.length;
    assert.ok(acked >= target, `${acked} acknowledged before the kill (target ${target})`);
    // Before the kill nothing may fail but transport: a GraphQL error would be a refused write.
    const refused = load.unanswered.filter((u) => u.answered);
    assert.deepEqual(refused, [], 'only transport failures after the kill');

    // --- restart on the same directory ---------------------------------------------------------
    const second = await startServe(dir);
    const recovered = await revisionOf(second.url);
    const maxAcked = Math.max(start, ...load.acks.map((a) => a.revision));
    const maxSeen = before.lastRevision();
    assert.ok(recovered >= maxAcked, `recovered revision ${recovered} < acknowledged ${maxAcked}`);
    assert.ok(recovered >= maxSeen, `recovered revision ${recovered} < seen by the subscriber ${maxSeen}`);

    const resumed = record(second.url, maxSeen);
    await resumed.reach(recovered);
    // New writes continue the revisions, and the resumed subscriber sees them live.
    const more = new WriteLoad(second.url, `${namespace}-after`, { concurrency: 4, limit: AFTER_RESTART });
    await more.done;
    assert.deepEqual(more.unanswered, []);
    assert.deepEqual(
      more.acks.map((a) => a.revision).sort((a, b) => a - b),
      Array.from({ length: AFTER_RESTART }, (_, i) => recovered + 1 + i),
      'revisions after the restart continue from the recovered one',
    );
    const final = recovered + AFTER_RESTART;
    await resumed.reach(final);
    await resumed.dispose();
    assert.deepEqual(resumed.errors, []);

    // Idle keep-alive connections would hold up the server's stop.
    dropConnections();
    second.child.kill('SIGTERM');
    const stopped = await second.exit;
    assert.equal(stopped.code, 0, second.output());

    // --- in process: contents, log, integrity ---------------------------------------------------
    const store = await openStore({ path: dir, retention: { intervalMs: 0 } });
    try {
      assert.deepEqual(store.checkIntegrity(), []);
      assert.equal(store.revision, final);
      const log = await readLog(store, start);
      const byRevision = new Map<number, ResourceEvent>();
      for (const event of log) {
        assert.ok(!byRevision.has(event.revision), `one event per revision (${event.revision})`);
        byRevision.set(event.revision, event);
      }

      // Every acknowledged write is in the log at its revision.
      let found = 0;
      for (const ack of load.acks) {
        const event = byRevision.get(ack.revision);
        if (
          event?.resource?.ref.namespace === namespace &&
          event.resource.ref.name === ack.name &&
          event.resource.version === ack.version &&
          seqOf(event.resource) === ack.seq
        ) {
          found++;
        }
      }

      // Each resource is exactly its last acknowledged state, or the write in flight at the kill.
      const pending = new Map<string, Unanswered>(load.unanswered.map((u) => [u.name, u]));
      const last = load.lastAcks();
      const mismatches: string[] = [];
      let committedUnanswered = 0;
      for (const name of new Set([...last.keys(), ...pending.keys()])) {
        const stored = store.get(loadRef(namespace, name));
        const ack: Ack | undefined = last.get(name);
        const inFlight = pending.get(name);
        const isAck = ack && stored?.version === ack.version && seqOf(stored) === ack.seq;
        const isInFlight = inFlight && stored?.version === inFlight.version && seqOf(stored) === inFlight.seq;
        const isAbsent = !ack && stored === null;
        if (isInFlight) committedUnanswered++;
        if (!isAck && !isInFlight && !isAbsent) {
          mismatches.push(
            `${name}: stored ${stored ? `v${stored.version} seq ${seqOf(stored)}` : 'nothing'}, acknowledged ` +
              `${ack ? `v${ack.version} seq ${ack.seq}` : 'nothing'}, in flight ${inFlight ? `v${inFlight.version} seq ${inFlight.seq}` : 'nothing'}`,
          );
        }
        if (stored) settled.push({ namespace, name, version: stored.version, seq: seqOf(stored)! });
      }
      assert.deepEqual(mismatches.slice(0, 10), [], `${mismatches.length} resources not as acknowledged`);

      // The subscriber's events, before the kill and resumed, are the log exactly once each.
      const seen = [...before.events, ...resumed.events];
      const gaps = revisionGaps(
        seen.map((e) => e.revision),
        start + 1,
        final,
      );
      assert.deepEqual(gaps, { missing: 0, duplicates: 0, outside: 0, outOfOrder: 0 });
      const differing = seen.filter((e) => {
        const logged = byRevision.get(e.revision);
        return (
          logged?.type !== e.type ||
          logged.resource?.ref.name !== e.name ||
          logged.resource.ref.namespace !== e.namespace ||
          logged.resource.version !== e.version
        );
      });
      assert.deepEqual(differing.slice(0, 5), [], 'subscriber events match the log');

      // Resources of earlier trials are still exactly as they were read back then.
      const changed = settled.filter((s) => {
        const stored = store.get(loadRef(s.namespace, s.name));
        return stored?.version !== s.version || seqOf(stored) !== s.seq;
      });
      assert.deepEqual(changed.slice(0, 5), [], 'earlier trials unchanged');

      return {
        acked,
        found,
        unanswered: load.unanswered.length,
        committedUnanswered,
        eventsBeforeKill: before.events.length,
        eventsResumed: resumed.events.length,
      };
    } finally {
      await store.close();
    }
  }

  it(`should keep every acknowledged write through ${TRIALS} kills (${WRITES}+ writes each)`, {
    timeout: 120_000 + TRIALS * WRITES * 10,
  }, async (t) => {
    const totals = { acked: 0, found: 0, unanswered: 0, committedUnanswered: 0, events: 0 };
    for (let i = 0; i < TRIALS; i++) {
      const began = Date.now();
      const figures = await trial(i);
      totals.acked += figures.acked;
      totals.found += figures.found;
      totals.unanswered += figures.unanswered;
      totals.committedUnanswered += figures.committedUnanswered;
      totals.events += figures.eventsBeforeKill + figures.eventsResumed;
      t.diagnostic(
        `trial ${i + 1}/${TRIALS}: ${figures.acked} acknowledged, ${figures.found} found, ` +
          `${figures.acked - figures.found} lost; ${figures.unanswered} unanswered at the kill ` +
          `(${figures.committedUnanswered} had committed); subscriber ${figures.eventsBeforeKill} events ` +
          `before the kill + ${figures.eventsResumed} resumed, no gap or duplicate (${Date.now() - began} ms)`,
      );
      assert.equal(figures.found, figures.acked, `trial ${i + 1}: every acknowledged write is found`);
    }
    t.diagnostic(
      `kill -9: ${TRIALS} trials, ${totals.acked} writes acknowledged, ${totals.found} found, ` +
        `lost ${totals.acked - totals.found}; ${totals.unanswered} unanswered at the kills ` +
        `(${totals.committedUnanswered} committed anyway); ${totals.events} subscriber events checked ` +
        'against the log, 0 gaps, 0 duplicates; integrity clean after every restart',
    );
  });
});
