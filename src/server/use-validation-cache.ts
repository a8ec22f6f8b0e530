/**
 * A cache of validation results by schema and document, in place of yoga's own (turned off in
 * `yoga.ts`). yoga's stores whatever the validation hooks leave, and its hook runs after every plugin
 * given to yoga: it would keep the cost limit's errors, which depend on the variables, for the next
 * request of the same document. This one must come before the cost limit among the plugins: it keeps
 * what the document's own validation found (the spec's rules and the query limits'), and the cost
 * limit adds its errors afterwards, every time.
 *
 * Documents are the same objects for the same text (yoga's parse cache), so a WeakMap holds them
 * for as long as that cache does.
 */
import type { DocumentNode, GraphQLError, GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** The plugin: a validation result computed once per schema and document. */
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
