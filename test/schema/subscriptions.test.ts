import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { print } from 'graphql';
import {
  AddResourceDocument,
  type AddResourceMutation,
  GetResourceDocument,
  type GetResourceQuery,
  RelationshipEventsDocument,
  ResourceEventsDocument,
  type ResourceEventsSubscription,
} from '../../examples/generated/graphql.ts';
import { openStore, StoreError, type Watch } from '../../src/store/index.ts';
import {
  errorCode,
  eventually,
  instrument,
  podRef,
  type Response,
  type Subscription,
  startServer,
  subscribe,
  type TestServer,
} from './helpers.ts';

type Event = ResourceEventsSubscription['resourceEvents'];

/** Pulls `count` results from a subscription, failing on any error. */
async function take(subscription: Subscription<ResourceEventsSubscription>, count: number): Promise<Event[]> {
  const events: Event[] = [];
  for (let i = 0; i < count; i++) {
    const result: Response<ResourceEventsSubscription> = await subscription.next();
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    assert.ok(result.data);
    events.push(result.data.resourceEvents);
  }
  return events;
}

describe('subscriptions', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  it('should stream ADDED, UPDATED and DELETED events in revision order', async () => {
    const client = server.connect();
    const { store } = server;
    // Starting from the current revision, the writes below are seen however late the watch starts.
    const events = subscribe(client, ResourceEventsDocument, {
      namespace: 'live',
      since: String(store.revision),
    });
    await store.add({ ref: podRef('a', 'live'), labels: { v: '1' } });
    await store.update({ ref: podRef('a', 'live'), labels: { v: '2' } }, 1);
    await store.add({ ref: podRef('other', 'elsewhere') });
    await store.delete(podRef('a', 'live'));
    const received = await take(events, 3);
    assert.deepEqual(
      received.map((event) => event.type),
      ['ADDED', 'UPDATED', 'DELETED'],
    );
    assert.deepEqual(received[1]?.previous?.labels, { v: '1' });
    assert.deepEqual(received[1]?.resource?.labels, { v: '2' });
    assert.ok(received[2]?.resource?.deletedAt);
    const revisions = received.map((event) => Number(event.revision));
    assert.deepEqual(
      revisions,
      [...revisions].sort((x, y) => x - y),
    );
    events.stop();
  });

  it('should send the initial state, then SYNCED, then live events', async () => {
    const { store } = server;
    for (const name of ['s-1', 's-2', 's-3']) await store.add({ ref: podRef(name, 'sync') });
    const client = server.connect();
    const events = subscribe(client, ResourceEventsDocument, { namespace: 'sync', initialState: true });
    const initial = await take(events, 4);
    assert.deepEqual(
      initial.map((event) => [event.type, event.resource?.ref.name ?? null]),
      [
        ['ADDED', 's-1'],
        ['ADDED', 's-2'],
        ['ADDED', 's-3'],
        ['SYNCED', null],
      ],
    );
    await store.add({ ref: podRef('s-4', 'sync') });
    const [live] = await take(events, 1);
    assert.equal(live?.type, 'ADDED');
    assert.equal(live?.resource?.ref.name, 's-4');
    assert.ok(Number(live?.revision) > Number(initial[3]?.revision));
    events.stop();
  });

  it('should resume from a revision without gaps or duplicates after a disconnect', async () => {
    const { store } = server;
    const namespace = 'resume';
    const first = server.connect();
    const stream = subscribe(first, ResourceEventsDocument, { namespace, since: String(store.revision) });
    for (let i = 0; i < 5; i++) await store.add({ ref: podRef(`r-${i}`, namespace) });
    const seen = await take(stream, 5);
    const lastRevision = seen.at(-1)?.revision;
    await first.dispose();

    // Written while nobody listens: every one must arrive once after resuming.
    const missed: number[] = [];
    for (let i = 0; i < 20; i++) {
      const result = await store.update(
        { ref: podRef(`r-${i % 5}`, namespace), labels: { round: String(i) } },
        1 + Math.floor(i / 5),
      );
      missed.push(result.revision);
    }
    const second = server.connect();
    const resumed = subscribe(second, ResourceEventsDocument, { namespace, since: lastRevision });
    const replayed = await take(resumed, 20);
    assert.deepEqual(
      replayed.map((event) => Number(event.revision)),
      missed,
    );
    const live = await store.add({ ref: podRef('after-resume', namespace) });
    const [next] = await take(resumed, 1);
    assert.equal(Number(next?.revision), live.revision);
    resumed.stop();
  });

  it('should keep a sibling subscription streaming when another has a syntax error', async () => {
    const client = server.connect();
    const since = String(server.store.revision);
    const healthy = subscribe(client, ResourceEventsDocument, { namespace: 'sibling', since });
    const broken = subscribe(client, 'subscription { resourceEvents( { type }');
    assert.equal(await broken.completed(), true);
    assert.match(broken.failure?.[0]?.message ?? '', /Syntax Error/);
    const invalid = subscribe(client, 'subscription { resourceEvents { noSuchField } }');
    assert.equal(await invalid.completed(), true);
    assert.match(invalid.failure?.[0]?.message ?? '', /noSuchField/);

    await server.store.add({ ref: podRef('still-here', 'sibling') });
    const [event] = await take(healthy, 1);
    assert.equal(event?.resource?.ref.name, 'still-here');
    const query = await client.iterate({ query: '{ revision }' }).next();
    assert.ok(query.value?.data, 'the socket still serves operations');
    healthy.stop();
  });

  it('should reject an invalid since revision with BAD_USER_INPUT', async () => {
    const client = server.connect();
    for (const since of ['-1', '1.5', '9007199254740993', 'abc']) {
      // A variable that cannot be coerced fails the operation before it starts: an `error` message.
      const events = subscribe(client, ResourceEventsDocument, { since });
      assert.equal(await events.completed(), true, `since ${since}: ended`);
      assert.equal(events.failure?.[0]?.extensions?.code, 'BAD_USER_INPUT', `since ${since}`);
    }
    const literal = await server.request('subscription { resourceEvents(since: "-3") { type } }');
    assert.ok(literal.errors?.[0]?.message.includes('Revision'));
  });

  it('should run queries and mutations over the websocket', async () => {
    const client = server.connect();
    const added = await client
      .iterate({ query: print(AddResourceDocument), variables: { input: { ref: podRef('over-ws', 'ws') } } })
      .next();
    assert.equal((added.value?.data as AddResourceMutation | undefined)?.addResource.version, 1);
    const read = await client
      .iterate({ query: print(GetResourceDocument), variables: { ref: podRef('over-ws', 'ws') } })
      .next();
    assert.equal((read.value?.data as GetResourceQuery | undefined)?.resource?.ref.name, 'over-ws');
    const again = await client
      .iterate({ query: print(AddResourceDocument), variables: { input: { ref: podRef('over-ws', 'ws') } } })
      .next();
    assert.equal(errorCode(again.value as Response<unknown>), 'ALREADY_EXISTS');
  });

  it('should stream relationship events, resumable with since', async () => {
    const { store } = server;
    const client = server.connect();
    const start = store.revision;
    const link = { subject: podRef('rel-a'), predicate: { type: 'talksTo' }, object: podRef('rel-b') };
    await store.addRelationships([link]);
    await store.add({ ref: podRef('rel-b') });
    await store.deleteRelationships([link]);
    const events = subscribe(client, RelationshipEventsDocument, {
      subject: podRef('rel-a'),
      since: String(start),
    });
    const added = await events.next();
    assert.equal(added.data?.relationshipEvents.type, 'ADDED');
    assert.equal(added.data?.relationshipEvents.relationship.objectRef.name, 'rel-b');
    const deleted = await events.next();
    assert.equal(deleted.data?.relationshipEvents.type, 'DELETED');
    assert.ok(deleted.data?.relationshipEvents.relationship.object?.uid, 'the object is stored by then');
    await store.addRelationships([{ ...link, predicate: { type: 'talksTo' } }]);
    const live = await events.next();
    assert.equal(live.data?.relationshipEvents.type, 'ADDED');
    events.stop();
  });
});

