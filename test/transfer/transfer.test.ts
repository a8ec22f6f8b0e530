import assert from 'node:assert/strict';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { after, describe, it } from 'node:test';
import { importObjects } from '../../src/k8s/import.ts';
import { isStoreError, openStore, type Store } from '../../src/store/index.ts';
import { exportStore } from '../../src/transfer/export.ts';
import { refIri } from '../../src/transfer/format.ts';
import { importExportFiles, importExports } from '../../src/transfer/import.ts';
import { parseExport } from '../../src/transfer/reader.ts';
import { allRelationships } from '../k8s/helpers.ts';
import {
  contentOf,
  exportedContent,
  fillStore,
  importWithProgress,
  MISSING,
  RESERVED,
  testStores,
  UNICODE,
} from './helpers.ts';

const { dir, newStore } = testStores('transfer-test-');

/** Exports `store` into a file of the test directory and returns its path. */
async function exportTo(store: Store, name: string, atRevision?: number): Promise<string> {
  const path = join(dir, name);
  const file = createWriteStream(path);
  await exportStore(store, file, { atRevision, pageSize: 7 });
  file.end();
  await finished(file);
  return path;
}

/** The export's text without its header (which names the revision). */
const body = (path: string) => readFileSync(path, 'utf8').replace(/^.*\n/, '');

