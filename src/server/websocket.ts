/**
 * GraphQL over websocket (`graphql-transport-ws`) on the HTTP server's GraphQL path. Every operation
 * goes through yoga's envelop pipeline, so plugins (the query limits among them), context and error
 * masking match HTTP. A message over the size limit closes its socket with 1009 (ws reads the length
 * from the frame header and stops there); a browser page of a foreign origin is refused the upgrade.
 * Identical live subscriptions share one execution and one serialized payload per event
 * (`shared-subscriptions.ts`). With auth on, a socket lives as long as its token
 * (`socket-sessions.ts`).
 */
import type { IncomingMessage, Server } from 'node:http';
import { type ExecutionArgs, GraphQLError } from 'graphql';
import type {
  Context,
  FormattedExecutionResult,
  OperationResult,
  ServerOptions,
  SubscribePayload,
} from 'graphql-ws';
import { WebSocketServer } from 'ws';
import { invariant } from '../store/index.ts';
import type { SocketStats } from './metrics.ts';
import { SharedSubscriptions, shareKeyOf } from './shared-subscriptions.ts';
import { type SocketAuthenticate, SocketSessions, scopeOf } from './socket-sessions.ts';
import { type SocketExtra, serveGraphQLWs, sharedPayload } from './ws-transport.ts';
import { GRAPHQL_PATH, type Yoga } from './yoga.ts';

/** The execute and subscribe functions of one operation's envelop pipeline. */
interface Pipeline {
  execute(args: ExecutionArgs): OperationResult;
  subscribe(args: ExecutionArgs): OperationResult;
  /** The key of the operations it may share a source with (null: it runs alone). */
  shareKey: string | null;
}

/** Options of {@link attachWebSocket}. */
export interface WebSocketOptions {
  /** Bytes in one message; a larger one closes the socket with 1009 (Message Too Big). */
  readonly maxMessageBytes: number;
  /** How long a socket may wait before `connection_init`; then it is closed with 4408. */
  readonly connectionInitTimeoutMs: number;
  /** Origins besides the server's own whose pages may connect (`*` for any). */
  readonly corsOrigins: readonly string[];
  /**
   * Authenticates a socket from its `connection_init` payload; a null session closes it with 4403, and
   * so does its expiry later (`socket-sessions.ts`). Without it every socket is accepted.
   */
  readonly authenticate?: SocketAuthenticate | undefined;
  /** Let identical live subscriptions share one execution per event (default true). */
  readonly shareSubscriptions?: boolean;
  /** Results a subscriber of a shared subscription may have waiting before SLOW_CONSUMER. */
  readonly maxQueuedEvents: number;
  /** The store's newest published revision. */
  readonly revision: () => number;
  /** Called when a subscriber of a shared subscription is ended for falling behind. */
  readonly onSlowConsumer?: () => void;
  /** Called with what failed when handling a message closes a socket unexpectedly (with 1011). */
  readonly onInternalError?: (error: unknown) => void;
}

/**
 * Whether a websocket upgrade may proceed: clients that are not browsers send no Origin; a page's
 * Origin must be the server's own (its Host) or an allowed one. Browsers apply no CORS to
 * websockets, so this is what keeps a foreign page from using a local server.
 */
export function originAllowed(request: IncomingMessage, corsOrigins: readonly string[]): boolean {
  const { origin, host } = request.headers;
  if (origin === undefined || corsOrigins.includes('*') || corsOrigins.includes(origin)) return true;
  return URL.canParse(origin) && new URL(origin).host === host;
}

/** A running websocket endpoint. */
export interface WebSocketEndpoint {
  /** Completes every operation, closes every socket (1001 Going away) and stops accepting. */
  close(): Promise<void>;
  /** Open sockets and the bytes queued on them. */
  stats(): SocketStats;
  /**
   * Checks every open socket's token again, after the auth configuration changed: closes (4403)
   * those no longer accepted or whose rules changed, and resolves to how many it closed.
   */
  reauthenticate(): Promise<number>;
}

/**
 * A validation error as a socket sends it: without `extensions.http`, the HTTP status yoga gives
 * validation errors and strips from HTTP answers (a websocket has no status).
 */
function withoutHttp(error: GraphQLError): GraphQLError {
  if (error.extensions.http === undefined) return error;
  const { http: _http, ...extensions } = error.extensions;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions,
  });
}

/**
 * A query's or mutation's result as a socket sends it: its errors without `extensions.http` (the
 * status of a query stopped at its deadline, `use-execution-budget.ts`).
 */
async function withoutHttpStatus(running: OperationResult): Promise<Awaited<OperationResult>> {
  const result = await running;
  if (Symbol.asyncIterator in result || !result.errors?.some((error) => error.extensions?.http)) {
    return result;
  }
  return { ...result, errors: result.errors.map((error) => withoutHttp(error as GraphQLError)) };
}

/** A thrown error as a GraphQL error for one operation: its own if it is one, masked otherwise. */
function operationError(error: unknown): GraphQLError {
  return error instanceof GraphQLError ? error : new GraphQLError('Unexpected error.');
}

