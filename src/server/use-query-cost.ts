/**
 * The cost limit, as a yoga (envelop) plugin that HTTP, the lean path and the websocket share. Once
 * an operation has passed validation, its variables (the request's params) are coerced and its cost
 * estimated (`query-cost.ts`); a variable that cannot be coerced, a page size out of range or a cost
 * over the limit is reported as a validation error with a code, before any resolver runs. An
 * operation that runs gets `extensions.cost` (`requested`, `limit`) on its answer, on every event of
 * a subscription.
 *
 * The check depends on the variables, so it runs on every request, after any cache of validation
 * results has stored its result. yoga's own cache stores whatever the validation hooks leave, and
 * its hook runs after every plugin given to yoga: it would keep the cost limit's errors for the next
 * request of the same document. So yoga's is off (`yoga.ts`) and {@link useValidationCache}, which
 * must come before {@link useQueryCost} among the plugins, keeps what the document's own validation
 * found (the spec's rules and the query limits'); the cost limit adds its errors afterwards.
 */
import {
  type DocumentNode,
  type ExecutionResult,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLSchema,
  getOperationAST,
  getVariableValues,
  Kind,
} from 'graphql';
import { handleStreamOrSingleExecutionResult, type Plugin } from 'graphql-yoga';
import { toGraphQLError } from '../schema/index.ts';
import { StoreError } from '../store/index.ts';
import { operationCost } from './query-cost.ts';

/** The `extensions.code` of an operation rejected by a query limit. */
export const QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX';

/** The `extensions.cost` of an answer: the operation's estimated objects and the limit on them. */
export interface CostExtension {
  readonly requested: number;
  readonly limit: number;
}

/** Where an operation's {@link CostExtension} waits in its context for its answer. */
const COST = Symbol('operation cost');

/** A request error: 400 to clients accepting `application/graphql-response+json` (yoga strips it). */
const REQUEST_ERROR = { status: 400, spec: true };

/** The params of an operation as the context carries them (yoga's, the lean path's, graphql-ws's). */
interface ContextParams {
  readonly operationName?: string | null;
  readonly variables?: unknown;
}

/** A variable graphql-js cannot coerce, as a coded error: its scalar's code, else BAD_USER_INPUT. */
function variableError(error: GraphQLError): GraphQLError {
  const original = error.originalError;
  const own =
    original instanceof StoreError
      ? toGraphQLError(original).extensions
      : original instanceof GraphQLError
        ? original.extensions
        : {};
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    extensions: { code: 'BAD_USER_INPUT', ...own, http: REQUEST_ERROR },
  });
}

/** An error of an argument, marked a request error. */
function requestError(error: GraphQLError): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    extensions: { ...error.extensions, http: REQUEST_ERROR },
  });
}

/** The rejection of an operation whose cost is over the limit. */
function tooCostly(requested: number, limit: number): GraphQLError {
  return new GraphQLError(`Query cost limit of ${limit} exceeded, found ${requested}.`, {
    extensions: {
      code: QUERY_TOO_COMPLEX,
      limit: 'maxCost',
      max: limit,
      found: requested,
      cost: { requested, limit },
      http: REQUEST_ERROR,
    },
  });
}

/** The variables of params, when they are an object (anything else is yoga's to refuse). */
function variablesOf(params: ContextParams): Record<string, unknown> {
  const { variables } = params;
  return typeof variables === 'object' && variables !== null && !Array.isArray(variables)
    ? (variables as Record<string, unknown>)
    : {};
}

/**
 * Checks the operation of a valid document that `params` names: its variables coerced, its cost
 * within `limit`. Resolves with its cost, the errors to report, or null when there is no such
 * operation (execution reports that).
 */
export function checkCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  params: ContextParams,
  limit: number,
): CostExtension | readonly GraphQLError[] | null {
  const operation = getOperationAST(document, params.operationName ?? undefined);
  if (!operation) return null;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variablesOf(params), {
    maxErrors: 10,
  });
  if (coerced.errors) return coerced.errors.map(variableError);
  const fragments = document.definitions.filter(
    (definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION,
  );
  const cost = operationCost(schema, fragments, operation, coerced.coerced);
  if ('errors' in cost) return cost.errors.map(requestError);
  if (cost.requested > limit) return [tooCostly(cost.requested, limit)];
  return { requested: cost.requested, limit };
}

/** `result` with the operation's cost in its extensions. */
function withCost(result: ExecutionResult, cost: CostExtension): ExecutionResult {
  return { ...result, extensions: { ...result.extensions, cost } };
}

/** The cost an operation's context carries once its validation checked it (see {@link useQueryCost}). */
export function costIn(context: unknown): CostExtension | undefined {
  return typeof context === 'object' && context !== null
    ? (context as { [COST]?: CostExtension })[COST]
    : undefined;
}

/** The plugin: the cost limit at `limit` estimated objects, and `extensions.cost` on every answer. */
export function useQueryCost(limit: number): Plugin {
  const addCost = (contextValue: unknown) => {
    const cost = costIn(contextValue);
    if (cost === undefined) return undefined;
    return (payload: Parameters<typeof handleStreamOrSingleExecutionResult>[0]) =>
      handleStreamOrSingleExecutionResult(payload, ({ result, setResult }) => {
        setResult(withCost(result, cost));
      });
  };
  return {
    onValidate({ context, params: { schema, documentAST } }) {
      return ({ result, setResult, extendContext }) => {
        // Every transport puts the request's params in the context; validation without them (a
        // document checked on its own) has no variables to cost.
        const params = (context as { params?: ContextParams }).params;
        if (result.length > 0 || params === undefined) return;
        const checked = checkCost(schema, documentAST, params, limit);
        if (checked === null) return;
        if (Array.isArray(checked)) setResult(checked);
        else extendContext({ [COST]: checked } as Record<symbol, CostExtension>);
      };
    },
    onExecute({ args }) {
      const onExecuteDone = addCost(args.contextValue);
      return onExecuteDone ? { onExecuteDone } : undefined;
    },
    onSubscribe({ args }) {
      const onSubscribeResult = addCost(args.contextValue);
      return onSubscribeResult ? { onSubscribeResult } : undefined;
    },
  };
}

/**
 * A cache of validation results by schema and document. Documents are the same objects for the same
 * text (yoga's parse cache), so a WeakMap holds them for as long as that cache does.
 */
export function useValidationCache(): Plugin {
  const bySchema = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, readonly GraphQLError[]>>();
  return {
    onValidate({ params: { schema, documentAST }, setResult }) {
      let byDocument = bySchema.get(schema);
      if (!byDocument) {
        byDocument = new WeakMap();
        bySchema.set(schema, byDocument);
      }
      const cached = byDocument.get(documentAST);
      if (cached) {
        setResult([...cached]);
        return;
      }
      const documents = byDocument;
      return ({ result }) => {
        documents.set(documentAST, [...result]);
      };
    },
  };
}
