/**
 * What is hidden stays hidden, over real HTTP and websockets: a principal limited to one namespace
 * asks the same questions of two servers, one holding resources in other namespaces (linked to its
 * own by ownership, bindings and plain relationships) and one holding none of them. Its answers —
 * counts, walks, paths, dry runs, deletes, transactions and subscription events — must be the same
 * on both: what it may not see makes no difference to anything it is told. A uid held by a hidden
 * resource is refused naming nothing of it, and `/metrics` needs a principal allowed to read it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { AuthConfig } from '../../src/auth/index.ts';
import {
  OWNER_REFERENCE,
  POD_NODE_BINDING,
  type RelationshipInput,
  type ResourceRef,
  type Store,
} from '../../src/store/index.ts';
import { startServer, type TestServer, type WireError } from '../schema/helpers.ts';

const TOKENS = {
  alice: 'alice-token-0123456789',
  admin: 'admin-token-0123456789',
  scraper: 'scraper-token-0123456789',
};

const AUTH: AuthConfig = {
  principals: [
    { name: 'alice', tokens: [TOKENS.alice], rules: [{ verbs: ['*'], namespaces: ['a'], kinds: ['*'] }] },
    { name: 'admin', tokens: [TOKENS.admin], rules: [{ verbs: ['*'], namespaces: ['*'], kinds: ['*'] }] },
    { name: 'scraper', tokens: [TOKENS.scraper], rules: [{ verbs: ['get'], nonResourceURLs: ['/metrics'] }] },
  ],
};

const core = (kind: string, namespace: string, name: string) => ({
  group: '',
  version: 'v1',
  kind,
  namespace,
  name,
});
const apps = (kind: string, namespace: string, name: string) => ({
  group: 'apps',
  version: 'v1',
  kind,
  namespace,
  name,
});

/** What alice owns in `a`: d → rs → web, d → cm; web is bound to a Node she may not see. */
const MINE = {
  d: apps('Deployment', 'a', 'd'),
  rs: apps('ReplicaSet', 'a', 'rs'),
  web: core('Pod', 'a', 'web'),
  cm: core('ConfigMap', 'a', 'cm'),
  lone: core('Pod', 'a', 'lone'),
};

/** What only the first world holds: resources outside `a`, some owned by or linked to hers. */
const HIDDEN = {
  node: core('Node', '', 'n1'),
  dependent: core('ConfigMap', 'b', 'secret-dependent'),
  pod: core('Pod', 'b', 'secret-pod'),
  owner: apps('ReplicaSet', 'b', 'secret-owner'),
};

const owns = (subject: ResourceRef, object: ResourceRef): RelationshipInput => ({
  subject,
  predicate: { type: OWNER_REFERENCE, data: { kind: subject.kind, name: subject.name, uid: 'u' } },
  object,
});

async function seed(store: Store, withHidden: boolean): Promise<void> {
  for (const [name, ref] of Object.entries(MINE))
    await store.add({ ref, uid: `uid-${name}`, labels: { app: 'x' } });
  await store.addRelationships([owns(MINE.d, MINE.rs), owns(MINE.rs, MINE.web), owns(MINE.d, MINE.cm)]);
  if (!withHidden) return;
  for (const [name, ref] of Object.entries(HIDDEN))
    await store.add({ ref, uid: `uid-hidden-${name}`, labels: { app: 'x' } });
  await store.addRelationships([
    owns(MINE.d, HIDDEN.dependent),
    owns(MINE.rs, HIDDEN.pod),
    owns(HIDDEN.owner, MINE.lone),
    {
      subject: MINE.web,
      predicate: { type: POD_NODE_BINDING, data: { nodeName: 'n1' } },
      object: HIDDEN.node,
    },
    { subject: MINE.cm, predicate: { type: 'Mentions', data: null }, object: HIDDEN.pod },
    { subject: HIDDEN.pod, predicate: { type: 'Mentions', data: null }, object: MINE.cm },
  ]);
}

interface Answer {
  status: number;
  data?: unknown;
  errors?: WireError[];
}

async function ask(server: TestServer, token: string, query: string, variables?: object): Promise<Answer> {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({ query, variables }),
  });
  const { data, errors } = (await response.json()) as Answer;
  return { status: response.status, data, errors };
}

const REF = 'ref { group kind namespace name }';