/** What the graphql-ws callbacks of an endpoint share. */
interface Operations {
  readonly yoga: Yoga;
  readonly pipelines: WeakMap<ExecutionArgs, Pipeline>;
  /** The authenticated sockets; null when auth is off. */
  readonly sessions: SocketSessions | null;
  /** Identical live subscriptions' shared sources; null when sharing is off. */
  readonly shared: SharedSubscriptions | null;
}

/**
 * Parses and validates an operation through yoga's pipeline, and builds its execution arguments.
 * Anything thrown here would close the socket and end every operation on it, so a bad operation (a
 * syntax error, a query over a limit) is answered with an error for it alone.
 */
async function subscribeArgs(
  operations: Operations,
  ctx: Context<Record<string, unknown> | undefined, SocketExtra>,
  payload: SubscribePayload,
): Promise<ExecutionArgs | readonly GraphQLError[]> {
  const { yoga, pipelines, sessions, shared } = operations;
  try {
    const principal = sessions?.principalOf(ctx);
    const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
      ...ctx,
      req: ctx.extra.request,
      socket: ctx.extra.socket,
      params: payload,
      principal,
    });
    const document = parse(payload.query);
    const errors = validate(schema, document);
    if (errors.length > 0) return errors.map(withoutHttp);
    const args: ExecutionArgs = {
      schema,
      document,
      operationName: payload.operationName,
      variableValues: payload.variables,
      contextValue: await contextFactory(),
    };
    const shareKey = shared ? shareKeyOf(args, payload, scopeOf(principal)) : null;
    pipelines.set(args, { execute, subscribe, shareKey });
    return args;
  } catch (error) {
    return [operationError(error)];
  }
}

/** The graphql-ws server options of an endpoint: its hooks into yoga's pipeline and the shared sources. */
function serverOptions(
  operations: Operations,
  options: WebSocketOptions,
): ServerOptions<Record<string, unknown> | undefined, SocketExtra> {
  const { pipelines, sessions, shared } = operations;
  const pipelineOf = (args: ExecutionArgs): Pipeline => {
    const pipeline = pipelines.get(args);
    invariant(pipeline, 'an operation reached execution without passing onSubscribe');
    return pipeline;
  };
  return {
    connectionInitWaitTimeout: options.connectionInitTimeoutMs,
    // graphql-ws closes the socket with 4403 Forbidden when this returns false.
    onConnect: (ctx) => sessions?.connect(ctx) ?? true,
    onClose: (ctx) => sessions?.forget(ctx),
    execute: (args) => withoutHttpStatus(pipelineOf(args).execute(args)),
    subscribe: (args) => {
      const { subscribe, shareKey } = pipelineOf(args);
      return shareKey === null || shared === null ? subscribe(args) : shared.join(shareKey, args, subscribe);
    },
    // A shared result was serialized once: the transport sends those bytes as the payload.
    onNext: (ctx, id, _payload, _args, result) => {
      const json = shared?.payloadOf(result) ?? null;
      return json === null ? undefined : (sharedPayload(ctx.extra, id, json) as FormattedExecutionResult);
    },
    onSubscribe: (ctx, _id, payload) => subscribeArgs(operations, ctx, payload),
  };
}

/** Open sockets and the bytes queued on them. */
function statsOf(sockets: WebSocketServer): SocketStats {
  let bufferedBytes = 0;
  let maxBufferedBytes = 0;
  for (const socket of sockets.clients) {
    bufferedBytes += socket.bufferedAmount;
    maxBufferedBytes = Math.max(maxBufferedBytes, socket.bufferedAmount);
  }
  return { connections: sockets.clients.size, bufferedBytes, maxBufferedBytes };
}

/** Serves GraphQL over websocket on `server` at the GraphQL path, through `yoga`'s pipeline. */
export function attachWebSocket(server: Server, yoga: Yoga, options: WebSocketOptions): WebSocketEndpoint {
  const sockets = new WebSocketServer({
    server,
    path: GRAPHQL_PATH,
    maxPayload: options.maxMessageBytes,
    verifyClient: ({ req }, accept) => {
      if (originAllowed(req, options.corsOrigins)) accept(true);
      else accept(false, 403, 'Forbidden origin');
    },
  });
  const shared =
    (options.shareSubscriptions ?? true)
      ? new SharedSubscriptions({
          maxQueued: options.maxQueuedEvents,
          revision: options.revision,
          onSlowConsumer: options.onSlowConsumer,
        })
      : null;
  const sessions = options.authenticate ? new SocketSessions(options.authenticate) : null;
  const operations: Operations = { yoga, pipelines: new WeakMap(), sessions, shared };
  const graphqlWs = serveGraphQLWs(serverOptions(operations, options), sockets, {
    onInternalError: options.onInternalError,
  });
  return {
    stats: () => statsOf(sockets),
    reauthenticate: async () => (sessions ? sessions.reauthenticate() : 0),
    async close() {
      await graphqlWs.dispose();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
    },
  };
}
