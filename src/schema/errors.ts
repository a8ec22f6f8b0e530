/**
 * Maps the store's expected failures to GraphQL errors with `extensions.code`, and masks everything
 * else. Used as yoga's `maskError`, so it applies to HTTP and websocket operations alike.
 */
import { GraphQLError } from 'graphql';
import { maskError as maskUnexpected } from 'graphql-yoga';
import { StoreError } from '../store/index.ts';

/** The `extensions` a store failure carries: its code and the details a client can act on. */
function extensionsOf(error: StoreError): Record<string, unknown> {
  const { code, details } = error;
  const extensions: Record<string, unknown> = { code };
  for (const [key, value] of Object.entries(details)) {
    if (value !== undefined) extensions[key] = value;
  }
  return extensions;
}

/**
 * Turns a {@link StoreError} into a GraphQLError with `extensions.code` and the error's details
 * (`currentVersion`, `lastRevision`, `compactedRevision`, `field`, ...).
 */
export function toGraphQLError(error: StoreError): GraphQLError {
  return new GraphQLError(error.message, { originalError: error, extensions: extensionsOf(error) });
}

/**
 * yoga's `maskError`: store failures become coded errors, GraphQL errors raised on purpose pass
 * through, and anything else is replaced by the generic masked message.
 *
 * A store failure raised in a resolver keeps its located error object, with the code added to its
 * extensions: yoga logs every error this function replaces as unexpected, and these are expected.
 */
export function maskError(error: unknown, message: string, isDev?: boolean): Error {
  if (error instanceof GraphQLError && error.originalError instanceof StoreError) {
    Object.assign(error.extensions, extensionsOf(error.originalError));
    return error;
  }
  if (error instanceof StoreError) return toGraphQLError(error);
  return maskUnexpected(error, message, isDev);
}
