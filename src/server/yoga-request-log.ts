/**
 * The request log (`request-log.ts`) fed by yoga's hooks: every request yoga serves over HTTP, and
 * every operation of the websocket, whose operations run through yoga's envelop pipeline.
 */
import { type DocumentNode, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { type HttpExchange, REQUEST_ID_HEADER, type RequestLog } from './request-log.ts';

/** The operation a document and name select, or null when there is none. */
function operationOf(document: unknown, operationName: string | null | undefined) {
  return document ? (getOperationAST(document as DocumentNode, operationName ?? undefined) ?? null) : null;
}

/** A websocket operation's context: the socket's, not an HTTP request's. */
function isWebSocket(context: unknown): boolean {
  return typeof context === 'object' && context !== null && !('request' in context) && 'socket' in context;
}

/** Hooks of a websocket operation: timed from execution to its result, or a subscription to its end. */
function webSocketHooks(log: RequestLog) {
  const start = (args: { document: unknown; operationName?: string | null | undefined }) =>
    log.webSocketOperation(operationOf(args.document, args.operationName), args.operationName);
  return {
    onExecute(args: { document: unknown; operationName?: string | null | undefined }) {
      const done = start(args);
      return {
        onExecuteDone: ({ result }: { result: object }) =>
          done('errors' in result ? (result.errors as readonly unknown[] | undefined) : undefined),
      };
    },
    onSubscribe(args: { document: unknown; operationName?: string | null | undefined }) {
      const done = start(args);
      let errors: readonly unknown[] | undefined;
      return {
        onSubscribeError: ({ error }: { error: unknown }) => done([error]),
        onSubscribeResult: ({ result }: { result: object }) => {
          if (!(Symbol.asyncIterator in result)) {
            done((result as { errors?: readonly unknown[] }).errors);
            return undefined;
          }
          return {
            onNext: ({ result: next }: { result: { errors?: readonly unknown[] } }) => {
              errors ??= next.errors;
            },
            onEnd: () => done(errors),
          };
        },
      };
    },
  };
}

/**
 * The request log as a yoga plugin. It must be the first plugin, so its `onRequest` runs before any
 * plugin that answers early (the body limit, CSRF prevention) and every request is logged.
 */
export function useRequestLog(log: RequestLog): Plugin {
  const requests = new WeakMap<Request, HttpExchange>();
  const socket = webSocketHooks(log);
  const exchangeOf = (context: unknown) => {
    const request = (context as { request?: Request }).request;
    return request && requests.get(request);
  };
  // Only for requests yoga serves: the lean path describes its own operations.
  const describe = (args: { contextValue: unknown; document: unknown; operationName?: string | null }) => {
    const exchange = exchangeOf(args.contextValue);
    if (exchange) log.operation(exchange, operationOf(args.document, args.operationName), args.operationName);
  };
  return {
    onRequest({ request }) {
      requests.set(request, log.begin(request.headers.get(REQUEST_ID_HEADER)));
    },
    onParams({ params, request }) {
      const exchange = requests.get(request);
      if (exchange) log.named(exchange, params.operationName);
    },
    onExecute({ args }) {
      if (isWebSocket(args.contextValue)) return socket.onExecute(args);
      describe(args);
      return undefined;
    },
    onSubscribe({ args }) {
      if (isWebSocket(args.contextValue)) return socket.onSubscribe(args);
      describe(args);
      return undefined;
    },
    onExecutionResult({ request, result }) {
      const exchange = requests.get(request);
      if (exchange && result && !(Symbol.asyncIterator in result)) log.result(exchange, result.errors);
    },
    onResultProcess({ request, result }) {
      const exchange = requests.get(request);
      const first = Array.isArray(result) ? result[0] : result;
      if (exchange && first && !(Symbol.asyncIterator in first)) log.result(exchange, first.errors);
    },
    onResponse({ request, response }) {
      const exchange = requests.get(request);
      if (!exchange) return;
      requests.delete(request);
      response.headers.set(REQUEST_ID_HEADER, exchange.id);
      log.end(exchange, 'yoga', request.method, response.status);
    },
  };
}
