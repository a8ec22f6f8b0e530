/**
 * GraphQL over websocket (`graphql-transport-ws`) on the HTTP server's GraphQL path. Every operation
 * goes through yoga's envelop pipeline, so plugins, context and error masking match HTTP.
 */
import type { Server } from 'node:http';
import { type ExecutionArgs, GraphQLError } from 'graphql';
import type { OperationResult } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { invariant } from '../store/index.ts';
import { GRAPHQL_PATH, type Yoga } from './yoga.ts';

/** The execute and subscribe functions of one operation's envelop pipeline. */
interface Pipeline {
  execute(args: ExecutionArgs): OperationResult;
  subscribe(args: ExecutionArgs): OperationResult;
}

/** A running websocket endpoint. */
export interface WebSocketEndpoint {
  /** Completes every operation, closes every socket (1001 Going away) and stops accepting. */
  close(): Promise<void>;
}

/** A thrown error as a GraphQL error for one operation: its own if it is one, masked otherwise. */
function operationError(error: unknown): GraphQLError {
  return error instanceof GraphQLError ? error : new GraphQLError('Unexpected error.');
}

/** Serves GraphQL over websocket on `server` at the GraphQL path, through `yoga`'s pipeline. */
export function attachWebSocket(server: Server, yoga: Yoga): WebSocketEndpoint {
  const sockets = new WebSocketServer({ server, path: GRAPHQL_PATH });
  const pipelines = new WeakMap<ExecutionArgs, Pipeline>();
  const pipelineOf = (args: ExecutionArgs): Pipeline => {
    const pipeline = pipelines.get(args);
    invariant(pipeline, 'an operation reached execution without passing onSubscribe');
    return pipeline;
  };
  const graphqlWs = useServer(
    {
      execute: (args) => pipelineOf(args).execute(args),
      subscribe: (args) => pipelineOf(args).subscribe(args),
      // Anything thrown here would close the socket and end every operation on it, so a bad
      // operation is answered with an error message for that operation alone.
      onSubscribe: async (ctx, _id, payload) => {
        try {
          const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
            ...ctx,
            req: ctx.extra.request,
            socket: ctx.extra.socket,
            params: payload,
          });
          const document = parse(payload.query);
          const errors = validate(schema, document);
          if (errors.length > 0) return errors;
          const args: ExecutionArgs = {
            schema,
            document,
            operationName: payload.operationName,
            variableValues: payload.variables,
            contextValue: await contextFactory(),
          };
          pipelines.set(args, { execute, subscribe });
          return args;
        } catch (error) {
          return [operationError(error)];
        }
      },
    },
    sockets,
  );
  return {
    async close() {
      await graphqlWs.dispose();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
    },
  };
}
