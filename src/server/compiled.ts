/**
 * Queries run compiled by graphql-jit: each document is compiled once (yoga's parse cache hands back
 * the same document object for the same text) into a function that resolves the selection without
 * graphql-js walking it field by field; a listing of thousands of resources resolves several times
 * faster.
 *
 * Variables are coerced by graphql-js first, so their errors, input-field defaults and `@oneOf` rules
 * are exactly graphql-js's (graphql-jit's own coercion skips input-field defaults and `@oneOf`); the
 * compiled function then receives values it accepts as they are. Mutations and subscriptions stay on
 * graphql-js: their cost is the write or the event, not the walk.
 */
import {
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  GraphQLError,
  getOperationAST,
  getVariableValues,
  type Source,
  type SourceLocation,
  type VariableDefinitionNode,
} from 'graphql';
import { type CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';

/** A compiled query and the variable definitions its variables are coerced by. */
interface Compiled {
  readonly query: CompiledQuery;
  readonly variables: readonly VariableDefinitionNode[];
}

/** Character offsets in `source` of line/column locations. */
function positionsOf(source: Source, locations: readonly SourceLocation[]): number[] {
  const lineStarts = [0];
  for (const match of source.body.matchAll(/\r\n|[\n\r]/g)) lineStarts.push(match.index + match[0].length);
  return locations.map(({ line, column }) => (lineStarts[line - 1] ?? 0) + column - 1);
}

/**
 * An error of a compiled query as graphql-js would have raised it: graphql-jit's errors have frozen,
 * often absent, extensions (error masking adds the store's codes to them) and only line/column
 * locations (yoga rebuilds errors from their source positions).
 */
function asGraphQLJsError(error: GraphQLError, document: DocumentNode): GraphQLError {
  const source = document.loc?.source;
  return new GraphQLError(error.message, {
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions },
    ...(source && error.locations ? { source, positions: positionsOf(source, error.locations) } : {}),
  });
}

/** A compiled query run with graphql-js-coerced variables, its result carrying the fast stringify. */
function runCompiled(compiled: Compiled, args: ExecutionArgs): ExecutionResult | Promise<ExecutionResult> {
  const coerced = getVariableValues(args.schema, compiled.variables, args.variableValues ?? {});
  if (coerced.errors) return { errors: coerced.errors };
  const finish = (result: ExecutionResult) => {
    if (result.errors)
      Object.assign(result, { errors: result.errors.map((error) => asGraphQLJsError(error, args.document)) });
    return Object.assign(result, { stringify: compiled.query.stringify });
  };
  const result = compiled.query.query(args.rootValue, args.contextValue, coerced.coerced);
  return result instanceof Promise ? result.then(finish) : finish(result);
}

/** The envelop plugin: compiles and runs query operations; anything else runs as before. */
export function useCompiledQueries(): Plugin {
  /** By document, then operation name (`''` for the only one); null when not a compilable query. */
  const cache = new WeakMap<DocumentNode, Map<string, Compiled | null>>();
  const compiledFor = (args: ExecutionArgs): Compiled | null => {
    const name = args.operationName ?? '';
    let byName = cache.get(args.document);
    if (!byName) {
      byName = new Map();
      cache.set(args.document, byName);
    }
    let compiled = byName.get(name);
    if (compiled === undefined) {
      const operation = getOperationAST(args.document, args.operationName);
      const result =
        operation?.operation === 'query'
          ? compileQuery(args.schema, args.document, args.operationName ?? undefined, {
              disablingCapturingStackErrors: true,
            })
          : null;
      compiled =
        result !== null && isCompiledQuery(result)
          ? { query: result, variables: operation?.variableDefinitions ?? [] }
          : null;
      byName.set(name, compiled);
    }
    return compiled;
  };
  return {
    onExecute({ args, setExecuteFn }) {
      const compiled = compiledFor(args);
      if (compiled) setExecuteFn((executionArgs) => runCompiled(compiled, executionArgs as ExecutionArgs));
    },
  };
}
