/**
 * The store watches behind two metrics that the store cannot count cheaply: events published, and
 * relationships by predicate (counted once by a paged scan, then kept current from a watch).
 */
import { type Store, StoreError, type Watch } from '../store/index.ts';

/** Internal watches must not fall behind on a large transaction: one revision may hold this many. */
const INTERNAL_QUEUE = 1_000_000;

/** Where the internal watches report. */
export interface InternalSinks {
  resourceEvent(type: string): void;
  relationshipEvent(type: string, predicate: string): void;
  /** The relationship counts by predicate, once a scan has counted them. */
  relationshipsCounted(counts: Map<string, number>): void;
}

/**
 * The watches behind the published-events counters and the relationship counts. The counts start
 * from a paged scan at one revision (yielding to the event loop between pages) and follow the log
 * from that revision, so no change is counted twice or missed. A watch that falls behind resumes
 * from its last revision; one whose revision was compacted away starts over with a new scan.
 */
export function startInternalWatches(store: Store, sinks: InternalSinks): { close(): Promise<void> } {
  let closed = false;
  const watches = new Set<Watch<unknown>>();
  const pause = () => new Promise((resolve) => setImmediate(resolve));

  async function follow<T>(open: (since: number) => Watch<T>, since: number, each: (event: T) => void) {
    let from = since;
    while (!closed) {
      const watch = open(from);
      watches.add(watch);
      try {
        for await (const event of watch) each(event);
        return;
      } catch (error) {
        if (!(error instanceof StoreError) || error.code !== 'SLOW_CONSUMER') throw error;
        from = watch.lastRevision;
      } finally {
        watches.delete(watch);
      }
    }
  }

  async function countRelationships(): Promise<number> {
    const counts = new Map<string, number>();
    let page = store.relationships({}, { limit: 5000 });
    const revision = page.revision;
    for (;;) {
      for (const { predicate } of page.items)
        counts.set(predicate.type, (counts.get(predicate.type) ?? 0) + 1);
      if (!page.hasNextPage || page.endCursor === null || closed) break;
      await pause();
      page = store.relationships({}, { limit: 5000, after: page.endCursor });
    }
    sinks.relationshipsCounted(counts);
    return revision;
  }

  const ignoreEnd = (error: unknown) => {
    if (!(error instanceof StoreError)) throw error;
  };
  const resources = follow(
    (since) => store.watch({ since, maxQueuedEvents: INTERNAL_QUEUE }),
    store.revision,
    (event) => {
      if (event.type !== 'SYNCED') sinks.resourceEvent(event.type);
    },
  ).catch(ignoreEnd);
  const relationships = (async () => {
    while (!closed) {
      try {
        const revision = await countRelationships();
        await follow(
          (since) => store.watchRelationships({ since, maxQueuedEvents: INTERNAL_QUEUE }),
          revision,
          (event) => sinks.relationshipEvent(event.type, event.relationship.predicate.type),
        );
        return;
      } catch (error) {
        if (!(error instanceof StoreError) || error.code !== 'REVISION_COMPACTED') return ignoreEnd(error);
      }
    }
  })();
  return {
    async close() {
      closed = true;
      await Promise.all([...watches].map((watch) => watch.return()));
      await Promise.all([resources, relationships]);
    },
  };
}
