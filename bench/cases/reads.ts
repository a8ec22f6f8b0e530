/**
 * Cases 1 and 2: point reads and listings of one type, of resource metadata (`{ data: false }`, what
 * a GraphQL read of anything but `data` does). The baseline reads the same rows of the same files
 * with plain `db.get` / `db.getRange`, decoding each metadata record (msgpack with shared structures).
 */
import { refKey, typePrefix } from '../../src/store/keys.ts';
import type { MetadataOnly } from '../../src/store/types.ts';
import type { BenchCase, BenchContext } from '../lib/context.ts';
import { countOf, sampleOf } from '../lib/fixtures.ts';
import { runRounds } from '../lib/measure.ts';
import { type RawDatabases, type Row, scanMetadata } from '../lib/raw.ts';
import { type CaseResult, resultOf } from '../lib/report.ts';

/** Case 1: `store.get(ref, { data: false })` against `db.get(key)` of the same refs (a mix of every kind). */
export const pointGetCase: BenchCase = {
  id: 'get',
  async run(context: BenchContext): Promise<CaseResult[]> {
    const { mode } = context;
    const fixture = await context.cluster();
    const refs = sampleOf([...fixture.refsByKind.values()].flat(), mode.sample);
    const { store, raw } = fixture;
    let sink = 0;
    const rates = await runRounds(
      {
        store: {
          run() {
            for (const ref of refs) sink += store.get(ref, METADATA)!.version;
            return refs.length;
          },
        },
        baseline: {
          run() {
            for (const ref of refs) sink += (raw.resources.get(refKey(ref)) as Row).version;
            return refs.length;
          },
        },
      },
      mode,
    );
    if (!(sink > 0)) throw new Error('point reads found nothing');
    return [
      resultOf(
        {
          id: 'get',
          name: 'point get by ref',
          unit: 'gets',
          target: 0.5,
          baselineIs: 'db.get(refKey) + msgpack decode of the same rows',
          size: { refs: refs.length, storedResources: fixture.objects },
        },
        rates.store,
        rates.baseline,
      ),
    ];
  },
};

/** What the store's side of these cases reads of each resource. */
const METADATA: MetadataOnly = { data: false };

/** The list baseline: the first `limit` Pods scanned, each metadata record decoded with its namespace and name. */
export function scanPods(raw: RawDatabases, limit: number): number {
  const rows = scanMetadata(raw, typePrefix('', 'v1', 'Pod'), limit);
  if (rows.length !== limit) throw new Error(`scanned ${rows.length} of ${limit} Pods`);
  return rows.length;
}

/** Case 2: one page of `listLimit` Pods from `store.list` against a range scan of the same rows. */
export const listCase: BenchCase = {
  id: 'list',
  async run(context: BenchContext): Promise<CaseResult[]> {
    const { mode } = context;
    const fixture = await context.cluster();
    const pods = countOf(fixture, 'Pod');
    const limit = Math.min(mode.listLimit, pods);
    const { store, raw } = fixture;
    const rates = await runRounds(
      {
        store: {
          run() {
            const page = store.list({ type: { group: '', version: 'v1', kind: 'Pod' }, limit }, METADATA);
            if (page.items.length !== limit) throw new Error(`listed ${page.items.length} of ${limit} Pods`);
            return page.items.length;
          },
        },
        baseline: { run: () => scanPods(raw, limit) },
      },
      mode,
    );
    return [
      resultOf(
        {
          id: 'list',
          name: `list ${limit} Pods`,
          unit: 'resources',
          target: 0.33,
          baselineIs:
            'getRange over the type prefix, each metadata record decoded with namespace and name from the key',
          size: { limit, pods },
        },
        rates.store,
        rates.baseline,
      ),
    ];
  },
};
