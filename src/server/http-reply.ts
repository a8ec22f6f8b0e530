/**
 * An HTTP answer as plain data. A request-level concern (the body limit, authentication, shutdown)
 * decides its answer once, as a reply, and each transport sends it its own way: as a fetch `Response`
 * from a yoga plugin, or straight on a `node:http` response from the lean path.
 */
import type { ServerResponse } from 'node:http';

/** Status, headers and body of an answer. */
export interface HttpReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** A GraphQL error as it is sent when no operation ran. */
export interface WireError {
  readonly message: string;
  readonly extensions: Readonly<Record<string, unknown>>;
}

/** The content type of every JSON answer. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** A JSON answer `{ errors }` with `status` and, besides the content type, `headers`. */
export function errorReply(
  status: number,
  errors: readonly WireError[],
  headers: Readonly<Record<string, string>> = {},
): HttpReply {
  return {
    status,
    headers: { 'content-type': JSON_CONTENT_TYPE, ...headers },
    body: JSON.stringify({ errors }),
  };
}

/** The reply as a fetch `Response` of the given implementation (yoga's `fetchAPI.Response`). */
export function toFetchResponse(ResponseClass: typeof Response, reply: HttpReply): Response {
  return new ResponseClass(reply.body, { status: reply.status, headers: { ...reply.headers } });
}

/**
 * Sends the reply on a node response, with its length and any `extra` headers (CORS, request id).
 * With `until`, the whole reply is written at once but the response ends (and a `connection: close`
 * closes) only once `until` settles: while the rest of a refused body is drained.
 */
export function sendReply(
  response: ServerResponse,
  reply: HttpReply,
  extra: Readonly<Record<string, string>> | null = null,
  until: Promise<void> | null = null,
): void {
  // Encoded once: measuring the string's UTF-8 length and then writing it would walk it twice.
  const body = Buffer.from(reply.body);
  const headers: Record<string, string | number> = { ...reply.headers, ...extra };
  headers['content-length'] = body.length;
  response.writeHead(reply.status, headers);
  if (until === null) {
    response.end(body);
    return;
  }
  response.write(body);
  void until.finally(() => response.end());
}
