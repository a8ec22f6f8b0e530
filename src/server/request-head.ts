/**
 * The head of an HTTP request (method, URL, headers) as the request-level concerns read it, whatever
 * the transport: a fetch `Request` (yoga's plugins) is one as it is, and a `node:http` request gets a
 * cheap view of its parsed headers (the lean path), so that a decision such as "is this token valid"
 * or "does this request need the CSRF header" is written once.
 */
import type { IncomingMessage } from 'node:http';

/** What of a request's headers a decision may read: fetch `Headers` are one. */
export interface HeaderLookup {
  /** The header's value (repeated headers joined with `, `), or null when absent. */
  get(name: string): string | null;
  has(name: string): boolean;
}

/** A request's method, URL and headers: a fetch `Request` is one. */
export interface RequestHead {
  readonly method: string;
  /** The request target; a fetch `Request` has the absolute URL, a node request the path and query. */
  readonly url: string;
  readonly headers: HeaderLookup;
}

/** A header of a node request as fetch `Headers` would give it (node lower-cases the names it parses). */
export function nodeHeader(request: IncomingMessage, name: string): string | null {
  const value = request.headers[name.toLowerCase()];
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The head of a node request, read lazily from the headers node has already parsed. */
export function nodeRequestHead(request: IncomingMessage): RequestHead {
  return {
    method: request.method ?? 'GET',
    url: request.url ?? '/',
    headers: {
      get: (name) => nodeHeader(request, name),
      has: (name) => request.headers[name.toLowerCase()] !== undefined,
    },
  };
}

/** The path of a request target, without its query. */
export function pathOf(url: string | undefined): string {
  const target = url ?? '/';
  const query = target.indexOf('?');
  return query === -1 ? target : target.slice(0, query);
}