describe('subscription failures', () => {
  it('should end a compacted resume with REVISION_COMPACTED', async () => {
    const server = await startServer({
      storeOptions: { retention: { minRevisions: 1, minAgeMs: 0, intervalMs: 0 } },
    });
    try {
      for (let i = 0; i < 5; i++) await server.store.add({ ref: podRef(`c-${i}`) });
      await server.store.compact();
      const events = subscribe(server.connect(), ResourceEventsDocument, { since: '0' });
      const result = await events.next();
      assert.equal(errorCode(result), 'REVISION_COMPACTED');
      assert.equal(await events.completed(), true);
    } finally {
      await server.close();
    }
  });

  it('should deliver SLOW_CONSUMER with its last revision and complete the stream', async () => {
    const store = await openStore({ inMemory: true });
    let watching = false;
    const slow = instrument(store, {
      watch: (options) => {
        const real = store.watch(options);
        watching = true;
        let delivered = 0;
        const view = Object.create(real, { lastRevision: { get: () => real.lastRevision } }) as Watch<never>;
        const failing: Watch<never> = Object.assign(view, {
          next: async () => {
            if (delivered++ === 0) return real.next();
            throw new StoreError('SLOW_CONSUMER', 'the consumer fell behind', { lastRevision: 1 });
          },
          return: () => real.return(),
        });
        return failing;
      },
    });
    const server = await startServer({ store: slow });
    try {
      const events = subscribe(server.connect(), ResourceEventsDocument, {});
      await eventually(() => watching);
      await store.add({ ref: podRef('first') });
      const first = await events.next();
      assert.equal(first.data?.resourceEvents.resource?.ref.name, 'first');
      const failure = await events.next();
      assert.equal(errorCode(failure), 'SLOW_CONSUMER');
      assert.equal(failure.errors?.[0]?.extensions?.lastRevision, 1);
      assert.equal(await events.completed(), true);
    } finally {
      await server.close();
      await store.close();
    }
  });

  it('should end the store watch when a client unsubscribes or disconnects', async () => {
    const store = await openStore({ inMemory: true });
    let open = 0;
    const tracked = instrument(store, {
      watch: (options) => {
        const real = store.watch(options);
        open++;
        const release = real.return.bind(real);
        return Object.assign(real, {
          return: () => {
            open--;
            return release();
          },
        });
      },
    });
    const server = await startServer({ store: tracked });
    try {
      const client = server.connect();
      // Different filters: identical subscriptions would share one watch.
      const unsubscribed = subscribe(client, ResourceEventsDocument, { namespace: 'a' });
      const disconnected = subscribe(client, ResourceEventsDocument, { namespace: 'b' });
      await eventually(() => open === 2);
      unsubscribed.stop();
      await eventually(() => open === 1);
      await client.dispose();
      await eventually(() => open === 0);
      assert.ok(disconnected);
    } finally {
      await server.close();
      await store.close();
    }
  });
});
