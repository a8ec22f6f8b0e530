/**
 * Liveness and readiness probes, answered before any GraphQL processing.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * `GET /healthz`: the process serves HTTP. `GET /readyz`: it accepts work — `unready()` returns why
 * not (stopping, the disk is full), or null.
 */
export function answerProbe(
  request: IncomingMessage,
  response: ServerResponse,
  unready: () => string | null,
): boolean {
  const path = request.url?.split('?', 1)[0];
  if (path !== '/healthz' && path !== '/readyz') return false;
  const reason = path === '/healthz' ? null : unready();
  response.writeHead(reason === null ? 200 : 503, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
  });
  response.end(JSON.stringify(reason === null ? { status: 'ok' } : { status: 'unavailable', reason }));
  return true;
}
