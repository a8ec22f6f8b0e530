/**
 * Writes a store's resources and relationships at one revision in the export format (`format.ts`).
 * Every page of both listings is read at that revision (`atRevision`, then cursors), so writes that
 * commit while the export runs do not show in it.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { badInput, isStoreError, type Store } from '../store/index.ts';
import { headerLine, relationshipLines, resourceLine } from './format.ts';

/** Options of an export. */
export interface ExportOptions {
  /** The revision to export (default: the current one); older than the retained log: REVISION_COMPACTED. */
  readonly atRevision?: number | null;
  /** Items read per page (default 1,000). */
  readonly pageSize?: number;
  /** Called after each page written. */
  readonly onProgress?: (progress: ExportSummary) => void;
}

/** What an export wrote. */
export interface ExportSummary {
  revision: number;
  resources: number;
  relationships: number;
}

const DEFAULT_PAGE_SIZE = 1_000;

/** Writes the export to `out` (which it does not end) and resolves once every line is written. */
export async function exportStore(
  store: Store,
  out: Writable,
  options: ExportOptions = {},
): Promise<ExportSummary> {
  const limit = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const revision = options.atRevision ?? store.revision;
  // Reading the first page checks the revision before anything is written.
  let resources = store.list({ atRevision: revision, limit });
  const summary: ExportSummary = { revision: resources.revision, resources: 0, relationships: 0 };
  const sink = new Sink(out);
  try {
    await sink.write(headerLine(summary.revision));
    for (;;) {
      await sink.write(resources.items.map(resourceLine).join(''));
      summary.resources += resources.items.length;
      options.onProgress?.(summary);
      if (resources.endCursor === null) break;
      resources = store.list({ after: resources.endCursor, limit });
    }
    let relationships = store.relationships({}, { atRevision: summary.revision, limit });
    for (;;) {
      const lines = relationships.items.map((relationship) =>
        // Blank node labels number the relationships: unique within the export.
        relationshipLines(relationship, `r${++summary.relationships}`),
      );
      await sink.write(lines.join(''));
      options.onProgress?.(summary);
      if (relationships.endCursor === null) break;
      relationships = store.relationships({}, { after: relationships.endCursor, limit });
    }
    return summary;
  } finally {
    sink.release();
  }
}

/**
 * Writes the export to the file at `path`, replaced only once the export is complete: it is written
 * to a temporary file beside `path` first, and renamed. A failure to write the file is BAD_USER_INPUT
 * naming `path`; on any failure the temporary file is removed and `path` is left as it was.
 */
export async function exportStoreToFile(
  store: Store,
  path: string,
  options: ExportOptions = {},
): Promise<ExportSummary> {
  const partial = `${path}.partial-${process.pid}`;
  const file = createWriteStream(partial);
  try {
    const summary = await exportStore(store, file, options);
    file.end();
    await finished(file);
    await rename(partial, path);
    return summary;
  } catch (error) {
    file.destroy();
    await rm(partial, { force: true });
    if (isStoreError(error)) throw error;
    throw badInput(path, `cannot be written (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

/** Writes chunks to a stream, waiting for `drain` when it is full, and rethrows its errors. */
class Sink {
  readonly #out: Writable;
  #failure: Error | null = null;
  readonly #onError = (error: Error) => {
    this.#failure ??= error;
  };

  constructor(out: Writable) {
    this.#out = out;
    out.on('error', this.#onError);
  }

  async write(chunk: string): Promise<void> {
    if (this.#failure) throw this.#failure;
    if (chunk !== '' && !this.#out.write(chunk)) await once(this.#out, 'drain');
  }

  release(): void {
    this.#out.off('error', this.#onError);
  }
}
