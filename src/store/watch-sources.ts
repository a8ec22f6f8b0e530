/**
 * Where watches come from: the hub of published entries, the change log for replays, and the
 * current state for `initialState`, with each watch's `since`, queue bound and selection of events.
 * (watch.ts holds the watcher itself: queueing, the seam between replay and live, SLOW_CONSUMER.)
 */
import type { LogEntry } from './db.ts';
import { badInput, StoreError } from './errors.ts';
import { matchesQuery, type Reader, type ResourceQuery } from './reads.ts';
import { matchesPattern, type TriplePattern } from './triple-reads.ts';
import type { Page, RelationshipEvent, Resource, ResourceEvent, Watch } from './types.ts';
import { type EventHub, type InitialState, Watcher } from './watch.ts';

const INITIAL_STATE_PAGE = 500;

/** What a watch asks for, besides its filter. */
export interface WatchStart {
  readonly since?: number | null | undefined;
  readonly initialState?: boolean | null | undefined;
  readonly maxQueuedEvents?: number | undefined;
}

/** Makes the store's watches. */
export class WatchSources {
  readonly #reader: Reader;
  readonly #hub: EventHub;
  readonly #maxQueued: number;
  readonly #checkOpen: () => void;

  constructor(reader: Reader, hub: EventHub, maxQueued: number, checkOpen: () => void) {
    this.#reader = reader;
    this.#hub = hub;
    this.#maxQueued = maxQueued;
    this.#checkOpen = checkOpen;
  }

  /** A watch of the resources a query matches, label-selector transitions translated. */
  resources(query: ResourceQuery, start: WatchStart): Watch<ResourceEvent> {
    const source = this.#source((entry) => resourceEventsOf(query, entry));
    const maxQueued = this.#maxQueuedOf(start.maxQueuedEvents);
    if (start.initialState) {
      if (start.since !== null && start.since !== undefined) {
        throw badInput('since', 'cannot be combined with initialState');
      }
      return new Watcher(source, { since: 0, maxQueued, initial: this.#initialState(query) });
    }
    return new Watcher(source, { since: this.#since(start.since), maxQueued });
  }

  /** A watch of the relationships a pattern matches. */
  relationships(pattern: TriplePattern, start: WatchStart): Watch<RelationshipEvent> {
    const source = this.#source((entry) =>
      entry.relationships.filter((c) => matchesPattern(pattern, c.relationship)),
    );
    return new Watcher(source, {
      since: this.#since(start.since),
      maxQueued: this.#maxQueuedOf(start.maxQueuedEvents),
    });
  }

  #source<E>(select: (entry: LogEntry) => E[]) {
    return {
      hub: this.#hub,
      select,
      readLog: (after: number, upTo: number, limit: number) => {
        this.#checkOpen();
        return this.#reader.readLog(after, upTo, limit);
      },
      compactedRevision: () => {
        this.#checkOpen();
        return this.#reader.compactedRevision();
      },
    };
  }

  /** The current matches as ADDED events, read page by page at the first page's snapshot. */
  #initialState(query: ResourceQuery): InitialState<ResourceEvent> {
    let revision = 0;
    const reader = this.#reader;
    const checkOpen = this.#checkOpen;
    function* pages(): Generator<ResourceEvent[]> {
      let cursor: string | null = null;
      do {
        checkOpen();
        const page = reader.listResources(query, INITIAL_STATE_PAGE, cursor, null, true) as Page<Resource>;
        revision = page.revision;
        cursor = page.endCursor;
        yield page.items.map((resource) => ({ type: 'ADDED' as const, revision, resource, previous: null }));
      } while (cursor !== null);
    }
    return {
      pages: pages(),
      revision: () => revision,
      synced: (at) => ({ type: 'SYNCED', revision: at, resource: null, previous: null }),
    };
  }

  /** The revision a watch replays from: `since`, checked, or the newest published one. */
  #since(since: number | null | undefined): number {
    if (since === null || since === undefined) return this.#hub.published;
    if (typeof since !== 'number' || !Number.isSafeInteger(since) || since < 0) {
      throw badInput('since', 'must be a non-negative integer revision');
    }
    const committed = this.#reader.committedRevision();
    if (since > committed)
      throw badInput('since', `revision ${since} is newer than the store (${committed})`);
    const compacted = this.#reader.compactedRevision();
    if (since < compacted) {
      throw new StoreError(
        'REVISION_COMPACTED',
        `revision ${since} is older than the retained log (${compacted})`,
        {
          compactedRevision: compacted,
        },
      );
    }
    return since;
  }

  #maxQueuedOf(value: number | undefined): number {
    if (value === undefined) return this.#maxQueued;
    if (!Number.isSafeInteger(value) || value < 1)
      throw badInput('maxQueuedEvents', 'must be a positive integer');
    return value;
  }
}

/** The events one resource watcher sees in a log entry, with label-selector transitions translated. */
function resourceEventsOf(query: ResourceQuery, entry: LogEntry): ResourceEvent[] {
  const events: ResourceEvent[] = [];
  for (const change of entry.resources) {
    const matched =
      change.type !== 'ADDED' && change.previous !== null && matchesQuery(query, change.previous);
    const matches = change.type !== 'DELETED' && matchesQuery(query, change.resource);
    const { revision, resource, previous } = change;
    if (matches) events.push({ type: matched ? 'UPDATED' : 'ADDED', revision, resource, previous });
    else if (matched) events.push({ type: 'DELETED', revision, resource, previous });
  }
  return events;
}
