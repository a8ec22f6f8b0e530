/**
 * Authorization, as a layer between the store and the API: principals and their
 * rules (`permissions.ts`), the view of a store a principal gets (`authorized-store.ts`, a Store →
 * Store decorator). It depends on the store's public API alone; the server authenticates requests
 * and puts the view in each operation's context.
 */
export { authorizedStore } from './authorized-store.ts';
export { Permissions, type Principal, type Rule, VERBS, type Verb } from './permissions.ts';
