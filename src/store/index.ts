/**
 * The resource store: a revisioned LMDB store for resources and relationship triplets with a gap-free
 * change log. This module is the store's whole public surface; it knows nothing of GraphQL.
 */

export * from './api.ts';
export * from './errors.ts';
export { type LabelSelector, labelKeyError, labelValueError, parseLabelSelector } from './labels.ts';
export { openStore } from './open.ts';
export { refString } from './refs.ts';
export { OWNER_REFERENCE, POD_NODE_BINDING } from './registry.ts';
export { runSteps, type Steps } from './steps.ts';
export * from './types.ts';
export {
  normalizePredicateType,
  normalizeRef,
  normalizeResourceInput,
  type ResourceContent,
} from './validate.ts';
