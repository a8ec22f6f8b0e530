/** Request errors of operations that fail before producing data get a 4xx status, as the spec wants. */
import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * An operation that fails before it produces any data (a subscription whose store watch refuses its
 * arguments) is a request error: 400 to clients accepting `application/graphql-response+json`, 200
 * to those accepting `application/json`. yoga would answer 500, taking its coded store errors (their
 * original error is not a GraphQLError) for unexpected ones. Returns `result` itself when it is not
 * such a failure.
 */
export function withRequestErrorStatus(result: ExecutionResult): ExecutionResult {
  if ('data' in result || !result.errors?.length) return result;
  if (!result.errors.every((error) => typeof error.extensions?.code === 'string')) return result;
  const errors = result.errors.map((error) => {
    (error.extensions as { http?: unknown }).http ??= { status: 400, spec: true };
    return error;
  });
  return { ...result, errors };
}

/** {@link withRequestErrorStatus} as yoga's hook. */
export const useRequestErrorStatus: Plugin = {
  onExecutionResult({ result, setResult }) {
    if (!result || Symbol.asyncIterator in result) return;
    const next = withRequestErrorStatus(result);
    if (next !== result) setResult(next);
  },
};
