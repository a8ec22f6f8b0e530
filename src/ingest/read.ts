/**
 * Reading what an import is given: whole streams as text, and read failures as BAD_USER_INPUT that
 * name the file.
 */
import { badInput, StoreError } from '../store/index.ts';

/** The whole of a stream as UTF-8 text. */
export async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Awaits a read of `name`; an I/O failure becomes BAD_USER_INPUT naming it (`… cannot be read
 * (ENOENT)`), while a store error (a malformed line found while reading) passes as it is.
 */
export async function readingFile<T>(name: string, reading: Promise<T>): Promise<T> {
  try {
    return await reading;
  } catch (error) {
    if (error instanceof StoreError) throw error;
    throw badInput(name, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}
