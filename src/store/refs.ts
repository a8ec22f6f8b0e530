/** Refs as map keys. */
import type { ResourceRef } from './types.ts';

/**
 * A string that stands for a ref: equal for equal refs, different for different ones (for Map and Set
 * keys). Not a format to parse or store.
 */
export function refString(ref: ResourceRef): string {
  // The parts never hold a NUL (input validation refuses control characters).
  return `${ref.group}\0${ref.version}\0${ref.kind}\0${ref.namespace}\0${ref.name}`;
}