/** Reads: every count, walk and path alice can ask about what she sees. */
const READS = `query($d: ResourceRefInput!, $web: ResourceRefInput!, $cm: ResourceRefInput!, $lone: ResourceRefInput!, $far: ResourceRefInput!) {
  resources { totalCount edges { node { ${REF} } } }
  pods: resources(type: { kind: "Pod" }) { totalCount }
  labelled: resources(labelSelector: "app=x") { totalCount }
  types { group kind count }
  relationships { totalCount edges { node { subjectRef { name } predicate { type } objectRef { name } } } }
  owned: relationships(subject: $d) { totalCount }
  d: resource(ref: $d) {
    relationships(direction: BOTH) { totalCount }
    dependents { ${REF} }
    descendants { edges { node { depth ${REF} } } }
    traverse(direction: BOTH, maxDepth: 5) { edges { node { depth ${REF} via { predicate { type } } } } }
    path(to: $far, direction: BOTH) { predicate { type } }
  }
  web: resource(ref: $web) { relationships(direction: BOTH) { totalCount } owners { uid } ancestors { edges { node { ${REF} } } } }
  cm: resource(ref: $cm) { relationships(direction: BOTH) { totalCount } }
  lone: resource(ref: $lone) { owners { uid } relationships(direction: INCOMING) { totalCount } }
}`;

const DRY_RUN = `mutation($ref: ResourceRefInput!, $p: DeletePropagation) {
  deleteResource(ref: $ref, propagation: $p, dryRun: true) { deleted { ${REF} } removedRelationships dryRun }
}`;
const DELETE = `mutation($ref: ResourceRefInput!, $p: DeletePropagation) {
  deleteResource(ref: $ref, propagation: $p) { deleted { ${REF} } removedRelationships }
}`;
const TRANSACTION = `mutation($ops: [OperationInput!]!) {
  transaction(operations: $ops) { results { __typename ... on ResourceDeleted { resource { ${REF} } dependents { ${REF} } removedRelationships } } }
}`;

/** One world: a server, its store seeded with or without the hidden resources. */
async function world(withHidden: boolean): Promise<TestServer> {
  const server = await startServer({ app: { auth: AUTH } });
  await seed(server.store, withHidden);
  return server;
}