describe('export and import', () => {
  it('should recreate every resource and relationship in an empty store', async () => {
    const source = await newStore();
    await fillStore(source);
    const path = await exportTo(source, 'full.export');
    const target = await newStore();
    const summary = await importExportFiles(target, [path], { batchSize: 10 });
    assert.deepEqual(contentOf(target), contentOf(source));
    assert.equal(summary.objects, source.count());
    assert.equal(summary.relationships, allRelationships(source).length);
    assert.deepEqual(target.checkIntegrity(), []);
    // Exporting the copy writes the same content (relationships may come in another order).
    const copy = readFileSync(await exportTo(target, 'copy.export'), 'utf8');
    assert.deepEqual(exportedContent(copy), exportedContent(readFileSync(path, 'utf8')));
    // The dangling ends stay: MISSING is not stored, and its relationships are.
    assert.equal(target.get(MISSING), null);
    assert.equal(allRelationships(target, { object: MISSING }).length, 1);
    assert.deepEqual(
      summary.danglingOwnerReferences.map((dangling) => dangling.owner),
      [MISSING],
    );
  });

  it('should write refs as percent-encoded URNs and predicate data by reification', async () => {
    const source = await newStore();
    await fillStore(source);
    const text = readFileSync(await exportTo(source, 'iri.export'), 'utf8');
    assert.match(text, /^\{"resource-store":"export","format":1,"revision":\d+\}\n\{"ref":/);
    const iri = refIri(RESERVED);
    assert.match(
      iri,
      /^urn:resource-store:ref:odd\.example\.com\/v1%20beta\/Odd%2FKind\/name%20space\/[A-Za-z0-9%._~-]+$/,
    );
    assert.ok(iri.endsWith('%252F'));
    assert.equal(
      refIri(UNICODE),
      'urn:resource-store:ref:/v1/Node//n%C5%93ud-%E5%90%8D%E5%89%8D-%F0%9F%9A%80',
    );
    const lines = text.split('\n').filter((line) => line.includes(`<${iri}> <urn:resource-store:predicate:`));
    assert.deepEqual(lines, [
      `<${iri}> <urn:resource-store:predicate:example.com%2Fdepends-on%3Av1> <${refIri(UNICODE)}> .`,
    ]);
    assert.match(
      text,
      /\n_:r\d+ <urn:resource-store:data> "\{\\"why\\":.*"\^\^<http:\/\/www\.w3\.org\/1999\/02\/22-rdf-syntax-ns#JSON> \.\n/,
    );
  });

  it('should read the NDJSON and N-Quads parts on their own, as split by grep', async () => {
    const source = await newStore();
    await fillStore(source);
    const lines = readFileSync(await exportTo(source, 'split.export'), 'utf8').split('\n');
    const json = join(dir, 'part.ndjson');
    const quads = join(dir, 'part.nq');
    writeFileSync(json, lines.filter((line) => line.startsWith('{')).join('\n'));
    writeFileSync(quads, `# relationships\n${lines.filter((line) => !line.startsWith('{')).join('\n')}`);
    const target = await newStore();
    await importExportFiles(target, [json, quads]);
    assert.deepEqual(contentOf(target), contentOf(source));
  });

  it('should export an older revision as it was, after later changes', async () => {
    const source = await newStore();
    await fillStore(source);
    const before = await exportTo(source, 'before.export');
    const revision = source.revision;
    const pod = source.list({ type: { kind: 'Pod' }, limit: 1 }).items[0]!;
    await source.apply({ ...pod, labels: { ...pod.labels, changed: 'yes' } });
    await source.delete(RESERVED);
    await source.addRelationships([
      { subject: UNICODE, predicate: { type: 'Later', data: null }, object: MISSING },
    ]);
    await source.deleteRelationships([
      { subject: UNICODE, predicate: { type: 'Contains' }, object: MISSING },
    ]);
    const old = await exportTo(source, 'old.export', revision);
    assert.equal(readFileSync(old, 'utf8'), readFileSync(before, 'utf8'));
    assert.notEqual(body(await exportTo(source, 'now.export')), body(before));
  });

  it('should fail with REVISION_COMPACTED when the revision left the retained log', async () => {
    const store = await openStore({
      path: join(dir, 'compacted'),
      retention: { minRevisions: 1, minAgeMs: 0, intervalMs: 0 },
    });
    after(() => store.close());
    await fillStore(store);
    await store.compact();
    await assert.rejects(exportTo(store, 'compacted.export', 1), (error: unknown) => {
      assert.ok(isStoreError(error, 'REVISION_COMPACTED'));
      assert.equal(error.details.compactedRevision, store.compactedRevision);
      return true;
    });
    const path = await exportTo(store, 'oldest.export', store.compactedRevision);
    assert.match(
      readFileSync(path, 'utf8'),
      new RegExp(`^\\{[^\\n]*"revision":${store.compactedRevision}\\}\\n`),
    );
  });

  it('should change nothing when the same export is imported again', async () => {
    const source = await newStore();
    await fillStore(source);
    const path = await exportTo(source, 'again.export');
    const target = await newStore();
    await importExportFiles(target, [path]);
    const revision = target.revision;
    const events = target.watch({ since: revision });
    const again = await importExportFiles(target, [path], { batchSize: 3 });
    assert.equal(target.revision, revision);
    assert.equal(again.revision, revision);
    assert.equal(again.changedObjects, 0);
    assert.equal(again.changedRelationships, 0);
    assert.equal(events.lastRevision, revision);
    await events.return();
  });

  it('should commit in batches of lines and reports progress after each', async () => {
    const source = await newStore();
    await importObjects(source, [
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'u-n1' } },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p', namespace: 'default', uid: 'u-p' },
        spec: { nodeName: 'n1' },
      },
    ]);
    const target = await newStore();
    const { counts } = await importWithProgress(target, [await exportTo(source, 'batches.export')], 1);
    assert.deepEqual(counts, [
      [1, 2, 0],
      [2, 2, 0],
      [2, 2, 1],
    ]);
  });
});

