/**
 * The demo store of a first run: created where no store is, with the generated cluster the GraphiQL
 * tabs are about; an existing store never touched; `serve --demo` saying so, `--no-demo` and plain
 * `serve` adding nothing.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createDemoStore, demoLine } from '../../src/cli/demo.ts';
import { parseServeConfig } from '../../src/cli/serve.ts';
import { defaultTabs } from '../../src/server/graphiql-tabs.ts';
import { openStore } from '../../src/store/index.ts';
import { startServer } from '../schema/helpers.ts';
import { serve } from './serve-helpers.ts';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'resource-store-first-run-'));
});
after(() => rm(root, { recursive: true, force: true }));

describe('the demo store', () => {
  it('should be created where no store is, with every kind of the cluster and their relationships', async () => {
    const path = join(root, 'fresh', 'data');
    const summary = await createDemoStore(path);
    assert.ok(summary !== null);
    for (const kind of [
      'Deployment.apps',
      'ReplicaSet.apps',
      'Pod',
      'Node',
      'Service',
      'PersistentVolumeClaim',
    ]) {
      assert.ok((summary.objectsByKind[kind] ?? 0) > 0, kind);
    }
    assert.ok(summary.relationships > summary.objects / 2);
    assert.deepEqual(await readdir(join(root, 'fresh')), ['data'], 'nothing left beside it');
    const line = demoLine(path, summary);
    assert.match(
      line,
      /^created .*data with a demo cluster: \d+ objects \(.*Deployment.*\), \d+ relationships/,
    );
    assert.match(line, /--no-demo/);
  });

  it('should hold the Deployment the GraphiQL tabs walk, with its ReplicaSets and Pods', async () => {
    const path = join(root, 'walked');
    await createDemoStore(path);
    const store = await openStore({ path });
    const server = await startServer({ store });
    try {
      const tab = defaultTabs()[1]!;
      const response = await server.request(tab.query, JSON.parse(tab.variables!));
      const result = response as {
        data?: { resource: { descendants: { edges: { node: { depth: number; ref: { kind: string } } }[] } } };
      };
      const kinds = result.data?.resource.descendants.edges.map(
        ({ node }) => `${node.depth} ${node.ref.kind}`,
      );
      assert.ok(kinds?.includes('1 ReplicaSet') && kinds.includes('2 Pod'), JSON.stringify(response));
    } finally {
      await server.close();
      await store.close();
    }
  });

  it('should leave an existing store as it is, and fill an empty directory', async () => {
    const path = join(root, 'existing');
    const store = await openStore({ path });
    await store.add({ ref: { version: 'v1', kind: 'Pod', name: 'mine' } });
    const revision = store.revision;
    await store.close();
    assert.equal(await createDemoStore(path), null);
    const reopened = await openStore({ path });
    assert.equal(reopened.revision, revision);
    await reopened.close();

    const empty = join(root, 'empty');
    await mkdir(empty);
    assert.ok((await createDemoStore(empty)) !== null);
  });
});

describe('serve --demo', () => {
  it('should be asked for explicitly, be cancelled by --no-demo, and need a store directory', () => {
    const config = (argv: string[]) => {
      const parsed = parseServeConfig(argv, {});
      assert.ok(parsed !== 'help');
      return parsed.demo;
    };
    assert.equal(config([]), false);
    assert.equal(config(['--demo']), true);
    assert.equal(config(['--demo', '--no-demo']), false);
    assert.throws(() => parseServeConfig(['--demo', '--in-memory'], {}), /--demo needs a store directory/);
  });

  it('should create the demo store on the first run and say so, and leave it alone on the next', async () => {
    const data = join(root, 'served');
    const first = await serve(['--data', data, '--port', '0', '--demo']);
    let count = 0;
    try {
      assert.match(first.output(), /created .*served with a demo cluster: \d+ objects/);
      count = await resourceCount(first.url);
      assert.ok(count > 20, `${count} resources`);
    } finally {
      first.child.kill('SIGTERM');
    }
    assert.equal(await first.exit, 0);

    const second = await serve(['--data', data, '--port', '0', '--demo']);
    try {
      assert.doesNotMatch(second.output(), /demo cluster/);
      assert.equal(await resourceCount(second.url), count);
    } finally {
      second.child.kill('SIGTERM');
    }
    assert.equal(await second.exit, 0);
  });
});

/** How many resources the server at `url` holds. */
async function resourceCount(url: string): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ resources(first: 1) { totalCount } }' }),
  });
  return ((await response.json()) as { data: { resources: { totalCount: number } } }).data.resources
    .totalCount;
}
