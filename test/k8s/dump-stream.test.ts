/**
 * Streamed reading of JSON dumps must yield what reading the whole text yields (`parseDump`), for
 * every shape a dump takes, across chunk boundaries, and on every read of the same files.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { SourcedObject } from '../../src/k8s/convert.ts';
import { dumpObjects } from '../../src/k8s/dump-stream.ts';
import { generateCluster } from '../../src/k8s/generate.ts';
import { importFiles } from '../../src/k8s/import.ts';
import { parseDump } from '../../src/k8s/read.ts';
import { isStoreError, type JsonObject } from '../../src/store/index.ts';
import { memoryStore } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'k8s-dump-stream-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a file into the test directory and returns its path. */
function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** Everything one read of `sources` yields. */
async function readAll(read: () => AsyncIterable<SourcedObject>): Promise<SourcedObject[]> {
  const objects: SourcedObject[] = [];
  for await (const object of read()) objects.push(object);
  return objects;
}

const pod = (name: string): JsonObject => ({ metadata: { name, namespace: 'default', uid: `u-${name}` } });

describe('dumpObjects', () => {
  const shapes: Array<[string, unknown]> = [
    [
      'kubectl List (kind after items)',
      {
        apiVersion: 'v1',
        items: [{ apiVersion: 'v1', kind: 'Pod', ...pod('a') }],
        kind: 'List',
        metadata: {},
      },
    ],
    [
      'typed list, header first',
      { kind: 'PodList', apiVersion: 'v1', items: [pod('a'), { kind: 'Pod', ...pod('b') }] },
    ],
    [
      'typed list with sorted keys (kind after kindless items)',
      { apiVersion: 'v1', items: [pod('a'), pod('b')], kind: 'PodList' },
    ],
    ['one object', { apiVersion: 'v1', kind: 'Pod', ...pod('a') }],
    ['one object with items of its own', { kind: 'Thing', apiVersion: 'x/v1', items: [1, 2], ...pod('t') }],
    ['a List without items', { apiVersion: 'v1', kind: 'List' }],
    ['an empty List', { apiVersion: 'v1', kind: 'List', items: [] }],
    ['a top-level array', [{ apiVersion: 'v1', kind: 'Pod', ...pod('a') }]],
  ];
  for (const [name, value] of shapes) {
    it(`should read what the whole text reads: ${name}`, async () => {
      const text = JSON.stringify(value, null, 1);
      const path = file('shape.json', text);
      const read = dumpObjects([path]);
      const expected = parseDump(text, path);
      assert.deepEqual(await readAll(read), expected);
      assert.deepEqual(await readAll(read), expected, 'a second read');
    });
  }

  it('should read a generated cluster across many chunks, with kind after items, as parseDump does', async () => {
    const items = [...generateCluster({ nodes: 3, deployments: 400, pvcs: 20, seed: 5 })];
    const text = JSON.stringify({ apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } });
    assert.ok(text.length > 1024 * 1024, 'more than a few chunks');
    const path = file('cluster.json', text);
    const objects = await readAll(dumpObjects([path, [{ object: { kind: 'X' }, source: 'stdin' }]]));
    assert.deepEqual(objects, [...parseDump(text, path), { object: { kind: 'X' }, source: 'stdin' }]);
    assert.equal(objects[7]?.source, `${path}: items[7]`);
  });

  it('should refuse items before a kind that is not a list, naming the file', async () => {
    const path = file(
      'thing.json',
      JSON.stringify({ apiVersion: 'v1', items: [{ kind: 'Pod', apiVersion: 'v1' }], kind: 'Thing' }),
    );
    await assert.rejects(readAll(dumpObjects([path])), (error: unknown) => {
      assert.ok(isStoreError(error, 'BAD_USER_INPUT'));
      assert.match(
        error.message,
        /thing\.json: invalid JSON at line 1, column \d+: the top level has "items" before a "kind" that is not a list's \("Thing"\)/,
      );
      return true;
    });
  });

  it('should give the column in characters after multi-byte text, and fail on trailing text', async () => {
    const broken = file('broken.json', '{"kind": "List", "items": [\n  {"name": "żółw", "x": ]\n]}');
    await assert.rejects(readAll(dumpObjects([broken])), /broken\.json: invalid JSON at line 2, column 25: /);
    const trailing = file('trailing.json', '{"kind": "List", "items": []}\n{}');
    await assert.rejects(
      readAll(dumpObjects([trailing])),
      /trailing\.json: invalid JSON at line 2, column 1: /,
    );
  });

  it('should read a file that starts with a byte order mark, and refuse text after the top level in the same chunk', async () => {
    const marked = file(
      'marked.json',
      '\ufeff {"kind": "List", "items": [{"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n"}}]}',
    );
    const objects = await readAll(dumpObjects([marked]));
    assert.deepEqual(
      objects.map(({ source }) => source),
      [`${marked}: items[0]`],
    );
    const trailing = file('same-chunk.json', '{"kind": "List", "items": []} {}');
    await assert.rejects(
      readAll(dumpObjects([trailing])),
      /same-chunk\.json: invalid JSON at line 1, column 31: /,
    );
  });

  it('should import nothing when the last item of a streamed file is malformed', async () => {
    const items = [...generateCluster({ nodes: 2, deployments: 10, pvcs: 1, seed: 2 })];
    const path = file(
      'late.json',
      `${JSON.stringify({ kind: 'List', apiVersion: 'v1', items }).slice(0, -2)}, {"kind": "Pod", "apiVersion": "v1", "metadata": {}}]}`,
    );
    const store = await memoryStore();
    await assert.rejects(
      importFiles(store, [path], { batchSize: 5 }),
      new RegExp(`late\\.json: items\\[${items.length}\\]: metadata\\.name`),
    );
    assert.equal(store.count(), 0);
  });

  it('should import nothing when an owner reference is malformed, wherever it is', async () => {
    const items = [...generateCluster({ nodes: 2, deployments: 10, pvcs: 1, seed: 2 })];
    const last = items.at(-1) as { metadata: JsonObject };
    last.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'Node' }];
    const path = file('owners.json', JSON.stringify({ kind: 'List', apiVersion: 'v1', items }));
    const store = await memoryStore();
    await assert.rejects(
      importFiles(store, [path], { batchSize: 5 }),
      /metadata\.ownerReferences\[0\]\.name: must be a non-empty string/,
    );
    assert.equal(store.count(), 0);
  });
});
