/**
 * `GET /`: where to go. A browser is sent to GraphiQL when it is served; anything else is told in
 * plain text where GraphQL is.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What {@link answerRoot} says of the server. */
export interface RootPageOptions {
  /** The GraphQL path (`/graphql`). */
  readonly graphqlPath: string;
  /** Whether GraphiQL is served at the GraphQL path. */
  readonly graphiql: boolean;
}

/** The text `GET /` answers to clients that are not browsers (or when GraphiQL is off). */
export function rootText({ graphqlPath, graphiql }: RootPageOptions): string {
  return [
    'resource-store: a GraphQL server.',
    `GraphQL: POST ${graphqlPath} (JSON); subscriptions over a websocket (graphql-transport-ws) at ${graphqlPath}.`,
    ...(graphiql ? [`GraphiQL: open ${graphqlPath} in a browser.`] : []),
    'Probes: /healthz, /readyz.',
    '',
  ].join('\n');
}

/** Answers a GET or HEAD of `/` and returns true; returns false, having done nothing, otherwise. */
export function answerRoot(request: IncomingMessage, response: ServerResponse, options: RootPageOptions) {
  const path = request.url?.split('?')[0];
  if (path !== '/' || (request.method !== 'GET' && request.method !== 'HEAD')) return false;
  if (options.graphiql && (request.headers.accept ?? '').includes('text/html')) {
    response.writeHead(302, { location: options.graphqlPath, 'content-length': 0 }).end();
    return true;
  }
  const body = Buffer.from(rootText(options));
  response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': body.length });
  response.end(request.method === 'HEAD' ? undefined : body);
  return true;
}
