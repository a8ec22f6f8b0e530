/**
 * Authentication and authorization end to end: a real server on port 0 with an auth configuration,
 * real HTTP requests and websocket clients. The expected outcome of every check is computed here from
 * the rules, independently of the server's code.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type AuditResult, serverAudits } from 'graphql-http';
import { type Client, createClient } from 'graphql-ws';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import type { AuthConfig } from '../../src/auth/index.ts';
import { parseServeConfig } from '../../src/cli/serve.ts';
import { CSRF_HEADER } from '../../src/server/yoga.ts';
import { OWNER_REFERENCE, type Store } from '../../src/store/index.ts';
import { startServer, subscribe, type TestServer, type WireError } from '../schema/helpers.ts';

const SECRET = 'a-test-secret-of-at-least-32-bytes!!';
const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'delete';
const VERBS: Verb[] = ['get', 'list', 'watch', 'create', 'update', 'delete'];
interface TestRule {
  verbs: string[];
  namespaces: string[];
  kinds: string[];
}

/** The principals under test, their tokens and rules. */
const PRINCIPALS: Record<string, { token: string; rules: TestRule[] }> = {
  admin: { token: 'admin-token-0123456789', rules: [{ verbs: ['*'], namespaces: ['*'], kinds: ['*'] }] },
  alice: {
    token: 'alice-token-0123456789',
    rules: [
      { verbs: ['*'], namespaces: ['a'], kinds: ['*'] },
      { verbs: ['get', 'list'], namespaces: ['b'], kinds: ['Pod'] },
    ],
  },
  bob: {
    token: 'bob-token-0123456789ab',
    rules: [
      { verbs: ['get', 'list', 'watch'], namespaces: ['*'], kinds: ['ConfigMap'] },
      { verbs: ['create', 'update'], namespaces: ['b', 'c'], kinds: ['*'] },
      { verbs: ['delete'], namespaces: ['c'], kinds: ['core/Pod'] },
    ],
  },
  // Authenticates with a JWT only.
  carol: {
    token: '',
    rules: [
      { verbs: ['get', 'watch'], namespaces: ['c'], kinds: ['*'] },
      { verbs: ['list'], namespaces: ['c', ''], kinds: ['apps/Deployment', 'Pod'] },
      { verbs: ['update'], namespaces: ['*'], kinds: ['ConfigMap'] },
    ],
  },
};

const AUTH: AuthConfig = {
  principals: [
    // Stored as a hash...
    {
      name: 'admin',
      tokenSha256: [sha256(PRINCIPALS.admin!.token)],
      rules: PRINCIPALS.admin!.rules as never,
    },
    // ...or in plain text.
    { name: 'alice', tokens: [PRINCIPALS.alice!.token], rules: PRINCIPALS.alice!.rules as never },
    { name: 'bob', tokenSha256: [sha256(PRINCIPALS.bob!.token)], rules: PRINCIPALS.bob!.rules as never },
    { name: 'carol', rules: PRINCIPALS.carol!.rules as never },
  ],
  jwt: { algorithm: 'HS256', secret: SECRET },
};

/** The rules, evaluated the plain way: any rule naming the verb, the namespace and the kind. */
function expected(principal: string, verb: Verb, ref: { group: string; kind: string; namespace: string }) {
  for (const rule of PRINCIPALS[principal]!.rules) {
    const verbOk = rule.verbs.includes('*') || rule.verbs.includes(verb);
    const nsOk = rule.namespaces.includes('*') || rule.namespaces.includes(ref.namespace);
    const qualified = `${ref.group === '' ? 'core' : ref.group}/${ref.kind}`;
    const kindOk = rule.kinds.some((kind) => kind === '*' || kind === ref.kind || kind === qualified);
    if (verbOk && nsOk && kindOk) return true;
  }
  return false;
}

function jwt(subject: string, expiresIn: string | number = '1h'): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(SECRET));
}

const NAMESPACES = ['a', 'b', 'c'];
const KINDS = [
  { group: '', version: 'v1', kind: 'Pod' },
  { group: '', version: 'v1', kind: 'ConfigMap' },
  { group: 'apps', version: 'v1', kind: 'Deployment' },
];
const ref = (type: (typeof KINDS)[number], namespace: string, name: string) => ({ ...type, namespace, name });
const label = (r: { kind: string; namespace: string; name: string }) => `${r.kind}/${r.namespace}/${r.name}`;

