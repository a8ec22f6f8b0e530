/**
 * Case 4: relationship lookups. `store.relationships({ subject })` (a ReplicaSet's owned pods) and
 * `store.relationships({ object, predicateType })` (a Pod's owner) against prefix range reads of the
 * same index rows (`spo`, `pos`), turning ids back into refs through the term dictionary with the
 * caches a hand-written reader would keep.
 */
import { decodeTripleKey, prefixEnd, type TripleIndex, triplePrefix } from '../../src/store/keys.ts';
import type { Relationship, ResourceRef } from '../../src/store/types.ts';
import type { BenchCase, BenchContext } from '../lib/context.ts';
import { refsOf, sampleOf } from '../lib/fixtures.ts';
import { runRounds } from '../lib/measure.ts';
import { type RawDatabases, RawTerms } from '../lib/raw.ts';
import { type CaseResult, resultOf } from '../lib/report.ts';

const OWNER_REFERENCE = 'OwnerReference';

/** Relationships under one prefix of one index, decoded like the store returns them. */
export function rawRelationships(
  raw: RawDatabases,
  terms: RawTerms,
  index: TripleIndex,
  prefixIds: number[],
): Relationship[] {
  const prefix = triplePrefix(...prefixIds);
  const out: Relationship[] = [];
  for (const { key, value } of raw[index].getRange({ start: prefix, end: prefixEnd(prefix) })) {
    const ids = decodeTripleKey(index, key);
    out.push({
      subject: terms.ref(ids.s),
      predicate: { type: terms.predicate(ids.p), data: value.data },
      object: terms.ref(ids.o),
      createdAt: value.createdAt,
      updatedAt: value.updatedAt,
      revision: value.revision,
    });
  }
  return out;
}

/** Both lookups, each against its baseline. */
export const relationshipsCase: BenchCase = {
  id: 'relationships',
  async run(context: BenchContext): Promise<CaseResult[]> {
    const { mode } = context;
    const fixture = await context.cluster();
    const { store, raw } = fixture;
    const terms = new RawTerms(raw);
    const replicaSets = sampleOf(refsOf(fixture, 'ReplicaSet'), mode.sample);
    const pods = sampleOf(refsOf(fixture, 'Pod'), mode.sample);
    const owner = terms.predicateId(OWNER_REFERENCE)!;
    let found = 0;
    const bySubject = await runRounds(
      {
        store: lookups(replicaSets, (subject) => store.relationships({ subject }).items.length),
        baseline: lookups(replicaSets, (subject) => {
          const id = terms.refId(subject);
          return id === undefined ? 0 : rawRelationships(raw, terms, 'spo', [id]).length;
        }),
      },
      mode,
    );
    const byObject = await runRounds(
      {
        store: lookups(pods, (object) => {
          const items = store.relationships({ object, predicateType: OWNER_REFERENCE }).items;
          found += items.length;
          return items.length;
        }),
        baseline: lookups(pods, (object) => {
          const id = terms.refId(object);
          return id === undefined ? 0 : rawRelationships(raw, terms, 'pos', [owner, id]).length;
        }),
      },
      mode,
    );
    if (found === 0) throw new Error('no Pod has an owner');
    const size = { queries: replicaSets.length, storedRelationships: fixture.relationships };
    return [
      resultOf(
        {
          id: 'relationships-subject',
          name: 'relationships({subject})',
          unit: 'queries',
          target: 0.5,
          baselineIs: 'refIds.get + spo prefix getRange + cached id->ref decoding',
          size,
        },
        bySubject.store,
        bySubject.baseline,
      ),
      resultOf(
        {
          id: 'relationships-object',
          name: 'relationships({object, predicateType})',
          unit: 'queries',
          target: 0.5,
          baselineIs: 'refIds.get + pos prefix getRange + cached id->ref decoding',
          size,
        },
        byObject.store,
        byObject.baseline,
      ),
    ];
  },
};

/** A contender that runs `lookup` for every ref; one operation per ref. */
function lookups(refs: readonly ResourceRef[], lookup: (ref: ResourceRef) => number) {
  return {
    run() {
      for (const ref of refs) lookup(ref);
      return refs.length;
    },
  };
}
