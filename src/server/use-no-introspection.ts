/**
 * Introspection off: `__schema` and `__type` fail validation with INTROSPECTION_DISABLED, and errors
 * stop suggesting field names.
 */
import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { GraphQLError, getNamedType, isIntrospectionType, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** The `extensions.code` of an introspection query while introspection is off. */
export const INTROSPECTION_DISABLED = 'INTROSPECTION_DISABLED';

/** Rejects fields of the introspection types (`__typename` stays allowed), with a code. */
const noIntrospection: ValidationRule = (context) => ({
  Field(node) {
    const type = getNamedType(context.getType());
    if (type && isIntrospectionType(type)) {
      const message = `Introspection is disabled on this server; the query asks for "${node.name.value}".`;
      context.reportError(
        new GraphQLError(message, { nodes: node, extensions: { code: INTROSPECTION_DISABLED } }),
      );
    }
  },
});

/** The plugins that turn introspection off. */
export function useNoIntrospection(): Plugin[] {
  return [
    { onValidate: ({ addValidationRule }) => addValidationRule(noIntrospection) },
    blockFieldSuggestionsPlugin(),
  ];
}
