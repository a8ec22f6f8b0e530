/**
 * The execution budget, as a yoga (envelop) plugin that HTTP, the lean path and the websocket share:
 * every operation's context gets an `ExecutionBudget` (the schema's) under the server's pacer, so its
 * walks, listings and subscription pages run in slices that give way to other requests.
 *
 * A query that runs longer than `maxExecutionMs` is stopped: its answer is the one error
 * {@link EXECUTION_TIMEOUT} (HTTP status 504) the moment its time is up, and its budget's signal
 * aborts, so every walk still running ends at its next step (it reads no more) and every resolver
 * waiting for a turn fails. A mutation is not cut short, since its write may already be committed:
 * the reads nested in its answer fail with the same code at the deadline, its own result stays.
 * Subscriptions run without a deadline (they last as long as the client wants); their pages and the
 * walks their events select are paced all the same.
 */
import { setMaxListeners } from 'node:events';
import {
  type ExecutionArgs,
  type ExecutionResult,
  GraphQLError,
  getOperationAST,
  type OperationTypeNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { ExecutionBudget } from '../schema/index.ts';
import type { Pacer } from './pacer.ts';

/** The `extensions.code` of an operation stopped because it ran longer than `maxExecutionMs`. */
export const EXECUTION_TIMEOUT = 'EXECUTION_TIMEOUT';

/** The HTTP status of a query stopped at its deadline (a gateway's "the answer took too long"). */
const TIMEOUT_STATUS = 504;

/** What a stopped operation's resolvers report (no HTTP status: a mutation's answer keeps its own). */
function stoppedError(maxExecutionMs: number): GraphQLError {
  return new GraphQLError(
    `The operation ran longer than ${maxExecutionMs} ms (the server's maxExecutionMs) and was stopped.`,
    { extensions: { code: EXECUTION_TIMEOUT, maxExecutionMs } },
  );
}

/** The answer to a query stopped at its deadline. */
function timeoutResult(maxExecutionMs: number): ExecutionResult {
  const stopped = stoppedError(maxExecutionMs);
  const error = new GraphQLError(stopped.message, {
    extensions: { ...stopped.extensions, http: { status: TIMEOUT_STATUS } },
  });
  return { errors: [error] };
}

type Executed = ExecutionResult | AsyncIterable<ExecutionResult>;

/** `running`, or the timeout answer if `signal` aborts first (work still running then stops by itself). */
function withDeadline(
  running: Executed | Promise<Executed>,
  signal: AbortSignal,
  maxExecutionMs: number,
): Executed | Promise<Executed> {
  if (!(running instanceof Promise)) return running;
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(timeoutResult(maxExecutionMs));
    signal.addEventListener('abort', onAbort, { once: true });
    running.then(
      (result) => {
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function operationOf(args: ExecutionArgs): OperationTypeNode | undefined {
  return getOperationAST(args.document, args.operationName ?? undefined)?.operation;
}

/**
 * The plugin: a budget under `pacer` in every operation's context, and the deadline of
 * `maxExecutionMs` on queries (and on the reads of mutations). Must come after every plugin that
 * replaces the execute function (compiled queries), whose function it wraps.
 */
export function useExecutionBudget(
  maxExecutionMs: number,
  pacer: Pacer,
): Plugin<{ budget: ExecutionBudget }> {
  return {
    onExecute({ args, executeFn, setExecuteFn, extendContext }) {
      const controller = new AbortController();
      // Every resolver waiting for a turn listens to it: there may be many.
      setMaxListeners(Number.POSITIVE_INFINITY, controller.signal);
      extendContext({ budget: pacer.budget(controller.signal) });
      const timer = setTimeout(() => controller.abort(stoppedError(maxExecutionMs)), maxExecutionMs);
      timer.unref();
      if (operationOf(args) === 'query') {
        setExecuteFn((executionArgs) =>
          withDeadline(executeFn(executionArgs), controller.signal, maxExecutionMs),
        );
      }
      return {
        onExecuteDone() {
          clearTimeout(timer);
        },
      };
    },
    onSubscribe({ extendContext }) {
      extendContext({ budget: pacer.budget(new AbortController().signal) });
    },
  };
}
