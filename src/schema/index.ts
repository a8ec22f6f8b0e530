/**
 * The GraphQL schema of the store: every domain file registers its types with the shared builder,
 * then the schema is built once.
 */
import { type GraphQLSchema, isObjectType, lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.ts';
import './scalars.ts';
import './resource.ts';
import './predicate.ts';
import './relationship.ts';
import './traversal.ts';
import './resource-mutations.ts';
import './relationship-mutations.ts';
import './transaction.ts';
import './resource-events.ts';
import './relationship-events.ts';

export type { ExecutionBudget } from './budget.ts';
export {
  DEFAULT_PAGE_SIZE,
  type FieldCost,
  MAX_PAGE_SIZE,
  pageSizeError,
} from './connections.ts';
export type { SchemaContext } from './context.ts';
export { maskError, toGraphQLError } from './errors.ts';
export { RawJson, stringifyResult } from './raw-json.ts';

/**
 * The relay plugin resolves a connection's `edges` and `pageInfo`, and an edge's `node`, with
 * functions that read the property of that name. graphql's default resolver does the same, and
 * without a resolver graphql-jit reads the property inline instead of calling a function per field
 * of every item of a listing. Every connection here is built by connections.ts, as plain objects.
 */
function withPlainConnectionFields(built: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(built.getTypeMap())) {
    if (!isObjectType(type)) continue;
    const fields = type.getFields();
    const plain = type.name.endsWith('Connection')
      ? ['edges', 'pageInfo']
      : type.name.endsWith('Edge')
        ? ['node']
        : [];
    for (const name of plain) {
      const field = fields[name];
      if (field) field.resolve = undefined;
    }
  }
  return built;
}

/** The executable schema. */
export const schema: GraphQLSchema = withPlainConnectionFields(builder.toSchema());

/** The schema's SDL, types sorted by name so it only changes when the schema does. */
export function printSchemaSDL(): string {
  return printSchema(lexicographicSortSchema(schema));
}
