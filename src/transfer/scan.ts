/**
 * Reading export files in two passes, for an import that never holds their resources:
 *
 * 1. {@link scanExportFile} reads every line and checks it as `parseExport` does (a malformed line, a
 *    ref or uid given twice, reified data without its triple), keeping only the relationships and the
 *    index of the resources' refs and uids (`content.ts`), not the resources.
 * 2. {@link exportResources} reads the resources again, line by line, when they are written.
 *
 * Lines are split at `\n` (a `\r` before it is dropped), each decoded from UTF-8 on its own.
 */
import { createReadStream } from 'node:fs';
import { badInput, isStoreError } from '../store/index.ts';
import { type ExportContent, ExportIndex, type ScannedExport, type Sourced } from './content.ts';
import { type ExportedResource, refIri } from './format.ts';
import { ExportReader } from './reader.ts';

/** Bytes read at a time. */
const CHUNK_BYTES = 256 * 1024;

/** The first pass over an export file: checks every line; keeps the relationships and the index. */
export async function scanExportFile(path: string): Promise<ScannedExport> {
  const index = new ExportIndex(path);
  const reader = new ExportReader(path, {
    onResource: ({ value }, line) => index.add(refIri(value.ref), value.uid, line),
  });
  for await (const line of fileLines(path)) reader.line(line);
  return { ...reader.finish(), path, index };
}

/**
 * The resources of an export in the order of its lines: those held, or those of the file read again
 * (its statements skipped). A file whose resources are no longer those its first pass indexed fails.
 */
export async function* exportResources(content: ExportContent): AsyncGenerator<Sourced<ExportedResource>> {
  if ('resources' in content) {
    yield* content.resources;
    return;
  }
  const { path, index } = content;
  const read: Sourced<ExportedResource>[] = [];
  const reader = new ExportReader(path, {
    statements: false,
    onResource: (resource, line) => {
      if (!index.holds(refIri(resource.value.ref), resource.value.uid, line)) throw changed(resource.source);
      read.push(resource);
    },
  });
  let count = 0;
  for await (const line of fileLines(path)) {
    reader.line(line);
    count += read.length;
    for (const resource of read.splice(0)) yield resource;
  }
  if (count !== index.size) throw changed(path);
}

/**
 * The lines of a file, without their `\n`; each line is a string of its own (not a slice of a
 * larger one, which would keep that alive). A read failure is BAD_USER_INPUT naming the file.
 */
export async function* fileLines(path: string): AsyncGenerator<string> {
  let pending: Buffer[] = [];
  const stream = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0;
      for (let end = chunk.indexOf(10); end >= 0; end = chunk.indexOf(10, start)) {
        const line =
          pending.length === 0
            ? chunk.toString('utf8', start, end)
            : Buffer.concat([...pending, chunk.subarray(start, end)]).toString('utf8');
        pending = [];
        start = end + 1;
        yield line;
      }
      if (start < chunk.length) pending.push(chunk.subarray(start));
    }
  } catch (error) {
    if (isStoreError(error)) throw error;
    throw badInput(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  } finally {
    stream.destroy();
  }
  if (pending.length > 0) yield Buffer.concat(pending).toString('utf8');
}

function changed(source: string) {
  return badInput(source, 'the file changed while it was imported (it differs from its first reading)');
}
