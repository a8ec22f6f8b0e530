/** Shared fixtures for the Kubernetes import tests. */
import { after } from 'node:test';
import { openStore, type Relationship, type RelationshipPattern, type Store } from '../../src/store/index.ts';

/** Opens an in-memory store that is closed (and removed) when the current test file ends. */
export async function memoryStore(): Promise<Store> {
  const store = await openStore({ inMemory: true });
  after(() => store.close());
  return store;
}

/** Every relationship matching `pattern`, following cursors page by page. */
export function allRelationships(store: Store, pattern: RelationshipPattern = {}): Relationship[] {
  const out: Relationship[] = [];
  let after: string | null = null;
  do {
    const page = store.relationships(pattern, { limit: 1000, after });
    out.push(...page.items);
    after = page.endCursor;
  } while (after !== null);
  return out;
}

/** Counts of `items` by `key`. */
export function countBy<T>(items: Iterable<T>, key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}
