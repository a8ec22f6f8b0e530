/**
 * Reading and discarding the rest of a refused body before its connection closes. A server that
 * answers 413 and closes while the client is still sending resets the connection on the bytes that
 * keep arriving, and most clients (Node's fetch, curl, browsers) then report the reset, not the
 * answer. So the answer is sent whole, the rest of the body is read and dropped, and only then is the
 * response ended and the connection closed — within bounds: at most {@link DRAIN_LIMITS}' bytes
 * and time, after which the connection closes regardless.
 */
import type { IncomingMessage } from 'node:http';

/** How much of a refused body is read and dropped, and for how long, before the connection closes. */
export interface DrainLimits {
  readonly maxBytes: number;
  readonly maxMs: number;
}

/** The bounds of every drain: 64 MiB and 5 seconds. */
export const DRAIN_LIMITS: DrainLimits = { maxBytes: 64 * 1024 * 1024, maxMs: 5_000 };

/** Whether a body declared this long is worth draining (past the bound it would be cut anyway). */
function worthDraining(contentLength: string | null | undefined, limits: DrainLimits): boolean {
  return contentLength === null || contentLength === undefined || Number(contentLength) <= limits.maxBytes;
}

/**
 * Reads and drops the rest of a node request's body. Resolves when it has ended, or when the bounds
 * are passed or the request fails (never rejects); then end the response.
 */
export function drainNodeBody(request: IncomingMessage, limits: DrainLimits = DRAIN_LIMITS): Promise<void> {
  return new Promise((resolve) => {
    if (request.complete || request.destroyed || !worthDraining(request.headers['content-length'], limits)) {
      resolve();
      return;
    }
    let drained = 0;
    const done = () => {
      clearTimeout(timer);
      request.off('data', onData).off('end', done).off('close', done).off('error', done);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > limits.maxBytes) done();
    };
    const timer = setTimeout(done, limits.maxMs);
    request.on('data', onData).on('end', done).on('close', done).on('error', done);
    request.resume();
  });
}

/**
 * Reads and drops the rest of a fetch request's body, as {@link drainNodeBody} does. Past the
 * bounds, the body is cancelled.
 */
export async function drainFetchBody(request: Request, limits: DrainLimits = DRAIN_LIMITS): Promise<void> {
  const { body } = request;
  if (body === null || body.locked || !worthDraining(request.headers.get('content-length'), limits)) return;
  const reader = body.getReader();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), limits.maxMs);
  });
  let drained = 0;
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), timedOut]);
      if (next === 'timeout' || next.done) break;
      drained += next.value.byteLength;
      if (drained > limits.maxBytes) break;
    }
  } catch {
    // The client went away: nothing left to drain.
  } finally {
    clearTimeout(timer);
    reader.cancel().catch(() => {});
  }
}
