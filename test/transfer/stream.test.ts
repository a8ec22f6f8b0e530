import assert from 'node:assert/strict';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { describe, it } from 'node:test';
import type { ImportSummary } from '../../src/ingest/index.ts';
import { isStoreError, type Store } from '../../src/store/index.ts';
import { exportStore } from '../../src/transfer/export.ts';
import { importExportFiles, importExports, readExportFile } from '../../src/transfer/import.ts';
import { parseExport } from '../../src/transfer/reader.ts';
import { fileLines } from '../../src/transfer/scan.ts';
import { allRelationships } from '../k8s/helpers.ts';
import { contentOf, fillStore, importWithProgress, MISSING, testStores } from './helpers.ts';

const { dir, newStore } = testStores('transfer-stream-test-');

let exports = 0;

/** The export of a store filled with the edge cases of `helpers.ts`, as lines. */
async function filledExport(): Promise<{ source: Store; lines: string[] }> {
  const source = await newStore();
  await fillStore(source);
  const path = join(dir, `source-${++exports}.export`);
  const file = createWriteStream(path);
  await exportStore(source, file, { pageSize: 5 });
  file.end();
  await finished(file);
  return { source, lines: readFileSync(path, 'utf8').split('\n') };
}

/** Writes a file of the test directory. */
function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** A summary without what depends on the store's history. */
const counts = ({ revision: _, ...rest }: ImportSummary) => rest;

/** Asserts that the import fails with BAD_USER_INPUT matching `expected`, having written nothing. */
async function rejectsWritingNothing(store: Store, importing: Promise<unknown>, expected: RegExp) {
  await assert.rejects(importing, (error: unknown) => {
    assert.ok(isStoreError(error, 'BAD_USER_INPUT'), String(error));
    assert.match(error.message, expected);
    return true;
  });
  assert.equal(store.count(), 0);
  assert.equal(store.revision, 0);
  assert.equal(allRelationships(store).length, 0);
}

const header = '{"resource-store":"export","format":1,"revision":3}';
const pod = (name: string, uid = `u-${name}`) =>
  JSON.stringify({ ref: { group: '', version: 'v1', kind: 'Pod', namespace: 'default', name }, uid });

