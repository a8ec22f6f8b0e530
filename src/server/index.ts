/**
 * The resource-store server: GraphQL over HTTP and websocket on one port.
 */
export { type App, type AppConfig, type AuthReload, createApp, type StoreSource } from './app.ts';
export {
  type AuthConfig,
  AuthConfigError,
  type JwtConfig,
  loadAuthFile,
  type PrincipalConfig,
  UNAUTHENTICATED,
} from './auth.ts';
export { PAYLOAD_TOO_LARGE } from './body-limit.ts';
export { DEFAULT_LIMITS, type Limits, QUERY_TOO_COMPLEX } from './limits.ts';
export { INTROSPECTION_DISABLED } from './use-no-introspection.ts';
export { CSRF_HEADER, GRAPHQL_PATH } from './yoga.ts';
