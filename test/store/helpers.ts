/** Shared fixtures for store tests: temporary stores and ref builders. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import {
  openStore,
  type Page,
  type RelationshipInput,
  type ResourceRef,
  type Store,
  type StoreOptions,
  type TraversalStep,
  type TraverseOptions,
} from '../../src/store/index.ts';

/** Opens an in-memory store that is closed (and removed) when the current test file ends. */
export async function tempStore(options: Omit<StoreOptions, 'path' | 'inMemory'> = {}): Promise<Store> {
  const store = await openStore({ inMemory: true, ...options });
  after(() => store.close());
  return store;
}

/** A temporary directory removed when the current test file ends. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'resource-store-test-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A core-group Pod ref. */
export const pod = (name: string, namespace = 'default'): ResourceRef => ({
  group: '',
  version: 'v1',
  kind: 'Pod',
  namespace,
  name,
});

/** A cluster-scoped Node ref. */
export const node = (name: string): ResourceRef => ({
  group: '',
  version: 'v1',
  kind: 'Node',
  namespace: '',
  name,
});

/** An apps/v1 ref of the given kind. */
export const apps = (kind: string, name: string, namespace = 'default'): ResourceRef => ({
  group: 'apps',
  version: 'v1',
  kind,
  namespace,
  name,
});

/** A relationship of a plain predicate type (no data). */
export const edge = (subject: ResourceRef, object: ResourceRef, type = 'Calls'): RelationshipInput => ({
  subject,
  predicate: { type },
  object,
});

/** An OwnerReference edge from `owner` to `dependent`, naming the owner's uid as `uid-NAME`. */
export const owns = (owner: ResourceRef, dependent: ResourceRef): RelationshipInput => ({
  subject: owner,
  predicate: {
    type: 'OwnerReference',
    data: { kind: owner.kind, name: owner.name, uid: `uid-${owner.name}` },
  },
  object: dependent,
});

/** The names of the refs of traversal steps (or of resources), in order. */
export const names = (items: readonly { ref: ResourceRef }[]) => items.map((item) => item.ref.name);

/** Every step of a walk, read page by page with pages of `limit`. */
export function allSteps(
  store: Store,
  start: ResourceRef,
  options: TraverseOptions,
  limit: number,
): TraversalStep[] {
  const out: TraversalStep[] = [];
  let after: string | null = null;
  do {
    const page: Page<TraversalStep> = store.traverse(start, { ...options, limit, after });
    out.push(...page.items);
    after = page.endCursor;
  } while (after);
  return out;
}

/** Collects `count` events from an async iterator (fails the test after `ms`). */
export async function take<T>(iterator: AsyncIterator<T>, count: number, ms = 5000): Promise<T[]> {
  const out: T[] = [];
  const deadline = Date.now() + ms;
  while (out.length < count) {
    const timeout = deadline - Date.now();
    if (timeout <= 0) throw new Error(`timed out after ${out.length} of ${count} events`);
    let timer: NodeJS.Timeout | undefined;
    const next = await Promise.race([
      iterator.next(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`timed out after ${out.length} of ${count} events`)),
          timeout,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}

/** Resolves to the StoreError code a promise (or function) fails with. */
export async function codeOf(work: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (error) {
    return (error as { code?: string }).code ?? `not a StoreError: ${String(error)}`;
  }
  return undefined;
}