describe('streamed import of exports', () => {
  it('should give the same store and summary as the import of the export held whole', async () => {
    const { source, lines } = await filledExport();
    // The statements reversed: every relationship's reified data comes before its triple.
    const resources = lines.filter((line) => line.startsWith('{'));
    const statements = lines.filter((line) => line !== '' && !line.startsWith('{')).reverse();
    const text = `${[...resources, '', '# relationships', ...statements].join('\r\n')}\r\n`;
    const held = await newStore();
    const heldSummary = await importExports(held, [parseExport(text, 'held')], { batchSize: 4 });
    const streamed = await newStore();
    const summary = await importExportFiles(streamed, [write('reversed.export', text)], { batchSize: 4 });
    assert.deepEqual(contentOf(streamed), contentOf(held));
    assert.deepEqual(contentOf(streamed), contentOf(source));
    assert.deepEqual(counts(summary), counts(heldSummary));
    assert.deepEqual(
      summary.danglingOwnerReferences.map(({ owner, uid }) => [owner, uid]),
      [[MISSING, 'ghost-uid']],
    );
    assert.equal(streamed.get(MISSING), null);
    assert.equal(allRelationships(streamed, { object: MISSING }).length, 1);
    assert.deepEqual(streamed.checkIntegrity(), []);
  });

  it('should read a file checked by readExportFile again when importing it, not hold its resources', async () => {
    const { source, lines } = await filledExport();
    const content = await readExportFile(write('checked.export', lines.join('\n')));
    assert.ok(!('resources' in content));
    assert.equal(content.index.size, source.count());
    const target = await newStore();
    await importExports(target, [content], { batchSize: 7 });
    assert.deepEqual(contentOf(target), contentOf(source));
  });

  it('should write nothing when a line near the end is malformed', async () => {
    const { lines } = await filledExport();
    const body = lines.filter((line) => line !== '');
    const store = await newStore();
    const malformed = write('malformed.export', `${[...body, '<urn:x> .'].join('\n')}\n`);
    const line = body.length + 1;
    await rejectsWritingNothing(
      store,
      importExportFiles(store, [malformed], { batchSize: 1 }),
      new RegExp(`malformed\\.export: line ${line}: invalid N-Quads`),
    );
    const rdf = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';
    const orphan = `_:orphan <${rdf}subject> <urn:resource-store:ref:/v1/Pod/default/a> .`;
    const unfinished = write('unfinished.export', [...body, orphan].join('\n'));
    await rejectsWritingNothing(
      store,
      importExportFiles(store, [unfinished], { batchSize: 1 }),
      new RegExp(`unfinished\\.export: line ${line}: _:orphan needs rdf:subject`),
    );
  });

  it('should fail on a ref or uid given twice before anything is written', async () => {
    const store = await newStore();
    const first = write('first.ndjson', [header, pod('a'), pod('b')].join('\n'));
    const cases: [string[], RegExp][] = [
      [
        [pod('c'), pod('d'), pod('c', 'u-other')],
        /second\.ndjson: line 3: ref is already given at .*second\.ndjson: line 1/,
      ],
      [
        [pod('c'), pod('d', 'u-c')],
        /second\.ndjson: line 2: uid "u-c" is already given at .*second\.ndjson: line 1/,
      ],
      [
        [pod('c'), pod('b', 'u-new')],
        /second\.ndjson: line 2: ref is already given at .*first\.ndjson: line 3/,
      ],
      [
        [pod('c'), pod('d', 'u-a')],
        /second\.ndjson: line 2: uid "u-a" is already given at .*first\.ndjson: line 2/,
      ],
    ];
    for (const [lines, expected] of cases) {
      const second = write('second.ndjson', lines.join('\n'));
      await rejectsWritingNothing(
        store,
        importExportFiles(store, [first, second], { batchSize: 1 }),
        expected,
      );
    }
    // The same between a file and an export held whole (standard input).
    const held = parseExport([pod('x'), pod('y', 'u-b')].join('\n'), 'stdin');
    await rejectsWritingNothing(
      store,
      importExports(store, [await readExportFile(first), held], { batchSize: 1 }),
      /stdin: line 2: uid "u-b" is already given at .*first\.ndjson: line 3/,
    );
  });

  it('should commit batches of lines, resources first, with progress after each', async () => {
    const resources = ['a', 'b', 'c', 'd', 'e'].map((name) => pod(name));
    const triple = (s: string, o: string) =>
      `<urn:resource-store:ref:/v1/Pod/default/${s}> <urn:resource-store:predicate:Next> <urn:resource-store:ref:/v1/Pod/default/${o}> .`;
    const path = write(
      'progress.export',
      [header, ...resources, triple('a', 'b'), triple('b', 'c')].join('\n'),
    );
    const store = await newStore();
    const { progress, counts: batches, summary } = await importWithProgress(store, [path], 2);
    assert.deepEqual(batches, [
      [2, 5, 0],
      [4, 5, 0],
      [5, 5, 1],
      [5, 5, 2],
    ]);
    assert.equal(progress.at(-1)?.revision, store.revision);
    assert.deepEqual([summary.objects, summary.relationships, summary.changedObjects], [5, 2, 5]);
  });

  it('should fail when the file changed between its two readings', async () => {
    const path = write('changing.ndjson', [header, pod('a'), pod('b')].join('\n'));
    const content = await readExportFile(path);
    write('changing.ndjson', [header, pod('a'), pod('b', 'u-changed')].join('\n'));
    const store = await newStore();
    await assert.rejects(importExports(store, [content]), /changing\.ndjson: line 3: the file changed/);
    write('changing.ndjson', [header, pod('a')].join('\n'));
    await assert.rejects(importExports(store, [content]), /changing\.ndjson: the file changed/);
  });

  it('should split lines at line feeds only, whatever the chunks', async () => {
    const long = 'é'.repeat(300_000); // longer than a chunk, its characters across chunk boundaries
    const path = write('lines.txt', `one\r\n\n${long}\ntwo\rthree`);
    const lines: string[] = [];
    for await (const line of fileLines(path)) lines.push(line);
    assert.deepEqual(lines, ['one\r', '', long, 'two\rthree']);
    await assert.rejects(
      importExportFiles(await newStore(), [join(dir, 'absent.nq')]),
      /absent\.nq: cannot be read \(ENOENT\)/,
    );
  });
});
