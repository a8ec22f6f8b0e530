/**
 * Authentication and authorization, as a layer between the store and the API: principals and their
 * rules (`permissions.ts`), the view of a store a principal gets (`authorized-store.ts`, a Store →
 * Store decorator), and the auth configuration with the authenticator that turns bearer tokens into
 * principals (`authenticate.ts`). It depends on the store's public API alone; the server carries
 * tokens in from requests and puts the view in each operation's context.
 */
export {
  type AuthConfig,
  AuthConfigError,
  type Authenticator,
  checkAuthConfig,
  createAuthenticator,
  type JwtConfig,
  loadAuthFile,
  type PrincipalConfig,
} from './authenticate.ts';
export { authorizedStore } from './authorized-store.ts';
export { Permissions, type Principal, type Rule, VERBS, type Verb } from './permissions.ts';
