/**
 * Custom scalars: JSON payloads and timestamps from graphql-scalars, and `Revision`, the store's global
 * revision counter.
 */
import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { GraphQLDateTime, GraphQLJSON, GraphQLJSONObject } from 'graphql-scalars';
import { builder } from './builder.ts';

/** The form `Date.prototype.toISOString` writes, which every timestamp the store makes has. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * graphql-scalars' `DateTime`, except that a timestamp already in `toISOString` form is sent as it
 * is: graphql-scalars validates a string, parses it into a `Date` and formats that again, three
 * times per resource of a listing, for the very same text.
 */
const DateTime = new GraphQLScalarType({
  ...GraphQLDateTime.toConfig(),
  serialize: (value) =>
    typeof value === 'string' && ISO_INSTANT.test(value) ? value : GraphQLDateTime.serialize(value),
});

builder.addScalarType('JSON', GraphQLJSON);
builder.addScalarType('JSONObject', GraphQLJSONObject);
builder.addScalarType('DateTime', DateTime);

const DECIMAL = /^(0|[1-9][0-9]*)$/;

function invalidRevision(shown: string, node?: ValueNode): GraphQLError {
  return new GraphQLError(`Revision must be a non-negative safe integer, given ${shown}`, {
    ...(node ? { nodes: node } : {}),
    extensions: { code: 'BAD_USER_INPUT' },
  });
}

/**
 * Reads a revision given as a decimal string or an integer. Throws a BAD_USER_INPUT GraphQLError for
 * anything else: negative numbers, fractions, exponents, values beyond 2^53 - 1.
 */
export function parseRevision(value: unknown, node?: ValueNode): number {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) return value;
    throw invalidRevision(String(value), node);
  }
  if (typeof value === 'string' && DECIMAL.test(value)) {
    const revision = Number(value);
    if (Number.isSafeInteger(revision)) return revision;
  }
  throw invalidRevision(JSON.stringify(value) ?? String(value), node);
}

/** Writes a revision as its decimal string. */
export function serializeRevision(value: unknown): string {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  throw new GraphQLError(`Revision cannot represent ${String(value)}`);
}

builder.scalarType('Revision', {
  description:
    'A global store revision: a 64-bit counter serialized as a decimal string. Accepts a decimal ' +
    'string or an integer as input.',
  serialize: serializeRevision,
  parseValue: (value) => parseRevision(value),
  parseLiteral: (node) => {
    if (node.kind === Kind.STRING || node.kind === Kind.INT) {
      return parseRevision(node.value, node);
    }
    throw invalidRevision(node.kind, node);
  },
});
