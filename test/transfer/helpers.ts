/** Shared fixtures for the export/import tests: a store full of edge cases, and what to compare. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import type { ImportProgress, ImportSummary } from '../../src/ingest/index.ts';
import { generateCluster } from '../../src/k8s/generate.ts';
import { importObjects } from '../../src/k8s/import.ts';
import {
  openStore,
  type Page,
  type Relationship,
  type Resource,
  type ResourceRef,
  type Store,
} from '../../src/store/index.ts';
import { refIri } from '../../src/transfer/format.ts';
import { importExportFiles } from '../../src/transfer/import.ts';
import { parseExport } from '../../src/transfer/reader.ts';
import { allRelationships } from '../k8s/helpers.ts';

/** A ref whose parts hold characters reserved in IRIs (and a slash, the separator of ref IRIs). */
export const RESERVED: ResourceRef = {
  group: 'odd.example.com',
  version: 'v1 beta',
  kind: 'Odd/Kind',
  namespace: 'name space',
  name: 'a b<c>"d{e}|f^g`h\\i/j%k#l?m:n@o&p=q+r,s;t!u*v(w)x\'y~z%2F',
};

/** A unicode, cluster-scoped, core-group ref. */
export const UNICODE: ResourceRef = {
  group: '',
  version: 'v1',
  kind: 'Node',
  namespace: '',
  name: 'nœud-名前-🚀',
};

/** A ref no resource has: relationships to it dangle. */
export const MISSING: ResourceRef = {
  group: 'x.io',
  version: 'v1',
  kind: 'Ghost',
  namespace: 'gone',
  name: 'boo',
};

/** Fills a store with a generated cluster plus hand-made edge cases. */
export async function fillStore(store: Store): Promise<void> {
  await importObjects(store, generateCluster({ nodes: 2, deployments: 4, pvcs: 2, seed: 11 }));
  await store.add({
    ref: RESERVED,
    uid: 'uid with spaces & "quotes"',
    labels: { 'app.kubernetes.io/name': 'odd', 'example.com/tier': '' },
    annotations: { 'note/multi-line': 'line 1\nline 2\r\n\t"quoted" \\ \u2028 end', empty: '' },
    data: { nested: { list: [1, 2.5, -3e-7, true, null, 'ü'], empty: {}, deep: [[[]]] }, '': 'empty key' },
    dataType: 'example.com/Odd',
  });
  await store.add({ ref: UNICODE, uid: 'ユーアイディー', data: '名前 as a string', dataType: null });
  await store.add({ ref: { version: 'v1', kind: 'Bare', name: 'no-data' }, uid: 'bare' });
  await store.addRelationships([
    {
      subject: RESERVED,
      predicate: {
        type: 'example.com/depends-on:v1',
        data: { why: { because: ['a', { b: 'c"d\ne' }], weight: 0.5 }, none: null },
      },
      object: UNICODE,
    },
    { subject: UNICODE, predicate: { type: 'Contains', data: {} }, object: RESERVED },
    { subject: UNICODE, predicate: { type: 'Contains', data: null }, object: MISSING },
    {
      subject: MISSING,
      predicate: { type: 'OwnerReference', data: { kind: 'Ghost', name: 'boo', uid: 'ghost-uid' } },
      object: UNICODE,
    },
  ]);
}

/** Every resource, in listing order. */
export function allResources(store: Store): Resource[] {
  const out: Resource[] = [];
  let after: string | null = null;
  do {
    const page: Page<Resource> = store.list({ limit: 1000, after });
    out.push(...page.items);
    after = page.endCursor;
  } while (after !== null);
  return out;
}

/** What an export must carry over: each resource without the store's own bookkeeping. */
export function contentOf(store: Store) {
  return {
    resources: allResources(store).map(({ ref, uid, labels, annotations, data, dataType }: Resource) => ({
      ref,
      uid,
      labels,
      annotations,
      data,
      dataType,
    })),
    relationships: sortRelationships(
      allRelationships(store).map(({ subject, predicate, object }: Relationship) => ({
        subject,
        predicate,
        object,
      })),
    ),
  };
}

/**
 * Relationships in a fixed order. A store lists them in the order of its internal term ids, which
 * depends on its history, so two stores with the same content may list them differently.
 */
export function sortRelationships<T extends Pick<Relationship, 'subject' | 'predicate' | 'object'>>(
  relationships: T[],
): T[] {
  const key = ({ subject, predicate, object }: T) => `${refIri(subject)} ${predicate.type} ${refIri(object)}`;
  return relationships.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** An export's content with its relationships in a fixed order (and no revision). */
export function exportedContent(text: string) {
  const { resources, relationships } = parseExport(text, 'export');
  return {
    resources: resources.map(({ value }) => value),
    relationships: sortRelationships(relationships.map(({ value }) => value)),
  };
}

/** Imports export files in batches of `batchSize`; the progress after each, and the summary. */
export async function importWithProgress(store: Store, paths: string[], batchSize: number) {
  const progress: ImportProgress[] = [];
  const summary: ImportSummary = await importExportFiles(store, paths, {
    batchSize,
    onProgress: (p) => progress.push(p),
  });
  const counts = progress.map(({ objects, totalObjects, relationships }) => [
    objects,
    totalObjects,
    relationships,
  ]);
  return { progress, counts, summary };
}

/**
 * A temporary directory, removed when the test file ends, and a function that opens a store in a
 * fresh directory of it (closed when the file ends).
 */
export function testStores(prefix: string): { dir: string; newStore: () => Promise<Store> } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let stores = 0;
  const newStore = async () => {
    const store = await openStore({ path: join(dir, `store-${++stores}`) });
    after(() => store.close());
    return store;
  };
  return { dir, newStore };
}
