/**
 * Listings and watches with hidden items left out: pages read past what the caller may not see, at
 * one snapshot and with the store's own cursors; watches skip the events it may not see.
 */
import type { Page, Watch } from '../store/index.ts';

/** Default page size of store listings (the store's own default). */
const DEFAULT_PAGE = 100;

/** Reads one store page of a listing: after a cursor (null: the first page), at most `limit` items. */
export type PageReader<T> = (after: string | null | undefined, limit: number) => Page<T>;

/**
 * One page of a listing of which only `keep` items are visible: store pages are read (at the first
 * page's revision, which every later cursor carries) until `limit` visible items and one more are
 * found or the listing ends. Cursors are the store's own cursors of the items kept, so a next page
 * starts right after the last item shown.
 */
export function filteredPage<T>(
  read: PageReader<T>,
  keep: (item: T) => boolean,
  limit: number | null | undefined,
  after: string | null | undefined,
): Page<T> {
  const want = limit ?? DEFAULT_PAGE;
  const chunk = Math.max(want, 1);
  const items: T[] = [];
  const cursors: string[] = [];
  let page = read(after, chunk);
  const revision = page.revision;
  let more = false;
  for (;;) {
    for (const [index, item] of page.items.entries()) {
      if (!keep(item)) continue;
      if (items.length === want) {
        more = true;
        break;
      }
      items.push(item);
      cursors.push(page.cursorAt(index));
    }
    if (more || !page.hasNextPage || page.endCursor === null) break;
    page = read(page.endCursor, chunk);
  }
  return {
    items,
    cursorAt: (index) => cursors[index] ?? '',
    endCursor: more ? (cursors.at(-1) ?? after ?? null) : null,
    hasNextPage: more,
    revision,
  };
}

/** A watch that skips the events `keep` rejects. */
export function filteredWatch<T>(watch: Watch<T>, keep: (event: T) => boolean): Watch<T> {
  const filtered: Watch<T> = {
    get lastRevision() {
      return watch.lastRevision;
    },
    [Symbol.asyncIterator]: () => filtered,
    async next() {
      for (;;) {
        const result = await watch.next();
        if (result.done || keep(result.value)) return result;
      }
    },
    return: () => watch.return(),
  };
  return filtered;
}
