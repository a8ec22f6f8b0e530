/**
 * The resource store: a revisioned LMDB store for resources and relationship triplets with a gap-free
 * change log. This module is the store's whole public surface; it knows nothing of GraphQL.
 */
export * from './errors.ts';
export * from './types.ts';
export { openStore } from './store.ts';
export { parseLabelSelector, type LabelSelector } from './labels.ts';
