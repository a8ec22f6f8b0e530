/**
 * Limits on what one request may ask for. The query limits are envelop plugins in yoga's pipeline,
 * which the lean path and the websocket share, so they apply to every operation alike and reject it
 * while it is parsed or validated, before any resolver runs: graphql-armor's on the document, the
 * cost limit (`use-query-cost.ts`) on the document with its variables. The byte limits bound an
 * HTTP body and a websocket message before either is read whole.
 */
import { characterLimitPlugin } from '@escape.tech/graphql-armor-character-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { GraphQLError, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { QUERY_TOO_COMPLEX, useQueryCost, useValidationCache } from './use-query-cost.ts';

export { QUERY_TOO_COMPLEX } from './use-query-cost.ts';

/** Every limit; see {@link DEFAULT_LIMITS} for what each bounds and its default. */
export interface Limits {
  /** Deepest nesting of fields in an operation; a fragment counts as the fields it holds. */
  readonly maxDepth: number;
  /** Aliased fields in an operation. */
  readonly maxAliases: number;
  /** Directives in an operation. */
  readonly maxDirectives: number;
  /** Lexical tokens in a document (comments excluded). */
  readonly maxTokens: number;
  /**
   * The estimated number of objects an answer holds (`query-cost.ts`): a connection counts `first`
   * (literal or variable, 100 when absent) times what each edge selects, a list its estimated length.
   */
  readonly maxCost: number;
  /** Characters in a document (the query text, not its variables). */
  readonly maxDocumentLength: number;
  /** Bytes in an HTTP request body; a larger one is answered 413 unread. */
  readonly maxBodyBytes: number;
  /** Bytes in one websocket message; a larger one closes its socket with 1009. */
  readonly maxMessageBytes: number;
  /**
   * Milliseconds a query may run; past it, it is stopped with EXECUTION_TIMEOUT
   * (`use-execution-budget.ts`).
   */
  readonly maxExecutionMs: number;
}

/**
 * The defaults: room for every example operation (the deepest, a two-hop walk over `relationships`,
 * is 10 levels) and for GraphiQL's introspection query, which depth and cost ignore. The cost admits
 * 1,000 resources with their labels and annotations (2,001), the first 1,000 descendants of one
 * (about 4,000) and 100 resources with their first 100 descendants each (about 40,000), and refuses
 * 1,000 × 1,000 of anything. Resource walks of any depth go through `traverse`, `descendants` and
 * `ancestors`, which take `maxDepth` as an argument and stay a few levels deep in the document.
 */
export const DEFAULT_LIMITS: Limits = {
  maxDepth: 12,
  maxAliases: 15,
  maxDirectives: 50,
  maxTokens: 1000,
  maxCost: 100_000,
  maxDocumentLength: 32_768,
  maxBodyBytes: 4 * 1024 * 1024,
  maxMessageBytes: 4 * 1024 * 1024,
  maxExecutionMs: 10_000,
};

/** The limits' names, in the order they are documented. */
export const LIMIT_NAMES = Object.keys(DEFAULT_LIMITS) as (keyof Limits)[];

/** `given` over the defaults; throws a RangeError naming a limit that is not a positive integer. */
export function resolveLimits(given: Partial<Limits> = {}): Limits {
  const limits = { ...DEFAULT_LIMITS };
  for (const name of LIMIT_NAMES) {
    const value = given[name];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`limit ${name} must be a positive integer, given ${value}`);
    }
    limits[name] = value;
  }
  return limits;
}

/**
 * graphql-armor's rejection as a coded error: its message without the misleading "Syntax Error: "
 * prefix, with the limit's name, its value and what the operation had (when armor reports it).
 */
function limitError(limit: keyof Limits, max: number, error: GraphQLError): GraphQLError {
  const message = error.message.replace(/^Syntax Error: /, '');
  // "found 7502.5." ends a sentence: the number alone, or Number() gives NaN (null in JSON).
  const found = /found (\d+(?:\.\d+)?)/.exec(message)?.[1];
  return new GraphQLError(message, {
    extensions: { code: QUERY_TOO_COMPLEX, limit, max, ...(found ? { found: Number(found) } : {}) },
  });
}

/**
 * armor's options for one limit: never throw armor's own error, report a coded one instead — into
 * the validation result when validating, thrown out of `parse` when parsing (no context then).
 */
function rejectWith(limit: keyof Limits, max: number) {
  return {
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) => {
        const coded = limitError(limit, max, error);
        if (context === null) throw coded;
        context.reportError(coded);
      },
    ],
  };
}

/**
 * The query limits as yoga (envelop) plugins, with the validation cache that must come before the
 * cost limit (yoga's own is off: `yoga.ts`).
 */
export function queryLimitPlugins(limits: Limits): Plugin[] {
  return [
    maxTokensPlugin({ n: limits.maxTokens, ...rejectWith('maxTokens', limits.maxTokens) }),
    // After the token limit, whose parser it wraps: a long document is refused before it is lexed.
    characterLimitPlugin({
      maxLength: limits.maxDocumentLength,
      ...rejectWith('maxDocumentLength', limits.maxDocumentLength),
    }),
    maxDepthPlugin({
      n: limits.maxDepth,
      flattenFragments: true,
      ...rejectWith('maxDepth', limits.maxDepth),
    }),
    maxAliasesPlugin({ n: limits.maxAliases, ...rejectWith('maxAliases', limits.maxAliases) }),
    maxDirectivesPlugin({ n: limits.maxDirectives, ...rejectWith('maxDirectives', limits.maxDirectives) }),
    // The cache keeps what the document alone decides; the cost, which the variables change, after it.
    useValidationCache(),
    useQueryCost(limits.maxCost),
  ];
}
