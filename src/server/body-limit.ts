/**
 * The HTTP request body limit, as a yoga plugin that runs before the body is parsed. A body that
 * declares a larger `content-length` is refused without reading a byte of it; a body of unknown
 * length (chunked) is read up to the limit and refused as soon as it passes it. Either way the
 * answer is 413 with a GraphQL-shaped error, and the connection is closed rather than drained.
 */
import type { Plugin } from 'graphql-yoga';

/** The `extensions.code` of a request whose body is over the limit. */
export const PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE';

type FetchAPI = Parameters<NonNullable<Plugin['onRequest']>>[0]['fetchAPI'];

function tooLarge(fetchAPI: FetchAPI, maxBytes: number): Response {
  const error = {
    message: `The request body is larger than the limit of ${maxBytes} bytes.`,
    extensions: { code: PAYLOAD_TOO_LARGE, maxBodyBytes: maxBytes },
  };
  return new fetchAPI.Response(JSON.stringify({ errors: [error] }), {
    status: 413,
    headers: { 'content-type': 'application/json; charset=utf-8', connection: 'close' },
  });
}

/** Reads a body of unknown length; null as soon as it is longer than `maxBytes`. */
async function readUpTo(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<Buffer<ArrayBuffer> | null> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks, size);
    size += value.byteLength;
    if (size > maxBytes) {
      reader.releaseLock();
      return null;
    }
    chunks.push(value);
  }
}

/** Answers 413 to a request whose body is longer than `maxBytes`. */
export function useBodyLimit(maxBytes: number): Plugin {
  return {
    onRequest({ request, setRequest, endResponse, fetchAPI }) {
      if (request.method === 'GET' || request.method === 'HEAD') return;
      const declared = request.headers.get('content-length');
      if (declared !== null) {
        // Node's parser delivers exactly the declared length, so the header is the body's size.
        if (Number(declared) > maxBytes) endResponse(tooLarge(fetchAPI, maxBytes));
        return;
      }
      const { body } = request;
      if (body === null) return;
      return readUpTo(body, maxBytes).then((bytes) => {
        if (bytes === null) endResponse(tooLarge(fetchAPI, maxBytes));
        else {
          const { method, headers, signal } = request;
          setRequest(new fetchAPI.Request(request.url, { method, headers, signal, body: bytes }));
        }
      });
    },
  };
}
