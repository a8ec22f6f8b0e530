/**
 * Liveness and readiness probes, answered before any GraphQL processing.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** `GET /healthz`: the process serves HTTP. `GET /readyz`: it accepts work (started, not stopping). */
export function answerProbe(
  request: IncomingMessage,
  response: ServerResponse,
  ready: () => boolean,
): boolean {
  const path = request.url?.split('?', 1)[0];
  if (path !== '/healthz' && path !== '/readyz') return false;
  const ok = path === '/healthz' || ready();
  response.writeHead(ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(JSON.stringify({ status: ok ? 'ok' : 'unavailable' }));
  return true;
}
