/**
 * Pages of listings: merging the current state with an overlay of older states (snapshot paging),
 * cutting a page, and opaque cursors — base64url of "revision.key.fingerprint", where the
 * fingerprint ties a cursor to the listing that issued it.
 */
import { badInput, invariant } from './errors.ts';
import type { Page } from './types.ts';

/** An entry of a listing with the index key it sorts by. */
export interface Keyed<T> {
  key: Buffer;
  item: T;
}

/**
 * Reads up to `limit + 1` entries in key order from the current state, replacing every key the overlay
 * knows with its state at the page's revision (dropped when absent or no longer matching then).
 */
export function mergePage<T>(
  current: Iterable<Keyed<T>>,
  overlay: Map<string, T | null> | null,
  accept: (item: T) => boolean,
  after: Buffer | null,
  limit: number,
): Keyed<T>[] {
  const out: Keyed<T>[] = [];
  const afterHex = after?.toString('hex') ?? '';
  const pinned = overlay
    ? [...overlay]
        .filter((entry): entry is [string, T] => entry[1] !== null && entry[0] > afterHex && accept(entry[1]))
        .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    : [];
  let next = 0;
  for (const entry of current) {
    if (out.length > limit) break;
    const hex = overlay ? entry.key.toString('hex') : '';
    if (overlay?.has(hex)) continue;
    while (next < pinned.length && pinned[next]![0] < hex && out.length <= limit) {
      const [key, item] = pinned[next++]!;
      out.push({ key: Buffer.from(key, 'hex'), item });
    }
    if (out.length <= limit) out.push(entry);
  }
  while (next < pinned.length && out.length <= limit) {
    const [key, item] = pinned[next++]!;
    out.push({ key: Buffer.from(key, 'hex'), item });
  }
  return out;
}

export function toPage<T>(
  entries: Keyed<T>[],
  limit: number,
  revision: number,
  fingerprint: Fingerprint,
): Page<T> {
  const hasNextPage = entries.length > limit;
  const kept = hasNextPage ? entries.slice(0, limit) : entries;
  const page: Page<T> = {
    items: kept.map(({ item }) => item),
    cursorAt(index: number): string {
      const entry = kept[index];
      invariant(entry, `a page of ${kept.length} items has no cursor at ${index}`);
      return encodeCursor(revision, entry.key, fingerprint());
    },
    endCursor: null,
    hasNextPage,
    revision,
  };
  if (hasNextPage && kept.length > 0) page.endCursor = page.cursorAt(kept.length - 1);
  return page;
}

// --- cursors: base64url of "revision.key.fingerprint" ---------------------------------------------

/** Where a page starts: after a cursor's key at its revision, or at the start at revision `at`. */
export function positionOf(
  cursor: string | null,
  fingerprint: Fingerprint,
  at: number | null,
): { revision: number; key: Buffer | null } | null {
  if (cursor === null) return at === null ? null : { revision: at, key: null };
  const position = decodeCursor(cursor, fingerprint);
  if (at !== null && at !== position.revision) {
    throw badInput('atRevision', `differs from the revision of the cursor (${position.revision})`);
  }
  return position;
}

/** A listing's fingerprint, computed when a cursor is first made or read. */
export type Fingerprint = () => string;

/**
 * A short hash of a listing's parameters, carried in its cursors so that a cursor is only accepted
 * by its own listing (two 32-bit FNV-1a variants: cheap, and not meant to resist forgery — a forged
 * cursor reads nothing a plain query could not). Computed on first use.
 */
export function fingerprintOf(parts: ReadonlyArray<string | undefined>): Fingerprint {
  let fingerprint: string | undefined;
  return () => {
    if (fingerprint !== undefined) return fingerprint;
    const text = parts.join('\u0000');
    let a = 0x811c9dc5;
    let b = 0x9747b28c;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      a = Math.imul(a ^ code, 0x01000193);
      b = Math.imul(b ^ code, 0x5bd1e995);
    }
    fingerprint = (a >>> 0).toString(36) + (b >>> 0).toString(36);
    return fingerprint;
  };
}

/** An opaque cursor: the listing's revision, the last key, the listing's fingerprint. */
function encodeCursor(revision: number, key: Buffer, fingerprint: string): string {
  return Buffer.from(`${revision}.${key.toString('base64url')}.${fingerprint}`).toString('base64url');
}

/** Decodes a cursor of the listing with `fingerprint` (BAD_USER_INPUT otherwise). */
export function decodeCursor(cursor: string, fingerprint: Fingerprint): { revision: number; key: Buffer } {
  const parts = typeof cursor === 'string' ? Buffer.from(cursor, 'base64url').toString().split('.') : [];
  const revision = Number(parts[0]);
  if (parts.length !== 3 || !Number.isSafeInteger(revision) || revision < 0 || !parts[1]) {
    throw badInput('after', 'is not a cursor this store issued');
  }
  if (parts[2] !== fingerprint()) throw badInput('after', 'is a cursor of a different listing');
  return { revision, key: Buffer.from(parts[1], 'base64url') };
}
