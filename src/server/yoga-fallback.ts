/**
 * Hands yoga a request whose body the lean HTTP path has already read, when only the body showed
 * that the request is not one the lean path answers (a batch, a subscription, invalid params, a
 * document that does not parse). yoga then serves it exactly as any request: through its whole
 * pipeline, from a fetch `Request` over the buffered body that is aborted when the client goes
 * away, and its `Response` is written the way its node adapter writes one (streams included).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleErrorFromRequestHandler, sendNodeResponse } from '@whatwg-node/server';
import type { Yoga } from './yoga.ts';

/** The request's absolute URL, as yoga's node adapter builds it (from the Host header). */
function absoluteUrl(request: IncomingMessage): string {
  return `http://${request.headers.host ?? 'localhost'}${request.url ?? '/'}`;
}

/** An abort signal that fires when the client goes away before the response is sent. */
function abortedOnClose(response: ServerResponse): AbortSignal {
  const controller = new AbortController();
  const abort = () => controller.abort();
  response.once('close', abort);
  response.once('finish', () => response.off('close', abort));
  return controller.signal;
}

/** Serves the request with yoga, `body` standing for the request body already read. */
export async function serveWithYoga(
  yoga: Yoga,
  request: IncomingMessage,
  response: ServerResponse,
  body: Buffer<ArrayBuffer>,
): Promise<void> {
  let answer: Response;
  try {
    const fetchRequest = new yoga.fetchAPI.Request(absoluteUrl(request), {
      method: request.method ?? 'POST',
      headers: request.headers as Record<string, string>,
      body,
      signal: abortedOnClose(response),
    });
    answer = await yoga.fetch(fetchRequest, { req: request, res: response });
  } catch (error) {
    answer = handleErrorFromRequestHandler(error, yoga.fetchAPI.Response);
  }
  await sendNodeResponse(answer, response, request, true);
}