/** Everything alice sees of `a` over a websocket while the script runs, until its marker. */
async function watched(server: TestServer, script: () => Promise<unknown>): Promise<unknown[]> {
  const client = createClient({
    url: server.wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${TOKENS.alice}` },
  });
  const events: unknown[] = [];
  const marker = core('Pod', 'a', 'marker');
  const done = new Promise<void>((resolve, reject) => {
    client.subscribe(
      {
        query: `subscription { resourceEvents { type resource { ${REF} } } }`,
      },
      {
        next: (result) => {
          const event = (result.data as { resourceEvents: { resource: { ref: { name: string } } } })
            .resourceEvents;
          if (event.resource.ref.name === 'marker') resolve();
          else events.push(event);
        },
        error: reject,
        complete: () => reject(new Error('completed early')),
      },
    );
  });
  const edges: unknown[] = [];
  client.subscribe(
    {
      query:
        'subscription { relationshipEvents { type relationship { subjectRef { name } predicate { type } objectRef { name } } } }',
    },
    { next: (result) => edges.push(result.data), error: () => {}, complete: () => {} },
  );
  // Live once a write of `a` reaches it.
  for (let attempt = 0; events.length === 0; attempt++) {
    await server.store.apply({ ref: core('Pod', 'a', 'ready'), labels: { attempt: String(attempt) } });
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  events.length = 0;
  edges.length = 0;
  await script();
  await server.store.add({ ref: marker });
  await done;
  await client.dispose();
  return [events, edges];
}

describe('auth: what a principal limited to one namespace learns of the others', () => {
  let withHidden: TestServer;
  let without: TestServer;
  before(async () => {
    [withHidden, without] = await Promise.all([world(true), world(false)]);
  });
  after(async () => {
    await Promise.all([withHidden.close(), without.close()]);
  });

  /** Asks both worlds as `token`; returns both answers. */
  const both = (token: string, query: string, variables?: object) =>
    Promise.all([ask(withHidden, token, query, variables), ask(without, token, query, variables)]);

  it('should tell the same counts, walks and paths whether or not other namespaces hold anything', async () => {
    const variables = { d: MINE.d, web: MINE.web, cm: MINE.cm, lone: MINE.lone, far: MINE.lone };
    const [seen, alone] = await both(TOKENS.alice, READS, variables);
    assert.equal(seen.errors, undefined, JSON.stringify(seen.errors));
    assert.deepEqual(seen, alone);
    assert.doesNotMatch(JSON.stringify(seen), /secret|"n1"|Node/);
    const [admin, adminAlone] = await both(TOKENS.admin, READS, variables);
    assert.notDeepEqual(admin, adminAlone, 'the worlds differ for a principal that sees everything');
  });

  it('should answer dry runs, deletes and transactions alike, counting only what it sees', async () => {
    for (const p of ['ORPHAN', 'BACKGROUND', 'FOREGROUND']) {
      const [seen, alone] = await both(TOKENS.alice, DRY_RUN, { ref: MINE.d, p });
      assert.equal(seen.errors, undefined, JSON.stringify(seen.errors));
      assert.deepEqual(seen, alone, p);
    }
    const [adminPlan, adminPlanAlone] = await both(TOKENS.admin, DRY_RUN, { ref: MINE.d, p: 'BACKGROUND' });
    assert.notDeepEqual(adminPlan, adminPlanAlone, 'the hidden dependents are there');
    // Every write runs in both worlds, and every answer (and event) must match.
    const [events, eventsAlone] = await Promise.all(
      [withHidden, without].map((server) =>
        watched(server, async () => {
          const answers = [
            await ask(server, TOKENS.alice, DELETE, { ref: MINE.web, p: 'ORPHAN' }),
            await ask(server, TOKENS.alice, DELETE, { ref: MINE.lone, p: 'BACKGROUND' }),
            await ask(server, TOKENS.alice, TRANSACTION, {
              ops: [{ deleteResource: { ref: MINE.d, propagation: 'BACKGROUND' } }],
            }),
          ];
          for (const answer of answers) assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
          return answers;
        }).then((seen) => seen),
      ),
    );
    assert.deepEqual(events, eventsAlone);
    const [resourceEvents, relationshipEvents] = events as [unknown[], unknown[]];
    assert.equal(resourceEvents.length, 5, 'web, lone, d, rs and cm deleted');
    assert.ok(relationshipEvents.length >= 3, 'the removed edges of a');
    // The hidden resources are still there: a cascade keeps what its caller may not see.
    for (const ref of Object.values(HIDDEN)) assert.ok(withHidden.store.get(ref), ref.name);
  });

  it('should refuse a uid a hidden resource holds with FORBIDDEN naming nothing of it', async () => {
    const uid = withHidden.store.get(HIDDEN.pod)!.uid;
    const before = withHidden.store.revision;
    const input = { ref: core('Pod', 'a', 'clash'), uid };
    for (const [query, variables] of [
      ['mutation($i: ResourceInput!) { addResource(input: $i) { uid } }', { i: input }],
      ['mutation($i: ResourceInput!) { applyResource(input: $i) { uid } }', { i: input }],
      [
        'mutation($ops: [OperationInput!]!) { transaction(operations: $ops) { revision } }',
        { ops: [{ addResource: { ref: core('Pod', 'a', 'first') } }, { addResource: input }] },
      ],
    ] as const) {
      const answer = await ask(withHidden, TOKENS.alice, query, variables);
      assert.equal(answer.errors?.[0]?.extensions?.code, 'FORBIDDEN', JSON.stringify(answer));
      assert.match(answer.errors![0]!.message, new RegExp(`alice may not use uid ${uid}`));
      assert.doesNotMatch(JSON.stringify(answer), /secret|"b"|namespace b/);
    }
    assert.equal(withHidden.store.revision, before, 'nothing written');
    await withHidden.store.add({ ref: core('Pod', 'a', 'keeper'), uid: 'uid-keeper' });
    const visible = await ask(
      withHidden,
      TOKENS.alice,
      'mutation($i: ResourceInput!) { addResource(input: $i) { uid } }',
      {
        i: { ref: core('Pod', 'a', 'clash'), uid: 'uid-keeper' },
      },
    );
    assert.equal(visible.errors?.[0]?.extensions?.code, 'ALREADY_EXISTS', 'a uid it may see keeps its code');
  });

  it('should serve /metrics with auth on only to a principal allowed to get it', async () => {
    const metrics = new URL('/metrics', withHidden.url);
    const scrape = (token?: string) =>
      fetch(metrics, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    const anonymous = await scrape();
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.headers.get('www-authenticate'), 'Bearer');
    assert.equal(((await anonymous.json()) as Answer).errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    assert.equal((await scrape('nobody-0123456789')).status, 401);
    for (const token of [TOKENS.alice, TOKENS.admin]) {
      const refused = await scrape(token);
      assert.equal(refused.status, 403);
      const text = await refused.text();
      assert.match(text, /"FORBIDDEN"/);
      assert.doesNotMatch(text, /resource_store/);
    }
    const allowed = await scrape(TOKENS.scraper);
    assert.equal(allowed.status, 200);
    assert.match(await allowed.text(), /resource_store_resources\{group="",version="v1",kind="Node"\} 1/);
    assert.equal((await fetch(new URL('/healthz', withHidden.url))).status, 200, 'probes stay open');
  });

  it('should keep /metrics open with auth on when told to', async () => {
    const open = await startServer({ app: { auth: AUTH, metricsPublic: true } });
    try {
      const response = await fetch(new URL('/metrics', open.url));
      assert.equal(response.status, 200);
      assert.match(await response.text(), /resource_store_revision/);
    } finally {
      await open.close();
    }
  });
});
