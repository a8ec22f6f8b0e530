/**
 * Structured logs (pino): one line per HTTP request and per websocket operation, with a request id,
 * the operation's name and type, its duration and its outcome; unexpected errors with their stack.
 *
 * The request id is the client's `x-request-id` when it is a plain token, else a fresh UUID; HTTP
 * responses echo it in the same header. Every finished operation is also handed to `observe` (the
 * request-latency metric).
 */
import { randomUUID } from 'node:crypto';
import type { YogaLogger } from '@graphql-yoga/logger';
import { GraphQLError, getOperationAST, type OperationTypeNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { type Logger, pino } from 'pino';

export type { Logger };

/** The header that carries a request id, in and out. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** pino's levels, `silent` for none. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A logger writing JSON lines to stdout at `level`. */
export function createLogger(level: LogLevel): Logger {
  return pino({ level, base: { service: 'resource-store' } });
}

/** How one operation ended, as logged and measured. */
export interface OperationRecord {
  readonly transport: 'http' | 'ws';
  /** `query`, `mutation`, `subscription`, or `unknown` when it never reached execution. */
  readonly type: string;
  /** The operation's name; `anonymous` when it has none. */
  readonly name: string;
  /** `ok`, or the first error's `extensions.code` (`INTERNAL` when it has none). */
  readonly outcome: string;
  readonly seconds: number;
}

/** A client-chosen id is kept only when it is a short plain token, so it cannot forge log lines. */
function requestIdOf(given: string | null | undefined): string {
  return given && /^[\w.:@/+=-]{1,128}$/.test(given) ? given : randomUUID();
}

function outcomeOf(errors: readonly unknown[] | undefined): string {
  const first = errors?.[0];
  if (first === undefined) return 'ok';
  const code = (first as { extensions?: { code?: unknown } }).extensions?.code;
  return typeof code === 'string' ? code : 'INTERNAL';
}

/** What is known of an HTTP request as it goes through yoga's hooks. */
interface HttpState {
  readonly id: string;
  readonly started: number;
  name: string;
  type: string;
  outcome: string;
}

/** yoga's logger interface over pino: masked (unexpected) errors are logged with their stack. */
export function yogaLogger(logger: Logger): YogaLogger {
  const line =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...args: unknown[]) => {
      const [first, ...rest] = args;
      if (first instanceof Error) {
        const cause = first instanceof GraphQLError && first.originalError ? first.originalError : first;
        const path = first instanceof GraphQLError ? first.path?.join('.') : undefined;
        logger[level]({ err: cause, path }, `unexpected error: ${cause.message}`);
      } else logger[level]({ args: rest.length > 0 ? rest : undefined }, String(first));
    };
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

/** The operation's type and name as the document and params state them. */
function describe(
  document: unknown,
  operationName: string | null | undefined,
): { type: string; name: string } {
  const operation = document ? getOperationAST(document as never, operationName ?? undefined) : null;
  return {
    type: (operation?.operation as OperationTypeNode | undefined) ?? 'unknown',
    name: operation?.name?.value ?? operationName ?? 'anonymous',
  };
}

/**
 * The request log as a yoga plugin. It must be the first plugin, so its `onRequest` runs before any
 * plugin that answers early (the body limit, CSRF prevention) and every request is logged.
 */
export function useRequestLog(logger: Logger, observe: (record: OperationRecord) => void): Plugin {
  const requests = new WeakMap<Request, HttpState>();
  const finish = (record: OperationRecord, id: string, extra: Record<string, unknown> = {}) => {
    observe(record);
    logger.info(
      {
        reqId: id,
        transport: record.transport,
        operation: record.name,
        operationType: record.type,
        outcome: record.outcome,
        durationMs: Math.round(record.seconds * 1e6) / 1e3,
        ...extra,
      },
      'request',
    );
  };
  /** A websocket operation: timed from execution to its result (or a subscription to its end). */
  const onWebSocket = (args: { document: unknown; operationName?: string | null | undefined }) => {
    const started = performance.now();
    const { type, name } = describe(args.document, args.operationName);
    const id = randomUUID();
    return (errors: readonly unknown[] | undefined) =>
      finish(
        {
          transport: 'ws',
          type,
          name,
          outcome: outcomeOf(errors),
          seconds: (performance.now() - started) / 1e3,
        },
        id,
      );
  };
  const isWebSocket = (context: unknown) =>
    typeof context === 'object' && context !== null && !('request' in context) && 'socket' in context;
  return {
    onRequest({ request }) {
      const id = requestIdOf(request.headers.get(REQUEST_ID_HEADER));
      requests.set(request, {
        id,
        started: performance.now(),
        name: 'anonymous',
        type: 'unknown',
        outcome: 'ok',
      });
    },
    onParams({ params, request }) {
      const state = requests.get(request);
      if (state && typeof params.operationName === 'string') state.name = params.operationName;
    },
    onExecute({ args }) {
      if (isWebSocket(args.contextValue)) {
        const done = onWebSocket(args);
        return { onExecuteDone: ({ result }) => done('errors' in result ? result.errors : undefined) };
      }
      const request = (args.contextValue as { request?: Request }).request;
      const state = request && requests.get(request);
      if (state) Object.assign(state, describe(args.document, args.operationName));
      return undefined;
    },
    onSubscribe({ args }) {
      if (isWebSocket(args.contextValue)) {
        const done = onWebSocket(args);
        let errors: readonly unknown[] | undefined;
        return {
          onSubscribeError: ({ error }) => done([error]),
          onSubscribeResult: ({ result }) => {
            if (!(Symbol.asyncIterator in result)) {
              done(result.errors);
              return undefined;
            }
            return {
              onNext: ({ result: next }) => {
                errors ??= next.errors;
              },
              onEnd: () => done(errors),
            };
          },
        };
      }
      const request = (args.contextValue as { request?: Request }).request;
      const state = request && requests.get(request);
      if (state) Object.assign(state, describe(args.document, args.operationName));
      return undefined;
    },
    onExecutionResult({ request, result }) {
      const state = requests.get(request);
      if (state && result && !(Symbol.asyncIterator in result)) {
        const outcome = outcomeOf(result.errors);
        if (state.outcome === 'ok') state.outcome = outcome;
      }
    },
    onResultProcess({ request, result }) {
      const state = requests.get(request);
      if (state?.outcome !== 'ok') return;
      const first = Array.isArray(result) ? result[0] : result;
      if (first && !(Symbol.asyncIterator in first)) state.outcome = outcomeOf(first.errors);
    },
    onResponse({ request, response }) {
      const state = requests.get(request);
      if (!state) return;
      requests.delete(request);
      response.headers.set(REQUEST_ID_HEADER, state.id);
      let { outcome } = state;
      if (outcome === 'ok' && response.status >= 400) outcome = `HTTP_${response.status}`;
      const seconds = (performance.now() - state.started) / 1e3;
      finish({ transport: 'http', type: state.type, name: state.name, outcome, seconds }, state.id, {
        method: request.method,
        status: response.status,
      });
    },
  };
}
