/**
 * GraphiQL as the server serves it, over HTTP: a small page naming no other host, its files under
 * `/graphiql/`, its default tabs from the example operations, and `GET /` pointing to `/graphql`.
 * (`browser.test.ts` opens it in Chromium.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse } from 'graphql';
import { defaultTabs, exampleOperations } from '../../src/server/graphiql-tabs.ts';
import { startServer, type TestServer } from '../schema/helpers.ts';

const HTML = { accept: 'text/html' };

/** Every URL the page or a file of it names with a scheme and a host. */
function absoluteUrls(text: string): string[] {
  return [...text.matchAll(/(?:src|href)\s*=\s*["']?((?:https?:)?\/\/[^"' >]+)/gi)].map((match) => match[1]!);
}

describe('the GraphiQL page', () => {
  let server: TestServer;
  let page: string;
  before(async () => {
    server = await startServer();
    const response = await fetch(server.url, { headers: HTML });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    page = await response.text();
  });
  after(() => server.close());

  it('should be a small page whose scripts and stylesheet come from this server', async () => {
    assert.ok(page.length < 20_000, `the page is ${page.length} characters`);
    assert.deepEqual(absoluteUrls(page), []);
    const files = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
    assert.equal(files.length, 3, files.join(' '));
    for (const file of files) {
      assert.match(file, /^\/graphiql\/[0-9a-f]{16}\//);
      const response = await fetch(new URL(file, server.url));
      assert.equal(response.status, 200, file);
      assert.match(response.headers.get('cache-control') ?? '', /immutable/);
      assert.ok((await response.arrayBuffer()).byteLength > 0, file);
    }
  });

  it('should run no inline script and carry its options, with the websocket and the tabs, as JSON', () => {
    const scripts = [...page.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    const inline = scripts.filter((script) => script[2]!.trim() !== '');
    assert.equal(inline.length, 1);
    assert.match(inline[0]![1]!, /type="application\/json"/);
    const options = JSON.parse(inline[0]![2]!) as Record<string, unknown>;
    assert.equal(options.subscriptionsProtocol, 'WS');
    assert.deepEqual(options.defaultTabs, defaultTabs());
  });

  it('should load the editor workers from this server', async () => {
    const script = [...page.matchAll(/<script src="([^"]+)"/g)][0]![1]!;
    const bundle = await (await fetch(new URL(script, server.url))).text();
    const prefix = script.slice(0, script.lastIndexOf('/') + 1);
    for (const worker of ['editor.worker.js', 'json.worker.js', 'graphql.worker.js']) {
      assert.ok(bundle.includes(worker), worker);
      assert.equal((await fetch(new URL(prefix + worker, server.url))).status, 200, worker);
    }
    assert.match(bundle, /renderYogaGraphiQL/);
  });

  it('should answer 404 for a file it does not have, or of another version', async () => {
    assert.equal((await fetch(new URL('/graphiql/0000000000000000/graphiql.js', server.url))).status, 404);
    const script = [...page.matchAll(/<script src="([^"]+)"/g)][0]![1]!;
    assert.equal((await fetch(new URL(script.replace('graphiql.js', 'other.js'), server.url))).status, 404);
  });

  it('should serve no GraphiQL files when GraphiQL is off', async () => {
    const off = await startServer({ app: { graphiql: false } });
    try {
      const script = [...page.matchAll(/<script src="([^"]+)"/g)][0]![1]!;
      assert.equal((await fetch(new URL(script, off.url))).status, 404);
    } finally {
      await off.close();
    }
  });
});

describe('the default tabs', () => {
  it('should hold an overview, an ownership walk, a live subscription and a version-checked write', () => {
    const tabs = defaultTabs();
    const operations = tabs.map((tab) =>
      parse(tab.query).definitions.flatMap((definition) =>
        definition.kind === 'OperationDefinition'
          ? [`${definition.operation} ${definition.name?.value}`]
          : [],
      ),
    );
    assert.deepEqual(operations, [
      ['query Overview'],
      ['query Descendants'],
      ['subscription ResourceEvents'],
      ['query ResourceVersion', 'mutation PatchResource'],
    ]);
    assert.equal(JSON.parse(tabs[2]!.variables!).initialState, true);
    assert.equal(JSON.parse(tabs[3]!.variables!).expectedVersion, 1);
  });

  it('should take an operation with the comment above it and the fragments it uses', () => {
    const text = exampleOperations('ownership.graphql', ['Descendants']);
    assert.match(text, /^# What does this Deployment own/);
    assert.match(text, /fragment TraversalPage on TraversalConnection/);
    assert.doesNotMatch(text, /query Ancestors/);
    assert.throws(() => exampleOperations('ownership.graphql', ['Nothing']), /has no operation Nothing/);
  });
});

describe('GET /', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  it('should send a browser to GraphiQL at /graphql', async () => {
    const response = await fetch(new URL('/', server.url), { headers: HTML, redirect: 'manual' });
    assert.equal(response.status, 302);
    assert.equal(response.headers.get('location'), '/graphql');
  });

  it('should tell any other client in plain text where GraphQL is', async () => {
    const response = await fetch(new URL('/', server.url));
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
    const text = await response.text();
    assert.match(text, /POST \/graphql/);
    assert.match(text, /GraphiQL: open \/graphql/);
  });

  it('should not offer GraphiQL when it is off', async () => {
    const off = await startServer({ app: { graphiql: false } });
    try {
      const response = await fetch(new URL('/', off.url), { headers: HTML, redirect: 'manual' });
      assert.equal(response.status, 200);
      assert.doesNotMatch(await response.text(), /GraphiQL/);
    } finally {
      await off.close();
    }
  });
});
