/**
 * Which requests the lean HTTP path can answer exactly as yoga would, decided from their head
 * before the body is read: a JSON POST whose `Accept` lists only media types of a single JSON
 * result. Anything else (server-sent events, multipart, other charsets, other body types) is yoga's.
 */

/** The media types a single JSON result is sent as. */
export type JsonMediaType = 'application/json' | 'application/graphql-response+json';

/** The `Accept` entries the lean path answers, each as yoga normalizes it. */
const ANSWERABLE = new Set(['application/graphql-response+json', 'application/json', '*/*']);

/**
 * The media type yoga would answer a single (not streamed) result with, when every `Accept` entry is
 * one the lean path answers; null otherwise (yoga then answers the request). yoga strips whitespace,
 * lower-cases, drops entries whose charset is not utf-8, and of the entries that match its JSON
 * result processor takes the first: `application/graphql-response+json` as such, and
 * `application/json` or the wildcard as `application/json` (its processor lists that type last,
 * and the last match wins).
 */
export function jsonMediaType(accept: string | null): JsonMediaType | null {
  const entries = (accept || '*/*').replace(/\s/g, '').toLowerCase().split(',');
  for (const entry of entries) {
    const [type = '', ...params] = entry.split(';');
    const charset = params.find((param) => param.includes('charset='));
    if (!ANSWERABLE.has(type) || (charset !== undefined && charset !== 'charset=utf-8')) return null;
  }
  const first = entries[0]?.split(';', 1)[0];
  return first === 'application/graphql-response+json' ? first : 'application/json';
}

/**
 * Whether a `Content-Type` is JSON in UTF-8 as yoga's JSON parser takes it: exactly
 * `application/json` (yoga compares it case-sensitively), with at most a utf-8 charset.
 */
export function isJsonContentType(contentType: string | null): boolean {
  if (contentType === null || !contentType.startsWith('application/json')) return false;
  const [type, ...params] = contentType.split(';');
  if (type !== 'application/json' || params.length > 1) return false;
  return params.length === 0 || /^\s*charset="?utf-8"?\s*$/i.test(params[0] ?? '');
}
