/**
 * The GraphQL-over-HTTP handler: yoga over the schema, with store errors coded and everything else
 * masked, and GraphiQL using the websocket for subscriptions.
 */
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { maskError, type SchemaContext, schema } from '../schema/index.ts';
import type { Store } from '../store/index.ts';

/** Where GraphQL is served, over HTTP and websocket alike. */
export const GRAPHQL_PATH = '/graphql';

/** The yoga server instance this app uses: node request/response as server context. */
export type Yoga = YogaServerInstance<Record<string, unknown>, SchemaContext>;

/** Options of {@link createGraphQLHandler}. */
export interface GraphQLHandlerOptions {
  /** Serve GraphiQL to browsers at the GraphQL path. */
  readonly graphiql: boolean;
  /** Let yoga log unexpected errors and warnings to the console. */
  readonly logging: boolean;
}

/** Creates the yoga handler whose operations read and write `store`. */
export function createGraphQLHandler(store: Store, options: GraphQLHandlerOptions): Yoga {
  return createYoga<Record<string, unknown>, SchemaContext>({
    schema,
    context: () => ({ store }),
    graphqlEndpoint: GRAPHQL_PATH,
    maskedErrors: { maskError },
    graphiql: options.graphiql ? { title: 'resource-store', subscriptionsProtocol: 'WS' } : false,
    landingPage: false,
    logging: options.logging,
  });
}
