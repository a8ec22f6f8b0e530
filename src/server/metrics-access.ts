/**
 * Who may read `/metrics`. Its counts cover the whole store (resources by kind, relationships by
 * predicate, operations by name), so with auth on a scrape needs a bearer token whose principal has a
 * rule on the path — `{ verbs: [get], nonResourceURLs: [/metrics] }` — unless the app was told to keep
 * it open (`metricsPublic`, `serve --metrics-public`). Without a valid token the answer is 401
 * `UNAUTHENTICATED`, with one whose principal has no such rule 403 `FORBIDDEN`, as JSON errors like
 * GraphQL's own refusals.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Authenticator, Permissions } from '../auth/index.ts';
import { bearerToken, unauthenticated } from './auth.ts';
import { errorReply, sendReply } from './http-reply.ts';
import { METRICS_PATH, type ServerMetrics } from './metrics.ts';

/** Whether `request` is for the metrics path. */
export function isMetricsRequest(request: IncomingMessage): boolean {
  return request.url?.split('?', 1)[0] === METRICS_PATH;
}

/** The refusal of a scrape, or null when it may proceed. */
async function refusalOf(authenticator: Authenticator, request: IncomingMessage) {
  const token = bearerToken(request.headers.authorization);
  const principal = await authenticator.authenticate(token);
  if (principal === null) return unauthenticated(token !== null);
  if (new Permissions(principal).allowsUrl(METRICS_PATH)) return null;
  const message = `${principal.name} may not get ${METRICS_PATH}`;
  return errorReply(403, [{ message, extensions: { code: 'FORBIDDEN' } }]);
}

/**
 * Answers a request for the metrics path: at once when `authenticator` is null (auth off, or the
 * metrics kept public), else once its token is checked.
 */
export function answerMetrics(
  metrics: ServerMetrics,
  authenticator: Authenticator | null,
  request: IncomingMessage,
  response: ServerResponse,
): void {
  if (authenticator === null) {
    metrics.answer(request, response);
    return;
  }
  refusalOf(authenticator, request).then(
    (refusal) => (refusal === null ? metrics.answer(request, response) : sendReply(response, refusal)),
    () => sendReply(response, errorReply(500, [{ message: 'Unexpected error.', extensions: {} }])),
  );
}
