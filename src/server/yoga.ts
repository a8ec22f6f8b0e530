/**
 * The GraphQL-over-HTTP handler: yoga over the schema, with store errors coded and everything else
 * masked, the query and body limits, the cost budget per principal, the execution budget (deadline
 * and paced walks), CSRF prevention, switchable introspection, and GraphiQL (served from this server,
 * `graphiql.ts`) using the websocket for subscriptions.
 */

import type { YogaLogger } from '@graphql-yoga/logger';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import {
  type CORSOptions,
  createYoga,
  type GraphiQLOptions,
  type Plugin,
  type YogaServerInstance,
} from 'graphql-yoga';
import type { Authenticator } from '../auth/index.ts';
import { maskError, type SchemaContext, schema } from '../schema/index.ts';
import type { Store } from '../store/index.ts';
import { authorizedContext } from './auth.ts';
import { useBodyLimit } from './body-limit.ts';
import { useCompiledQueries } from './compiled.ts';
import { renderGraphiQLPage } from './graphiql.ts';
import { defaultTabs } from './graphiql-tabs.ts';
import { type Limits, queryLimitPlugins } from './limits.ts';
import { Pacer } from './pacer.ts';
import { useAuthentication } from './use-authentication.ts';
import { useExecutionBudget } from './use-execution-budget.ts';
import { useNoIntrospection } from './use-no-introspection.ts';
import { useRateLimit } from './use-rate-limit.ts';
import { useRequestErrorStatus } from './use-request-error-status.ts';

/** Where GraphQL is served, over HTTP and websocket alike. */
export const GRAPHQL_PATH = '/graphql';

/**
 * The header a browser-like request must carry when it needs no CORS preflight (a GET, or a POST
 * of a form or plain text): a cross-site page cannot set it without a preflight, which fails.
 */
export const CSRF_HEADER = 'x-graphql-yoga-csrf';

/** The yoga server instance this app uses: node request/response as server context. */
export type Yoga = YogaServerInstance<Record<string, unknown>, SchemaContext>;

/** Options of {@link createGraphQLHandler}. */
export interface GraphQLHandlerOptions {
  /** Serve GraphiQL to browsers at the GraphQL path. */
  readonly graphiql: boolean;
  /** Let yoga log unexpected errors and warnings: to the console, to this logger, or not at all. */
  readonly logging: boolean | YogaLogger;
  /** Plugins to run before every other (the request log). */
  readonly firstPlugins?: readonly Plugin[];
  /** The query limits and the body limit. */
  readonly limits: Limits;
  /** Answer `__schema` and `__type`; when off, validation errors no longer suggest field names. */
  readonly introspection: boolean;
  /** Require {@link CSRF_HEADER} on requests that a browser sends without a preflight. */
  readonly csrfPrevention: boolean;
  /** Origins besides the server's own that browsers may call it from (`*` for any); none by default. */
  readonly corsOrigins: readonly string[];
  /** Require a bearer token and apply its principal's rules (off when absent). */
  readonly auth?: Authenticator | null;
  /** The cost budget of each principal, in estimated objects a minute (off when null or absent). */
  readonly rateLimitCost?: number | null;
}

/** The CSRF prevention plugin: yoga's, requiring {@link CSRF_HEADER}. */
export function csrfPrevention(): Plugin {
  return useCSRFPrevention({ requestHeaders: [CSRF_HEADER] });
}

/** yoga's CORS options for the allowed origins: none (no CORS headers at all) when the list is empty. */
export function corsOptions(origins: readonly string[]): CORSOptions {
  return origins.length === 0 ? false : { origin: [...origins] };
}

function productionPlugins(options: GraphQLHandlerOptions): Plugin[] {
  const plugins: Plugin[] = [];
  if (!options.introspection) plugins.push(...useNoIntrospection());
  if (options.csrfPrevention) plugins.push(csrfPrevention());
  return plugins;
}

/** GraphiQL's options: subscriptions over the websocket, and the example operations in its tabs. */
function graphiqlOptions(): GraphiQLOptions {
  return { title: 'resource-store', subscriptionsProtocol: 'WS', defaultTabs: defaultTabs() };
}

/** Creates the yoga handler whose operations read and write `store`. */
export function createGraphQLHandler(store: Store, options: GraphQLHandlerOptions): Yoga {
  return createYoga<Record<string, unknown>, SchemaContext>({
    schema,
    context: options.auth ? authorizedContext(store) : () => ({ store }),
    graphqlEndpoint: GRAPHQL_PATH,
    maskedErrors: { maskError },
    graphiql: options.graphiql ? graphiqlOptions() : false,
    renderGraphiQL: renderGraphiQLPage,
    landingPage: false,
    logging: options.logging,
    // Same-origin pages need no CORS; without it a cross-site page's preflight fails.
    cors: corsOptions(options.corsOrigins),
    // The body limit's plugin answers first; yoga's own limit is the same, so it never differs.
    maxRequestBodySize: options.limits.maxBodyBytes,
    // Validation results are cached among the query limits, before the cost limit (limits.ts).
    parserAndValidationCache: { validationCache: false },
    plugins: [
      ...(options.firstPlugins ?? []),
      ...(options.auth ? [useAuthentication(options.auth, options)] : []),
      useBodyLimit(options.limits.maxBodyBytes),
      ...queryLimitPlugins(options.limits),
      // After the cost limit, whose estimate it spends.
      ...(options.rateLimitCost ? [useRateLimit(options.rateLimitCost)] : []),
      useRequestErrorStatus,
      ...productionPlugins(options),
      useCompiledQueries(),
      // After compiled queries, whose execute function it wraps.
      useExecutionBudget(options.limits.maxExecutionMs, new Pacer()),
    ],
  });
}
