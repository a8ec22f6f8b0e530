/**
 * The HTTP request body limit, for both transports: a yoga plugin that runs before the body is
 * parsed, and a reader of `node:http` bodies for the lean path. A body that declares a larger
 * `content-length` is refused without reading a byte of it; a body of unknown length (chunked) is
 * read up to the limit and refused as soon as it passes it. Either way the answer is 413 with a
 * GraphQL-shaped error, sent whole at once; the rest of the body is then read and dropped, within
 * bounds (`body-drain.ts`), before the connection is closed, so that clients still sending see it.
 */
import type { IncomingMessage } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import { drainFetchBody } from './body-drain.ts';
import { errorReply, type HttpReply } from './http-reply.ts';

/** The `extensions.code` of a request whose body is over the limit. */
export const PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE';

/** The 413 answer; it closes the connection once the rest of the body is drained. */
export function tooLargeReply(maxBytes: number): HttpReply {
  const message = `The request body is larger than the limit of ${maxBytes} bytes.`;
  return errorReply(413, [{ message, extensions: { code: PAYLOAD_TOO_LARGE, maxBodyBytes: maxBytes } }], {
    connection: 'close',
  });
}

/** Whether a declared `content-length` is over the limit (node delivers exactly the declared length). */
export function declaredTooLarge(contentLength: string | null, maxBytes: number): boolean {
  return contentLength !== null && Number(contentLength) > maxBytes;
}

/** Collects the chunks of a body up to a limit. */
export class BodyCollector {
  readonly #maxBytes: number;
  readonly #chunks: Uint8Array[] = [];
  #size = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** Adds a chunk; false (and the chunk dropped) once the body is longer than the limit. */
  add(chunk: Uint8Array): boolean {
    this.#size += chunk.byteLength;
    if (this.#size > this.#maxBytes) return false;
    this.#chunks.push(chunk);
    return true;
  }

  /** The body so far, as one buffer. */
  bytes(): Buffer<ArrayBuffer> {
    const [only] = this.#chunks;
    if (this.#chunks.length === 1 && only instanceof Buffer) return only as Buffer<ArrayBuffer>;
    return Buffer.concat(this.#chunks, this.#size);
  }
}

/** Reads a fetch body of unknown length; null as soon as it is longer than `maxBytes`. */
async function readStreamUpTo(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<Buffer<ArrayBuffer> | null> {
  const reader = body.getReader();
  const collector = new BodyCollector(maxBytes);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return collector.bytes();
    if (!collector.add(value)) {
      reader.releaseLock();
      return null;
    }
  }
}

/**
 * Reads the body of a node request; null as soon as it is longer than `maxBytes` (the rest is left
 * unread: answer with {@link tooLargeReply}, which closes the connection). Rejects if the client
 * goes away before the end.
 */
export function readNodeBody(
  request: IncomingMessage,
  maxBytes: number,
): Promise<Buffer<ArrayBuffer> | null> {
  return new Promise((resolve, reject) => {
    // Gone while the request waited (for its authentication): its `close` was emitted already.
    if (request.destroyed) {
      reject(new Error('the client closed the request before its body ended'));
      return;
    }
    const collector = new BodyCollector(maxBytes);
    const stop = () => {
      request.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      if (collector.add(chunk)) return;
      stop();
      request.pause();
      resolve(null);
    };
    const onEnd = () => {
      stop();
      resolve(collector.bytes());
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    const onClose = () => onError(new Error('the client closed the request before its body ended'));
    request.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/** yoga's fetch classes. */
type FetchAPI = { Response: typeof Response; ReadableStream: typeof ReadableStream };

/**
 * The 413 answer as a fetch response whose body, written whole at once, ends only once the rest of
 * the request's body is drained: yoga's server ends the node response (and closes the connection)
 * when the body ends.
 */
function tooLargeResponse(fetchAPI: FetchAPI, request: Request, maxBytes: number): Response {
  const reply = tooLargeReply(maxBytes);
  const bytes = Buffer.from(reply.body);
  const drained = drainFetchBody(request);
  const body = new fetchAPI.ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      void drained.finally(() => controller.close());
    },
  });
  const headers = { ...reply.headers, 'content-length': String(bytes.length) };
  return new fetchAPI.Response(body, { status: reply.status, headers });
}

/** Answers 413 to a request whose body is longer than `maxBytes`. */
export function useBodyLimit(maxBytes: number): Plugin {
  return {
    onRequest({ request, setRequest, endResponse, fetchAPI }) {
      if (request.method === 'GET' || request.method === 'HEAD') return;
      const declared = request.headers.get('content-length');
      if (declared !== null) {
        if (declaredTooLarge(declared, maxBytes)) endResponse(tooLargeResponse(fetchAPI, request, maxBytes));
        return;
      }
      const { body } = request;
      if (body === null) return;
      return readStreamUpTo(body, maxBytes).then((bytes) => {
        if (bytes === null) endResponse(tooLargeResponse(fetchAPI, request, maxBytes));
        else {
          const { method, headers, signal } = request;
          setRequest(new fetchAPI.Request(request.url, { method, headers, signal, body: bytes }));
        }
      });
    },
  };
}
