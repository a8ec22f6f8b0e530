/**
 * Case 5: a 3-hop ownership traversal from Deployments (Deployment → ReplicaSets → Pods) over the
 * generated cluster's graph, `store.traverse(ref, { OUTGOING, ['OwnerReference'], maxDepth 3 })`,
 * against a hand-written breadth-first walk over the same `spo` prefix ranges (one range read of
 * subject + predicate per visited node). The baseline builds the same steps: each reached ref, its
 * resource, its depth and the edge that reached it.
 */
import { prefixEnd, readId, refKey, triplePrefix } from '../../src/store/keys.ts';
import type { ResourceRef, TraversalStep } from '../../src/store/types.ts';
import type { BenchCase, BenchContext } from '../lib/context.ts';
import { refsOf, sampleOf } from '../lib/fixtures.ts';
import { runRounds } from '../lib/measure.ts';
import { type RawDatabases, RawTerms } from '../lib/raw.ts';
import { type CaseResult, resultOf } from '../lib/report.ts';

const OWNER_REFERENCE = 'OwnerReference';
const MAX_DEPTH = 3;
const LIMIT = 100;
/** Where the object id sits in an `spo` key (after the subject and predicate ids). */
const OBJECT_OFFSET = 16;

/** Breadth-first walk over `spo` from `start` along one predicate; up to `limit + 1` steps, like a page. */
export function rawTraverse(
  raw: RawDatabases,
  terms: RawTerms,
  start: ResourceRef,
  predicate: number,
  maxDepth: number,
  limit: number,
): TraversalStep[] {
  const startId = terms.refId(start);
  if (startId === undefined) return [];
  const type = terms.predicate(predicate);
  const seen = new Set<number>([startId]);
  const steps: TraversalStep[] = [];
  let frontier = [startId];
  for (let depth = 1; depth <= maxDepth && frontier.length > 0; depth++) {
    const next: number[] = [];
    for (const id of frontier) {
      const prefix = triplePrefix(id, predicate);
      for (const { key, value } of raw.spo.getRange({ start: prefix, end: prefixEnd(prefix) })) {
        const objectId = readId(key, OBJECT_OFFSET);
        if (seen.has(objectId)) continue;
        seen.add(objectId);
        const ref = terms.ref(objectId);
        steps.push({
          ref,
          resource: raw.resources.get(refKey(ref)) ?? null,
          depth,
          via: {
            subject: terms.ref(id),
            predicate: { type, data: value.data },
            object: ref,
            createdAt: value.createdAt,
            updatedAt: value.updatedAt,
            revision: value.revision,
          },
        });
        if (steps.length > limit) return steps;
        next.push(objectId);
      }
    }
    frontier = next;
  }
  return steps;
}

/** Traversals per second from a sample of Deployments. */
export const traverseCase: BenchCase = {
  id: 'traverse',
  async run(context: BenchContext): Promise<CaseResult[]> {
    const { mode } = context;
    const fixture = await context.cluster();
    const { store, raw } = fixture;
    const terms = new RawTerms(raw);
    const owner = terms.predicateId(OWNER_REFERENCE)!;
    const starts = sampleOf(refsOf(fixture, 'Deployment'), mode.sample);
    const options = {
      direction: 'OUTGOING',
      predicates: [OWNER_REFERENCE],
      maxDepth: MAX_DEPTH,
      limit: LIMIT,
    } as const;
    let storeSteps = 0;
    let rawSteps = 0;
    const rates = await runRounds(
      {
        store: {
          run() {
            for (const start of starts)
              storeSteps += store.traverse(start, options, { data: false }).items.length;
            return starts.length;
          },
        },
        baseline: {
          run() {
            for (const start of starts) {
              rawSteps += Math.min(LIMIT, rawTraverse(raw, terms, start, owner, MAX_DEPTH, LIMIT).length);
            }
            return starts.length;
          },
        },
      },
      mode,
    );
    if (storeSteps === 0 || rawSteps === 0) throw new Error('the traversals reached nothing');
    return [
      resultOf(
        {
          id: 'traverse',
          name: `3-hop OwnerReference traversal from Deployments (${fixture.relationships} edges)`,
          unit: 'traversals',
          target: 0.7,
          baselineIs: 'BFS over spo (subject, predicate) prefix ranges with values, resource get per step',
          size: { starts: starts.length, edges: fixture.relationships, maxDepth: MAX_DEPTH, limit: LIMIT },
        },
        rates.store,
        rates.baseline,
      ),
    ];
  },
};
