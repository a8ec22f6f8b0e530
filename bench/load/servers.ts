/**
 * The HTTP servers the load cases measure: the project's server as it runs in production (request
 * logs at `info` through its buffered destination, written to /dev/null instead of a terminal, and
 * metrics on), and a plain yoga server answering trivial operations, the baseline no GraphQL server
 * on yoga can beat.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga } from 'graphql-yoga';
import { createApp } from '../../src/server/index.ts';
import { createLogger } from '../../src/server/logging.ts';
import type { Store } from '../../src/store/index.ts';

/** A listening server. */
export interface Endpoint {
  /** The GraphQL URL. */
  readonly url: string;
  close(): Promise<void>;
}

/** The body of the baseline's trivial query. */
export const TRIVIAL_QUERY = JSON.stringify({ query: '{ __typename }' });
/** The body of the baseline's trivial mutation. */
export const TRIVIAL_MUTATION = JSON.stringify({ query: 'mutation { ok }' });

/** Serves `store` with the project's server on a free port (the caller keeps owning the store). */
export async function startServer(store: Store): Promise<Endpoint> {
  const logger = createLogger('info', '/dev/null');
  const app = createApp({ store, port: 0, logger, graphiql: false });
  await app.start();
  return { url: app.url, close: () => app.stop() };
}

/** A plain yoga server with `Query.ok` and `Mutation.ok`, and yoga's defaults otherwise. */
export async function startYogaBaseline(): Promise<Endpoint> {
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: 'type Query { ok: Boolean! } type Mutation { ok: Boolean! }',
      resolvers: { Query: { ok: () => true }, Mutation: { ok: () => true } },
    }),
    logging: false,
    graphiql: false,
  });
  const server = createServer(yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
