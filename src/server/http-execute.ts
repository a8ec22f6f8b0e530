/**
 * One operation of the lean HTTP path through yoga's envelop pipeline, as yoga's `processRequest`
 * runs it (parse, validate, the context factory, execute), with one difference: whatever yoga would
 * answer in a way of its own — a parse failure (its error handling), a context that cannot be built,
 * a subscription (a stream) — is left to yoga before anything has run.
 */
import {
  type DocumentNode,
  type ExecutionResult,
  GraphQLError,
  getOperationAST,
  type OperationDefinitionNode,
} from 'graphql';
import { maskError } from '../schema/index.ts';
import { invariant } from '../store/index.ts';
import type { LeanParams } from './http-params.ts';
import type { Yoga } from './yoga.ts';

/** The operation is yoga's to serve: nothing of it has run. */
export const LEFT_TO_YOGA = Symbol('left to yoga');

/** yoga's message for masked errors. */
const UNEXPECTED = 'Unexpected error.';

type Enveloped = ReturnType<Yoga['getEnveloped']>;

/** The document, its validation errors and its operation; null when parsing or validating threw. */
function checked(
  enveloped: Enveloped,
  params: LeanParams,
): {
  document: DocumentNode;
  errors: readonly GraphQLError[];
  operation: OperationDefinitionNode | null;
} | null {
  try {
    const document = enveloped.parse(params.query);
    const errors = enveloped.validate(enveloped.schema, document);
    const operation =
      errors.length > 0 ? null : (getOperationAST(document, params.operationName ?? undefined) ?? null);
    return { document, errors, operation };
  } catch {
    return null;
  }
}

/**
 * A failure thrown out of execution, as yoga's error handling answers it (no failure is expected:
 * graphql-js and graphql-jit return errors in results): masked, and logged when masking replaced it.
 */
function thrownResult(yoga: Yoga, error: unknown): ExecutionResult {
  const masked = maskError(error, UNEXPECTED);
  if (masked !== error) yoga.logger.error(error);
  const located =
    masked instanceof GraphQLError ? masked : new GraphQLError(masked.message, { originalError: masked });
  return { errors: [located] };
}

/**
 * Runs one operation with `context` as the initial context; `described` is told the operation before
 * it runs. Resolves with its result, or {@link LEFT_TO_YOGA}.
 */
export async function runOperation(
  yoga: Yoga,
  context: Record<string, unknown>,
  params: LeanParams,
  described: (operation: OperationDefinitionNode) => void,
): Promise<ExecutionResult | typeof LEFT_TO_YOGA> {
  const enveloped = yoga.getEnveloped(context);
  const parsed = checked(enveloped, params);
  if (parsed === null) return LEFT_TO_YOGA;
  if (parsed.errors.length > 0) return { errors: parsed.errors };
  const { document, operation } = parsed;
  if (operation === null || operation.operation === 'subscription') return LEFT_TO_YOGA;
  let contextValue: unknown;
  try {
    contextValue = await enveloped.contextFactory();
  } catch {
    return LEFT_TO_YOGA;
  }
  described(operation);
  let result: Awaited<ReturnType<Enveloped['execute']>>;
  try {
    result = await enveloped.execute({
      schema: enveloped.schema,
      document,
      contextValue,
      variableValues: params.variables,
      operationName: params.operationName,
    });
  } catch (error) {
    return thrownResult(yoga, error);
  }
  invariant(!(Symbol.asyncIterator in result), 'a query or mutation has one result');
  return result;
}
