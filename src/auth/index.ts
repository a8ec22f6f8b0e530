/**
 * Authentication and authorization, as a layer between the store and the API: principals and their
 * rules (`permissions.ts`), the view of a store a principal gets (`authorized-store.ts`, a Store →
 * Store decorator), and the auth configuration (`auth-config.ts`) with the authenticator that turns
 * bearer tokens into principals and sessions (`authenticate.ts`). It depends on the store's public
 * API alone; the server carries tokens in from requests and puts the view in each operation's
 * context.
 */
export {
  type AuthConfig,
  AuthConfigError,
  checkAuthConfig,
  type JwtConfig,
  loadAuthFile,
  type PrincipalConfig,
} from './auth-config.ts';
export { type Authenticator, createAuthenticator, type Session } from './authenticate.ts';
export { authorizedStore } from './authorized-store.ts';
export {
  NON_RESOURCE_URLS,
  type NonResourceRule,
  Permissions,
  type Principal,
  type ResourceRule,
  type Rule,
  VERBS,
  type Verb,
} from './permissions.ts';