interface HttpResult<T> {
  status: number;
  data?: T | null;
  errors?: WireError[];
}

const REF_FIELDS = 'ref { group kind namespace name }';

describe('authentication and authorization', () => {
  let server: TestServer;
  let store: Store;
  const tokens: Record<string, string> = {};
  const clients: Client[] = [];

  async function gql<T = Record<string, unknown>>(
    token: string | null,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<HttpResult<T>> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
    };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const response = await fetch(server.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, ...((await response.json()) as object) };
  }

  function connect(params: Record<string, unknown>): Client {
    const client = createClient({
      url: server.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: true,
      connectionParams: params,
    });
    clients.push(client);
    return client;
  }

  /** Opens a raw socket, sends connection_init with `payload`, and returns the close code (or 'ack'). */
  async function initOutcome(payload: unknown): Promise<number | 'ack'> {
    const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const outcome = new Promise<number | 'ack'>((resolve) => {
      socket.once('message', (data) => {
        if ((JSON.parse(String(data)) as { type: string }).type === 'connection_ack') resolve('ack');
      });
      socket.once('close', (code) => resolve(code));
    });
    socket.send(JSON.stringify({ type: 'connection_init', payload }));
    const result = await outcome;
    socket.terminate();
    return result;
  }

  before(async () => {
    server = await startServer({ app: { auth: AUTH } });
    store = server.store;
    for (const [name, { token }] of Object.entries(PRINCIPALS)) tokens[name] = token || (await jwt(name));
    for (const namespace of NAMESPACES) {
      for (const type of KINDS) await store.add({ ref: ref(type, namespace, 'seed') });
    }
  });
  after(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await server.close();
  });

  describe('authentication', () => {
    it('should answer 401 UNAUTHENTICATED, running nothing, without a valid token over HTTP', async () => {
      const before = store.revision;
      const mutation = `mutation { addResource(input: { ref: { version: "v1", kind: "Pod", namespace: "a", name: "sneaky" } }) { uid } }`;
      const cases = {
        missing: null,
        unknown: 'not-a-token-of-anyone',
        'bad signature': `${(await jwt('admin')).slice(0, -4)}AAAA`,
        expired: await jwt('admin', Math.floor(Date.now() / 1000) - 60),
        'other key': await new SignJWT({})
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('admin')
          .setExpirationTime('1h')
          .sign(new TextEncoder().encode('another-secret-of-at-least-32-bytes')),
      };
      for (const [name, token] of Object.entries(cases)) {
        const result = await gql(token, mutation);
        assert.equal(result.status, 401, name);
        assert.equal(result.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED', name);
        assert.equal(result.data, undefined, name);
      }
      assert.equal(store.revision, before);
      assert.equal(store.get({ version: 'v1', kind: 'Pod', namespace: 'a', name: 'sneaky' }), null);
      const ok = await gql(tokens.carol!, '{ revision }');
      assert.equal(ok.status, 200);
      assert.equal(ok.errors, undefined);
    });

    it('should close with 4403 a websocket whose connection_init has no valid token, and accept both forms', async () => {
      const expired = await jwt('admin', Math.floor(Date.now() / 1000) - 60);
      assert.equal(await initOutcome(undefined), 4403);
      assert.equal(await initOutcome({}), 4403);
      assert.equal(await initOutcome({ authorization: 'Bearer nope' }), 4403);
      assert.equal(await initOutcome({ token: expired }), 4403);
      assert.equal(await initOutcome({ authorization: `Bearer ${expired}` }), 4403);
      assert.equal(await initOutcome({ authorization: `Bearer ${tokens.alice}` }), 'ack');
      assert.equal(await initOutcome({ token: tokens.carol }), 'ack');
    });

    it('should reject an invalid auth configuration with a message naming the problem', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'auth-'));
      try {
        const bad = join(dir, 'bad.yaml');
        writeFileSync(
          bad,
          'principals:\n  - name: x\n    tokens: [abcdefghijklmnopqrstuvwxyz]\n    rules:\n      - verbs: [read]\n        namespaces: ["*"]\n        kinds: ["*"]\n',
        );
        assert.throws(
          () => parseServeConfig(['--auth-file', bad], {}),
          /\/principals\/0\/rules\/0\/verbs\/0 must be equal to one of the allowed values \(get, list, watch, create, update, delete, \*\)/,
        );
        writeFileSync(bad, 'jwt: { algorithm: RS256, secret: "0123456789012345678901234567890123" }\n');
        assert.throws(() => parseServeConfig(['--auth-file', bad], {}), /\/jwt with RS256 needs `publicKey`/);
        writeFileSync(bad, 'principals: []\n');
        assert.throws(() => parseServeConfig(['--auth-file', bad], {}), /nobody could authenticate/);
        const good = join(dir, 'auth.json');
        writeFileSync(good, JSON.stringify(AUTH));
        const config = parseServeConfig([], { RESOURCE_STORE_AUTH_FILE: good });
        assert.ok(config !== 'help' && config.auth?.principals?.length === 4);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it('should allow each principal exactly what its rules say: principals × namespaces × kinds × verbs', async (t) => {
    const principals = Object.keys(PRINCIPALS);
    for (const principal of principals) {
      for (const namespace of NAMESPACES) {
        for (const type of KINDS) await store.add({ ref: ref(type, namespace, `victim-${principal}`) });
      }
    }
    let checks = 0;
    const mismatches: string[] = [];
    let allowed = 0;
    const check = (what: string, actual: boolean, wanted: boolean) => {
      checks++;
      if (wanted) allowed++;
      if (actual !== wanted) mismatches.push(`${what}: got ${actual}, expected ${wanted}`);
    };

    for (const principal of principals) {
      const token = tokens[principal]!;
      // list: every page of a small page size, with totalCount, without a namespace...
      const listed: string[] = [];
      let after: string | null = null;
      let totalCount = -1;
      do {
        const page: HttpResult<{
          resources: {
            totalCount: number;
            pageInfo: { hasNextPage: boolean; endCursor: string | null };
            edges: { node: { ref: { kind: string; namespace: string; name: string } } }[];
          };
        }> = await gql(
          token,
          `query($after: String) { resources(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { ${REF_FIELDS} } } } }`,
          { after },
        );
        assert.equal(page.errors, undefined, JSON.stringify(page.errors));
        const resources = page.data!.resources;
        totalCount = resources.totalCount;
        listed.push(...resources.edges.map((edge) => label(edge.node.ref)));
        after = resources.pageInfo.hasNextPage ? resources.pageInfo.endCursor : null;
      } while (after !== null);
      const everything = store.list({ limit: 10_000 }).items.map((resource) => resource.ref);
      const wantedList = everything.filter((r) => expected(principal, 'list', r)).map(label);
      checks++;
      if (JSON.stringify(listed) !== JSON.stringify(wantedList)) {
        mismatches.push(`${principal} list: got ${listed.join(',')}, expected ${wantedList.join(',')}`);
      }
      check(`${principal} totalCount`, totalCount === wantedList.length, true);

      // watch: the initial state of a subscription is what the principal may watch.
      const client = connect({ authorization: `Bearer ${token}` });
      const events = subscribe<
        {
          resourceEvents: {
            type: string;
            resource: { ref: { kind: string; namespace: string; name: string } } | null;
          };
        },
        undefined
      >(client, `subscription { resourceEvents(initialState: true) { type resource { ${REF_FIELDS} } } }`);
      const watched: string[] = [];
      for (;;) {
        const event = (await events.next()).data!.resourceEvents;
        if (event.type === 'SYNCED') break;
        watched.push(label(event.resource!.ref));
      }
      events.stop();
      const wantedWatch = everything.filter((r) => expected(principal, 'watch', r)).map(label);
      checks++;
      if (JSON.stringify(watched.sort()) !== JSON.stringify([...wantedWatch].sort())) {
        mismatches.push(`${principal} watch: got ${watched.join(',')}, expected ${wantedWatch.join(',')}`);
      }

      for (const namespace of NAMESPACES) {
        for (const type of KINDS) {
          const seed = ref(type, namespace, 'seed');
          const what = (verb: Verb) => `${principal} ${verb} ${label(seed)}`;
          // get: by ref, by uid and as a node; hidden is null, never an error.
          const { uid } = store.get(seed)!;
          const got = await gql<{ resource: { uid: string } | null; resourceByUid: { uid: string } | null }>(
            token,
            'query($ref: ResourceRefInput!, $uid: String!) { resource(ref: $ref) { uid } resourceByUid(uid: $uid) { uid } }',
            { ref: seed, uid },
          );
          assert.equal(got.errors, undefined);
          check(what('get'), got.data!.resource !== null, expected(principal, 'get', seed));
          check(`${what('get')} by uid`, got.data!.resourceByUid !== null, expected(principal, 'get', seed));
          // list with the namespace and kind named.
          const inNamespace = await gql<{ resources: { totalCount: number; edges: unknown[] } }>(
            token,
            'query($ns: String, $kind: String) { resources(namespace: $ns, type: { kind: $kind }) { totalCount edges { cursor } } }',
            { ns: namespace, kind: type.kind },
          );
          const stored = store.count({ namespace, type: { kind: type.kind } });
          const visibleCount = expected(principal, 'list', seed) ? stored : 0;
          check(what('list'), inNamespace.data!.resources.edges.length === visibleCount, true);
          check(`${what('list')} totalCount`, inNamespace.data!.resources.totalCount === visibleCount, true);

          // create
          const created = ref(type, namespace, `new-${principal}`);
          const create = await gql(
            token,
            'mutation($input: ResourceInput!) { addResource(input: $input) { version } }',
            {
              input: { ref: created },
            },
          );
          const createdOk = create.errors === undefined;
          check(what('create'), createdOk, expected(principal, 'create', created));
          if (!createdOk) assert.equal(create.errors?.[0]?.extensions?.code, 'FORBIDDEN');
          check(`${what('create')} stored`, store.get(created) !== null, createdOk);

          // update
          const before = store.get(seed)!.version;
          const update = await gql(
            token,
            'mutation($input: ResourceInput!, $v: Int!) { updateResource(input: $input, expectedVersion: $v) { version } }',
            { input: { ref: seed, labels: { by: principal } }, v: before },
          );
          const updatedOk = update.errors === undefined;
          check(what('update'), updatedOk, expected(principal, 'update', seed));
          if (!updatedOk) assert.equal(update.errors?.[0]?.extensions?.code, 'FORBIDDEN');
          check(`${what('update')} stored`, store.get(seed)!.version === before + 1, updatedOk);

          // delete
          const victim = ref(type, namespace, `victim-${principal}`);
          const remove = await gql(
            token,
            'mutation($ref: ResourceRefInput!) { deleteResource(ref: $ref) { revision } }',
            {
              ref: victim,
            },
          );
          const deletedOk = remove.errors === undefined;
          check(what('delete'), deletedOk, expected(principal, 'delete', victim));
          if (!deletedOk) assert.equal(remove.errors?.[0]?.extensions?.code, 'FORBIDDEN');
          check(`${what('delete')} stored`, store.get(victim) === null, deletedOk);
        }
      }
    }
    t.diagnostic(
      `auth matrix: ${principals.length} principals × ${NAMESPACES.length} namespaces × ${KINDS.length} kinds × ${VERBS.length} verbs: ${checks} checks (${allowed} expecting yes), ${mismatches.length} mismatches`,
    );
    assert.deepEqual(mismatches, []);
    assert.ok(checks >= principals.length * NAMESPACES.length * VERBS.length);
  });
  it('should deliver no event of a namespace the subscriber may not watch while writes happen in every one', async (t) => {
    const alice = connect({ authorization: `Bearer ${tokens.alice}` });
    const resources = subscribe<
      {
        resourceEvents: { type: string; resource: { ref: { namespace: string; name: string } } };
      },
      undefined
    >(alice, `subscription { resourceEvents { type resource { ${REF_FIELDS} } } }`);
    const edges = subscribe<
      {
        relationshipEvents: {
          relationship: { subjectRef: { namespace: string; name: string }; objectRef: { namespace: string } };
        };
      },
      undefined
    >(
      alice,
      'subscription { relationshipEvents { relationship { subjectRef { namespace name } objectRef { namespace } } } }',
    );
    // The subscriptions are live once a write in `a` reaches each of them; later events are counted by name.
    const pod = KINDS[0]!;
    const ready = ref(pod, 'a', 'ready');
    await store.add({ ref: ready });
    for (let attempt = 0; ; attempt++) {
      await store.apply({ ref: ready, labels: { attempt: String(attempt) } });
      const link = {
        subject: ready,
        predicate: { type: `Ready${attempt}`, data: null },
        object: ref(pod, 'a', 'seed'),
      };
      await store.addRelationships([link]);
      const live = await Promise.all([resources.next(200), edges.next(200)]).then(
        () => true,
        () => false,
      );
      if (live) break;
      assert.ok(attempt < 50, 'the subscriptions never went live');
    }
    let inA = 0;
    const rounds = 20;
    for (let round = 0; round < rounds; round++) {
      for (const namespace of NAMESPACES) {
        const target = ref(pod, namespace, `live-${round}`);
        await store.add({ ref: target });
        await store.apply({ ref: target, labels: { round: String(round) } });
        await store.addRelationships([
          { subject: target, predicate: { type: 'Uses', data: null }, object: ref(pod, namespace, 'seed') },
          { subject: target, predicate: { type: 'Crosses', data: null }, object: ref(pod, 'b', 'seed') },
        ]);
        await store.delete(target);
        if (namespace === 'a') inA += 3;
      }
    }
    await store.add({ ref: ref(pod, 'a', 'marker') });
    let received = 0;
    let crossed = 0;
    for (;;) {
      const event = (await resources.next()).data!.resourceEvents;
      if (event.resource.ref.namespace !== 'a') crossed++;
      if (event.resource.ref.name === 'marker') break;
      if (event.resource.ref.name.startsWith('live-')) received++;
    }
    await store.addRelationships([
      {
        subject: ref(pod, 'a', 'marker'),
        predicate: { type: 'Uses', data: null },
        object: ref(pod, 'a', 'seed'),
      },
    ]);
    let relationshipEvents = 0;
    for (;;) {
      const event = (await edges.next()).data!.relationshipEvents.relationship;
      if (event.subjectRef.namespace !== 'a' || event.objectRef.namespace !== 'a') crossed++;
      if (event.subjectRef.name === 'ready') continue;
      relationshipEvents++;
      // Per round: the `Uses` edge in `a` added, then deleted with its subject; then the marker's.
      if (event.subjectRef.name === 'marker') break;
    }
    resources.stop();
    edges.stop();
    t.diagnostic(
      `subscriptions: ${received} resource events and ${relationshipEvents} relationship events delivered to a subscriber of namespace a, ${crossed} cross-namespace events`,
    );
    assert.equal(received, inA);
    assert.equal(relationshipEvents, rounds * 2 + 1);
    assert.equal(crossed, 0);
  });

  it('should never reveal a hidden resource through relationships, traversals, paths or nodes', async () => {
    const deployment = ref(KINDS[2]!, 'a', 'web');
    const replicaSet = { group: 'apps', version: 'v1', kind: 'ReplicaSet', namespace: 'b', name: 'web-1' };
    const pod = ref(KINDS[0]!, 'a', 'web-1-x');
    const visiblePod = ref(KINDS[0]!, 'b', 'other');
    const node = { group: '', version: 'v1', kind: 'Node', namespace: '', name: 'n1' };
    for (const r of [deployment, replicaSet, pod, visiblePod, node]) await store.add({ ref: r });
    const owner = (subject: typeof pod, object: typeof pod) => ({
      subject,
      predicate: { type: 'Links', data: null },
      object,
    });
    await store.addRelationships([
      owner(deployment, replicaSet),
      owner(replicaSet, pod),
      owner(deployment, visiblePod),
      { subject: pod, predicate: { type: 'PodNodeBinding', data: { nodeName: 'n1' } }, object: node },
    ]);
    const query = `query($d: ResourceRefInput!, $rs: ResourceRefInput!, $pod: ResourceRefInput!) {
      hidden: resource(ref: $rs) { uid }
      out: relationships(subject: $d) { totalCount edges { node { objectRef { kind name uid } object { uid } } } }
      into: relationships(object: $pod) { totalCount edges { node { subjectRef { name } } } }
      all: relationships { totalCount edges { node { subjectRef { kind namespace name } objectRef { kind namespace name } } } }
      d: resource(ref: $d) {
        relationships { totalCount edges { node { objectRef { kind name } } } }
        traverse(maxDepth: 5) { edges { node { ref { kind name } depth } } }
        path(to: $pod) { predicate { type } }
      }
      pod: resource(ref: $pod) {
        relationships(direction: BOTH) { totalCount edges { node { subjectRef { name } objectRef { name } } } }
        traverse(direction: INCOMING) { edges { node { ref { kind name } } } }
        owners { uid }
      }
      types { kind count }
    }`;
    const variables = { d: deployment, rs: replicaSet, pod };
    type Names = { edges: { node: { ref: { kind: string; name: string } } }[] };
    type RefOut = { kind: string; namespace: string; name: string };
    interface Seen {
      hidden: unknown;
      out: { totalCount: number; edges: { node: { objectRef: RefOut } }[] };
      into: { totalCount: number; edges: unknown[] };
      all: { totalCount: number; edges: { node: { subjectRef: RefOut; objectRef: RefOut } }[] };
      d: { relationships: { totalCount: number }; traverse: Names; path: unknown[] | null };
      pod: { relationships: { edges: unknown[] }; traverse: { edges: unknown[] }; owners: unknown[] };
      types: { kind: string; count: number }[];
    }
    const asAdmin = await gql<Seen>(tokens.admin!, query, variables);
    assert.equal(asAdmin.errors, undefined, JSON.stringify(asAdmin.errors));
    assert.deepEqual(
      asAdmin.data!.d.traverse.edges.map((edge) => edge.node.ref.name),
      ['web-1', 'other', 'web-1-x', 'n1'],
    );
    assert.equal(asAdmin.data!.d.path?.length, 2);

    // alice: everything in `a`, Pods in `b`; not the ReplicaSet in `b`, not the cluster-scoped Node.
    const asAlice = await gql<Seen>(tokens.alice!, query, variables);
    assert.equal(asAlice.errors, undefined, JSON.stringify(asAlice.errors));
    const data = asAlice.data!;
    assert.equal(data.hidden, null);
    assert.deepEqual(
      data.out.edges.map((edge) => edge.node.objectRef.name),
      ['other'],
    );
    assert.equal(data.out.totalCount, 1);
    assert.deepEqual(data.into.edges, []);
    assert.equal(data.into.totalCount, 0);
    const text = JSON.stringify(data);
    assert.doesNotMatch(text, /ReplicaSet|web-1"|"n1"|Node"/);
    for (const edge of data.all.edges) {
      for (const end of [edge.node.subjectRef, edge.node.objectRef]) {
        assert.ok(
          expected('alice', 'get', { group: end.kind === 'Deployment' ? 'apps' : '', ...end }),
          JSON.stringify(end),
        );
      }
    }
    assert.equal(data.all.totalCount, data.all.edges.length);
    assert.deepEqual(
      data.d.traverse.edges.map((edge) => edge.node.ref.name),
      ['other'],
      'the walk stops at the hidden ReplicaSet',
    );
    assert.equal(data.d.path, null);
    assert.equal(data.d.relationships.totalCount, 1);
    assert.deepEqual(data.pod.relationships.edges, []);
    assert.deepEqual(data.pod.traverse.edges, []);
    assert.deepEqual(data.pod.owners, []);
    assert.ok(!data.types.some((type) => type.kind === 'ReplicaSet' || type.kind === 'Node'));
    const pods = data.types.find((type) => type.kind === 'Pod')?.count;
    assert.equal(
      pods,
      store.count({ type: { kind: 'Pod' }, namespace: 'a' }) +
        store.count({ type: { kind: 'Pod' }, namespace: 'b' }),
    );

    // node(id) for a hidden resource is null, not an error.
    const ids = await gql<{ resource: { id: string } }>(
      tokens.admin!,
      'query($rs: ResourceRefInput!) { resource(ref: $rs) { id } }',
      { rs: replicaSet },
    );
    const node_ = await gql<{ node: unknown; nodes: unknown[] }>(
      tokens.alice!,
      'query($id: ID!) { node(id: $id) { id } nodes(ids: [$id]) { id } }',
      { id: ids.data!.resource.id },
    );
    assert.equal(node_.errors, undefined);
    assert.deepEqual(node_.data, { node: null, nodes: [null] });
  });

  it('should refuse a cascade or a transaction with any forbidden part, changing nothing', async () => {
    const owner = ref(KINDS[0]!, 'c', 'owner');
    const dependent = ref(KINDS[1]!, 'c', 'owned');
    await store.add({ ref: owner });
    await store.add({ ref: dependent });
    await store.addRelationships([
      {
        subject: owner,
        predicate: {
          type: OWNER_REFERENCE,
          data: { kind: 'Pod', name: 'owner', uid: store.get(owner)!.uid, apiVersion: 'v1' },
        },
        object: dependent,
      },
    ]);
    const before = store.revision;
    const remove =
      'mutation($ref: ResourceRefInput!, $p: DeletePropagation) { deleteResource(ref: $ref, propagation: $p) { deleted { uid } } }';
    // bob may delete the Pod but not the ConfigMap it owns.
    const cascade = await gql(tokens.bob!, remove, { ref: owner, p: 'BACKGROUND' });
    assert.equal(cascade.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    const transaction = await gql(
      tokens.bob!,
      'mutation($ops: [OperationInput!]!) { transaction(operations: $ops) { revision } }',
      {
        ops: [
          { addResource: { ref: ref(KINDS[0]!, 'b', 'in-transaction') } },
          { deleteResource: { ref: ref(KINDS[0]!, 'a', 'seed') } },
        ],
      },
    );
    assert.equal(transaction.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    const link = await gql(
      tokens.bob!,
      'mutation($r: [RelationshipInput!]!) { addRelationships(relationships: $r) { revision } }',
      {
        r: [
          {
            subject: ref(KINDS[0]!, 'b', 'seed'),
            predicate: { type: 'Links' },
            object: ref(KINDS[0]!, 'a', 'seed'),
          },
        ],
      },
    );
    assert.equal(link.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.equal(store.revision, before);
    assert.equal(store.get(ref(KINDS[0]!, 'b', 'in-transaction')), null);
    const orphan = await gql(tokens.bob!, remove, { ref: owner, p: 'ORPHAN' });
    assert.equal(orphan.errors, undefined);
    assert.notEqual(store.get(dependent), null);
  });

  it('should authorize a request yoga serves whose body comes chunked', async () => {
    // Server-sent events go to yoga; a body without content-length is read and replaced by its body limit.
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(JSON.stringify({ query: '{ revision }' })));
        controller.close();
      },
    });
    const response = await fetch(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        authorization: `Bearer ${tokens.admin}`,
      },
      body,
      duplex: 'half',
    } as RequestInit);
    const text = await response.text();
    assert.equal(response.status, 200);
    assert.match(text, /"revision":"\d+"/, text);
  });

  it('should pass every MUST audit of graphql-http with auth and CSRF prevention on', async (t) => {
    const fetchFn: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set(CSRF_HEADER, '1');
      headers.set('authorization', `Bearer ${tokens.alice}`);
      return fetch(input, { ...init, headers });
    };
    const results: AuditResult[] = await Promise.all(
      serverAudits({ url: server.url, fetchFn }).map((audit) => audit.fn()),
    );
    const must = results.filter((result) => result.name.startsWith('MUST'));
    const failed = must
      .filter((result) => result.status !== 'ok')
      .map((result) => `${result.id} ${result.name}: ${'reason' in result ? result.reason : ''}`);
    t.diagnostic(`graphql-http audits with auth on: ${must.length - failed.length}/${must.length} MUST ok`);
    assert.ok(must.length >= 10);
    assert.deepEqual(failed, []);
  });
});
