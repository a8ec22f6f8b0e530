/**
 * Concurrent updaters on one resource over GraphQL: CONTENTION_CLIENTS (default 50) clients each run
 * CONTENTION_ROUNDS (default 100) rounds of "read the version, updateResource at that version". Every
 * version must be won by exactly one client, the final version must be the start plus the successes,
 * and every success must be in the event stream at its version, in order (no lost update).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  dropConnections,
  envInt,
  post,
  query,
  record,
  revisionGaps,
  type ServeProcess,
  startServe,
} from './helpers.ts';

const CLIENTS = envInt('CONTENTION_CLIENTS', 50);
const ROUNDS = envInt('CONTENTION_ROUNDS', 100);

const REF = { version: 'v1', kind: 'ConfigMap', namespace: 'contended', name: 'counter' };
const GET = `query Get($ref: ResourceRefInput!) { resource(ref: $ref) { version data } }`;
const ADD = `mutation Add($input: ResourceInput!) { addResource(input: $input) { version revision } }`;
const UPDATE = `mutation Update($expectedVersion: Int!, $input: ResourceInput!) {
  updateResource(expectedVersion: $expectedVersion, input: $input) { version revision data }
}`;

interface Win {
  readonly client: number;
  readonly round: number;
  readonly read: number;
  readonly version: number;
  readonly revision: number;
}

describe('concurrent updaters on one resource', () => {
  // The real server in its own process: clients and server each get a core.
  const dir = mkdtempSync(join(tmpdir(), 'resource-store-contention-'));
  let server: ServeProcess;
  before(async () => {
    server = await startServe(dir);
  });
  after(async () => {
    dropConnections();
    server.child.kill('SIGTERM');
    await server.exit;
    rmSync(dir, { recursive: true, force: true });
  });

  it(`should let exactly one of ${CLIENTS} clients win each version over ${ROUNDS} rounds`, {
    timeout: 60_000 + CLIENTS * ROUNDS * 20,
  }, async (t) => {
    const began = Date.now();
    const { url } = server;
    const { addResource: created } = await query<{ addResource: { version: number; revision: string } }>(
      url,
      ADD,
      { input: { ref: REF, data: { client: -1, round: -1 } } },
    );
    const start = created.version;
    const events = record(url, Number(created.revision), REF.namespace);

    const wins: Win[] = [];
    const conflicts: { read: number; current: unknown }[] = [];
    const failures: string[] = [];
    async function client(id: number): Promise<void> {
      for (let round = 0; round < ROUNDS; round++) {
        const { resource } = await query<{ resource: { version: number } }>(url, GET, { ref: REF });
        const outcome = await post<{ updateResource: { version: number; revision: string } }>(url, UPDATE, {
          expectedVersion: resource.version,
          input: { ref: REF, data: { client: id, round } },
        });
        if (outcome.kind === 'data') {
          const { version, revision } = outcome.data.updateResource;
          wins.push({ client: id, round, read: resource.version, version, revision: Number(revision) });
        } else if (outcome.kind === 'errors' && outcome.errors[0]?.extensions?.code === 'VERSION_CONFLICT') {
          conflicts.push({ read: resource.version, current: outcome.errors[0].extensions.currentVersion });
        } else {
          failures.push(JSON.stringify(outcome));
        }
      }
    }
    await Promise.all(Array.from({ length: CLIENTS }, (_, id) => client(id)));
    const elapsed = Date.now() - began;

    assert.deepEqual(failures.slice(0, 5), [], `${failures.length} requests failed otherwise`);
    assert.equal(wins.length + conflicts.length, CLIENTS * ROUNDS);
    // Each win moved the resource from the version it read to the next one.
    assert.deepEqual(
      wins.filter((w) => w.version !== w.read + 1),
      [],
    );
    // A conflict reports a version newer than the one read.
    assert.deepEqual(
      conflicts.filter((c) => typeof c.current !== 'number' || c.current <= c.read),
      [],
    );
    // Exactly one success per version, with no version skipped.
    const versions = wins.map((w) => w.version).sort((a, b) => a - b);
    const expected = Array.from({ length: wins.length }, (_, i) => start + 1 + i);
    assert.deepEqual(versions, expected, 'one success per version, none skipped');
    const final = await query<{ resource: { version: number; data: { client: number; round: number } } }>(
      url,
      GET,
      { ref: REF },
    );
    assert.equal(final.resource.version, start + wins.length, 'final version = start + successes');
    const last = wins.find((w) => w.version === final.resource.version);
    assert.deepEqual(final.resource.data, { client: last?.client, round: last?.round });

    // Every success is in the event stream at its version, in version order: no update was lost.
    const lastRevision = Math.max(...wins.map((w) => w.revision));
    await events.reach(lastRevision);
    await events.dispose();
    const byVersion = new Map(wins.map((w) => [w.version, w]));
    assert.deepEqual(
      events.events.map((e) => e.version),
      expected,
      'events carry every version once, in order',
    );
    const lost = events.events.filter((e) => {
      const win = byVersion.get(e.version);
      const data = e.data as { client: number; round: number };
      return win === undefined || data.client !== win.client || data.round !== win.round;
    });
    assert.equal(lost.length, 0, `lost updates: ${JSON.stringify(lost.slice(0, 3))}`);
    const gaps = revisionGaps(
      events.events.map((e) => e.revision),
      Number(created.revision) + 1,
      lastRevision,
    );
    assert.deepEqual(gaps, { missing: 0, duplicates: 0, outside: 0, outOfOrder: 0 });

    t.diagnostic(
      `contention: ${CLIENTS} clients × ${ROUNDS} rounds = ${CLIENTS * ROUNDS} attempts, ${wins.length} ` +
        `successes (versions ${start + 1}..${final.resource.version}, one each), ${conflicts.length} ` +
        `VERSION_CONFLICT, 0 other errors, 0 lost updates (${events.events.length} events checked) in ${elapsed} ms`,
    );
  });
});
