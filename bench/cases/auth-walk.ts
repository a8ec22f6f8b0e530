/**
 * Case 5b: the cost of authorization on a walk. The traversal of case 5 (3 hops down OwnerReference
 * edges from Deployments, metadata alone) through the authorized store of a principal who may read
 * every namespace but one, against the same `store.traverse` of the same starts without
 * authorization. The authorized walk is the store's own walk, told to enter only what the principal
 * may see; the hidden namespace is that of one of the starts, so some walks are dropped whole.
 *
 * The graph has at least 100k edges: the run's shared cluster when it is that large (a full run),
 * else a cluster of 10,000 Deployments imported for this case (a small one under `--smoke`).
 */
import { authorizedStore, type Principal } from '../../src/auth/index.ts';
import type { ResourceRef, Store, TraverseOptions } from '../../src/store/index.ts';
import type { BenchCase, BenchContext } from '../lib/context.ts';
import { type ClusterFixture, clusterFixture, refsOf, sampleOf } from '../lib/fixtures.ts';
import { runRounds } from '../lib/measure.ts';
import { type CaseResult, resultOf } from '../lib/report.ts';

/** Edges the walked graph has at least (outside `--smoke`). */
const MIN_EDGES = 100_000;
/** Deployments of the case's own cluster when the shared one is smaller (≈10.7 edges each). */
const DEPLOYMENTS = 10_000;
/** Deployments of the case's own cluster under `--smoke`: enough for three namespaces. */
const SMOKE_DEPLOYMENTS = 75;

const OPTIONS: TraverseOptions = {
  direction: 'OUTGOING',
  predicates: ['OwnerReference'],
  maxDepth: 3,
  limit: 100,
};

/** The cluster to walk: the shared one when large enough, else one of the case's own (closed by the case). */
async function walkedCluster(context: BenchContext): Promise<{ fixture: ClusterFixture; own: boolean }> {
  if (context.mode.name !== 'smoke') {
    const shared = await context.cluster();
    if (shared.relationships >= MIN_EDGES) return { fixture: shared, own: false };
  }
  const deployments = context.mode.name === 'smoke' ? SMOKE_DEPLOYMENTS : DEPLOYMENTS;
  context.log(`auth-walk: importing a cluster of ${deployments} Deployments`);
  return { fixture: await clusterFixture(deployments), own: true };
}

/** A reader of every namespace (and of cluster scope) but `hidden`. */
function readerOfAllBut(fixture: ClusterFixture, hidden: string): Principal {
  const namespaces = refsOf(fixture, 'Namespace')
    .map((ref) => ref.name)
    .filter((name) => name !== hidden);
  return {
    name: 'bench-reader',
    rules: [{ verbs: ['get', 'list', 'watch'], namespaces: [...namespaces, ''], kinds: ['*'] }],
  };
}

/** Walks from every start; resolves to the steps reached. */
function walkAll(store: Store, starts: readonly ResourceRef[]): number {
  let steps = 0;
  for (const start of starts) steps += store.traverse(start, OPTIONS, { data: false }).items.length;
  return steps;
}

/** Authorized traversals per second against unauthorized ones, from the same Deployments. */
export const authWalkCase: BenchCase = {
  id: 'auth-walk',
  async run(context: BenchContext): Promise<CaseResult[]> {
    const { mode } = context;
    const { fixture, own } = await walkedCluster(context);
    try {
      const starts = sampleOf(refsOf(fixture, 'Deployment'), mode.sample);
      const hidden = starts[0]!.namespace;
      const view = authorizedStore(fixture.store, readerOfAllBut(fixture, hidden));
      const visibleSteps = walkAll(view, starts);
      const allSteps = walkAll(fixture.store, starts);
      if (visibleSteps === 0 || visibleSteps >= allSteps) {
        throw new Error(`the filter should drop some of the ${allSteps} steps; it kept ${visibleSteps}`);
      }
      let walked = 0;
      const walker = (store: Store) => ({
        run() {
          walked += walkAll(store, starts);
          return starts.length;
        },
      });
      const rates = await runRounds({ store: walker(view), baseline: walker(fixture.store) }, mode);
      if (walked === 0) throw new Error('the traversals reached nothing');
      return [
        resultOf(
          {
            id: 'auth-walk',
            name: `3-hop OwnerReference traversal through authorization, one namespace hidden (${fixture.relationships} edges)`,
            unit: 'traversals',
            target: 0.7,
            baselineIs: 'the same store.traverse of the same starts, unauthorized',
            size: {
              starts: starts.length,
              hiddenStarts: starts.filter((start) => start.namespace === hidden).length,
              edges: fixture.relationships,
              namespaces: refsOf(fixture, 'Namespace').length,
              visibleSteps,
              allSteps,
            },
          },
          rates.store,
          rates.baseline,
        ),
      ];
    } finally {
      if (own) await fixture.close();
    }
  },
};
