/**
 * The objects of dump files, read again each time they are asked for, for the streamed import
 * (`stream.ts`, which reads them twice): a JSON file (one starting with `{` or `[`) is streamed item by
 * item (`json-items.ts`), so only the item being read is held; a YAML file is parsed whole, one file
 * at a time (`read.ts`). Sources and errors are those of `read.ts`: `cluster.json: items[12]`, and
 * BAD_USER_INPUT naming the file, line and column of malformed JSON.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { readingFile } from '../ingest/index.ts';
import { badInput, StoreError } from '../store/index.ts';
import type { SourcedObject } from './convert.ts';
import { JsonItemReader, JsonSyntaxError, type ListHeader, NeedsHeader } from './json-items.ts';
import { readDumpFile } from './read.ts';

/** A dump to import: a file's path, or objects already read (standard input, parsed whole). */
export type DumpSource = string | readonly SourcedObject[];

/** Bytes read at a time. */
const CHUNK_BYTES = 256 * 1024;

/**
 * The objects of every source in order, read anew on each call of the returned function. What the
 * first complete read of a JSON file learns of its top level (a List's `kind`, written after its
 * items) is kept for later reads.
 */
export function dumpObjects(sources: readonly DumpSource[]): () => AsyncIterable<SourcedObject> {
  const headers = new Map<string, ListHeader>();
  return async function* objects() {
    for (const source of sources) {
      if (typeof source !== 'string') yield* source;
      else if (await startsLikeJson(source)) yield* jsonFileObjects(source, headers);
      else yield* await readDumpFile(source);
    }
  };
}

/** The objects of a JSON file; learns the list's header in a read of its own when an item needs it. */
async function* jsonFileObjects(
  path: string,
  headers: Map<string, ListHeader>,
): AsyncGenerator<SourcedObject> {
  const given = { count: 0 };
  let header = headers.get(path);
  for (;;) {
    try {
      yield* readJsonFile(path, new JsonItemReader(path, { header }), given);
      return;
    } catch (error) {
      if (!(error instanceof NeedsHeader) || header !== undefined) throw error;
      header = await scanHeader(path);
      headers.set(path, header);
    }
  }
}

/** The top level's `kind` and `apiVersion`, read without keeping any item. */
async function scanHeader(path: string): Promise<ListHeader> {
  const reader = new JsonItemReader(path, { ignoreItems: true });
  const objects = readJsonFile(path, reader, { count: 0 });
  while (!(await objects.next()).done) {
    // the top level, once read, is the header
  }
  return reader.header;
}

/**
 * Streams one JSON file through a reader; `given.count` counts the objects yielded across reads of
 * the same file, and a read again (with the header now known) skips those already given.
 */
async function* readJsonFile(
  path: string,
  reader: JsonItemReader,
  given: { count: number },
): AsyncGenerator<SourcedObject> {
  let seen = 0;
  const fresh = function* (objects: SourcedObject[]) {
    for (const object of objects) {
      if (seen++ < given.count) continue;
      given.count++;
      yield object;
    }
  };
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES })) {
      reader.write(chunk as Buffer);
      yield* fresh(reader.take());
    }
    reader.end();
  } catch (error) {
    throw await describeFailure(path, error);
  }
  yield* fresh(reader.take());
}

/** A read failure as BAD_USER_INPUT naming the file (and, for malformed JSON, the line and column). */
async function describeFailure(path: string, error: unknown): Promise<unknown> {
  if (error instanceof NeedsHeader || error instanceof StoreError) return error;
  if (!(error instanceof JsonSyntaxError)) {
    return badInput(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const { line, column } = await lineColumnAt(path, error.offset);
  return badInput(path, `invalid JSON at line ${line}, column ${column}: ${error.message}`);
}

/** The 1-based line and column (in UTF-16 code units, as JavaScript counts) of a byte offset of a file. */
async function lineColumnAt(path: string, offset: number): Promise<{ line: number; column: number }> {
  const at = { line: 1, column: 1 };
  if (offset <= 0) return at;
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES, end: offset - 1 })) {
    for (const byte of chunk as Buffer) {
      if (byte === 10) {
        at.line++;
        at.column = 1;
      } else if ((byte & 0xc0) !== 0x80) {
        at.column += byte >= 0xf0 ? 2 : 1; // a character's first byte; four bytes are two code units
      }
    }
  }
  return at;
}

/** Whether a file's first character other than white space (and a byte order mark) is `{` or `[`. */
async function startsLikeJson(path: string): Promise<boolean> {
  const file = await readingFile(path, open(path));
  try {
    const buffer = Buffer.alloc(64 * 1024);
    for (let position = 0; ; ) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) return false;
      const text = buffer.subarray(0, bytesRead).toString('latin1');
      const start = text.search(/[^\s\u00ef\u00bb\u00bf]/);
      if (start >= 0) return text[start] === '{' || text[start] === '[';
      position += bytesRead;
    }
  } finally {
    await file.close();
  }
}