describe('reading an export', () => {
  const header = '{"resource-store":"export","format":1,"revision":3}';
  const resource = (name: string, uid = `u-${name}`) =>
    JSON.stringify({ ref: { group: '', version: 'v1', kind: 'Pod', namespace: 'default', name }, uid });
  const ref = (name: string) => `<urn:resource-store:ref:/v1/Pod/default/${name}>`;

  /** Writes an export file into the test directory and returns its path. */
  const file = (name: string, lines: string[]) => {
    const path = join(dir, name);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  };

  it('should fail on a malformed line naming the file and line, and writes nothing', async () => {
    const store = await newStore();
    const cases: [string, string, RegExp][] = [
      ['json.export', '{"ref": ', /json\.export: line 4: invalid JSON/],
      ['field.export', JSON.stringify({ ref: {}, uid: 'x', label: {} }), /line 4: unknown field "label"/],
      ['quad.export', `${ref('a')} <urn:resource-store:predicate:P> ${ref('b')}`, /line 4: invalid N-Quads/],
      [
        'iri.export',
        `${ref('a')} <urn:resource-store:predicate:P> <urn:resource-store:ref:v1/Pod/a> .`,
        /line 4: .* must have 5 parts/,
      ],
      [
        'graph.export',
        `${ref('a')} <urn:resource-store:predicate:P> ${ref('b')} <urn:g> .`,
        /line 4: .*default graph/,
      ],
      [
        'label.export',
        JSON.stringify({ ref: { version: 'v1', kind: 'Pod', name: 'x' }, uid: 'x', labels: { 'a b': 'c' } }),
        /line 4: labels/,
      ],
      ['duplicate.export', resource('a', 'other'), /line 4: ref is already given at .*line 2/],
    ];
    for (const [name, bad, expected] of cases) {
      const path = file(name, [header, resource('a'), resource('b'), bad, resource('c')]);
      await assert.rejects(importExportFiles(store, [path], { batchSize: 1 }), (error: unknown) => {
        assert.ok(isStoreError(error, 'BAD_USER_INPUT'));
        assert.match(error.message, expected);
        return true;
      });
    }
    assert.equal(store.count(), 0);
    assert.equal(store.revision, 0);
  });

  it('should fail on reified data without its triple, naming where it starts', async () => {
    const rdf = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';
    const text = [
      header,
      `_:x <${rdf}subject> ${ref('a')} .`,
      `_:x <${rdf}predicate> <urn:resource-store:predicate:P> .`,
      `_:x <${rdf}object> ${ref('b')} .`,
      `_:x <urn:resource-store:data> "{}"^^<${rdf}JSON> .`,
    ].join('\n');
    assert.throws(
      () => parseExport(text, 'orphan.nq'),
      /^StoreError: orphan\.nq: line 2: _:x gives data for a relationship the file does not state/,
    );
    const withTriple = `${text}\n${ref('a')} <urn:resource-store:predicate:P> ${ref('b')} .\n`;
    assert.deepEqual(parseExport(withTriple, 'ok.nq').relationships[0]?.value.predicate, {
      type: 'P',
      data: {},
    });
  });

  it('should write nothing of a batch the store rejects and names its line', async () => {
    const store = await newStore();
    await store.add({ ref: { version: 'v1', kind: 'Pod', namespace: 'other', name: 'x' }, uid: 'taken' });
    const revision = store.revision;
    const path = file('rejected.export', [
      header,
      resource('a'),
      resource('b'),
      resource('c', 'taken'),
      resource('d'),
    ]);
    await assert.rejects(importExportFiles(store, [path], { batchSize: 2 }), (error: unknown) => {
      assert.ok(isStoreError(error, 'ALREADY_EXISTS'));
      assert.match(
        error.message,
        /^.*rejected\.export: line 4: .*uid taken is already used.*nothing of this batch was written; 2 objects before it/,
      );
      return true;
    });
    assert.equal(store.revision, revision + 1);
    assert.deepEqual(
      store.list({ namespace: 'default' }).items.map((r) => r.ref.name),
      ['a', 'b'],
    );
  });

  it('should replace a stored resource that the export has under another uid', async () => {
    const store = await newStore();
    await store.add({ ref: { version: 'v1', kind: 'Pod', namespace: 'default', name: 'a' }, uid: 'old' });
    const content = parseExport([header, resource('a', 'new')].join('\n'), 'new.export');
    const summary = await importExports(store, [content]);
    assert.equal(summary.replacedObjects, 1);
    assert.equal(store.get({ version: 'v1', kind: 'Pod', namespace: 'default', name: 'a' })?.uid, 'new');
  });
});
