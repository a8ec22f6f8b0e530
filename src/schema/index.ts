/**
 * The GraphQL schema of the store: every domain file registers its types with the shared builder,
 * then the schema is built once.
 */
import { type GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
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

export type { SchemaContext } from './context.ts';
export { maskError, toGraphQLError } from './errors.ts';

/** The executable schema. */
export const schema: GraphQLSchema = builder.toSchema();

/** The schema's SDL, types sorted by name so it only changes when the schema does. */
export function printSchemaSDL(): string {
  return printSchema(lexicographicSortSchema(schema));
}
