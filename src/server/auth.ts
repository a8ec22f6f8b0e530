/**
 * Authentication at the server's edge: bearer tokens from HTTP requests (`Authorization: Bearer …`)
 * and from a websocket's `connection_init` payload, handed to the authenticator of `src/auth/`, and
 * the context of an authenticated operation: the store as its principal sees it. Off unless an auth
 * configuration is given.
 *
 * A request without a valid token gets 401 `UNAUTHENTICATED` before anything is parsed; a websocket
 * whose `connection_init` carries none is closed with 4403.
 */
import { type Authenticator, authorizedStore, type Principal } from '../auth/index.ts';
import type { SchemaContext } from '../schema/index.ts';
import type { Store } from '../store/index.ts';
import { errorReply, type HttpReply } from './http-reply.ts';
import type { RequestHead } from './request-head.ts';

// The auth configuration is the server's to take (`createApp({ auth })`, `serve --auth-file`).
export {
  type AuthConfig,
  AuthConfigError,
  type Authenticator,
  type JwtConfig,
  loadAuthFile,
  type PrincipalConfig,
} from '../auth/index.ts';

/** The `extensions.code` of a request without a valid token. */
export const UNAUTHENTICATED = 'UNAUTHENTICATED';

/** The token of an `Authorization: Bearer …` value, or null. */
export function bearerToken(authorization: string | null | undefined): string | null {
  const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
  return match?.[1] ?? null;
}

/**
 * The token of a websocket's `connection_init` payload: `{ authorization: 'Bearer …' }` or
 * `{ token: '…' }`.
 */
export function connectionToken(params: Readonly<Record<string, unknown>> | undefined): string | null {
  const authorization = params?.authorization ?? params?.Authorization;
  if (typeof authorization === 'string') return bearerToken(authorization);
  return typeof params?.token === 'string' && params.token !== '' ? params.token : null;
}

/** The 401 answer to a request without a valid token. */
export function unauthenticated(hadToken: boolean): HttpReply {
  const message = hadToken ? 'The bearer token is not valid.' : 'A bearer token is required.';
  return errorReply(401, [{ message, extensions: { code: UNAUTHENTICATED } }], {
    'www-authenticate': 'Bearer',
  });
}

/** How an HTTP request authenticated: its principal, the answer refusing it, or no token needed. */
export type HttpAuthentication = { readonly principal: Principal } | { readonly refusal: HttpReply } | null;

/**
 * Authenticates an HTTP request from its `Authorization` header, for either transport. The GraphiQL
 * page itself (a browser's GET for HTML) needs no token when GraphiQL is on (null): it runs nothing,
 * and its operations carry the header a user sets in it.
 */
export async function authenticateHttp(
  authenticator: Authenticator,
  options: { readonly graphiql: boolean },
  request: RequestHead,
): Promise<HttpAuthentication> {
  const page = request.method === 'GET' && (request.headers.get('accept') ?? '').includes('text/html');
  if (options.graphiql && page) return null;
  const token = bearerToken(request.headers.get('authorization'));
  const principal = await authenticator.authenticate(token);
  return principal ? { principal } : { refusal: unauthenticated(token !== null) };
}

/**
 * The principal of each authenticated HTTP request, by the node request it came on: yoga's fetch
 * request may be replaced on its way (the body limit replaces a chunked one once it has read it), the
 * node request stays.
 */
const requestPrincipals = new WeakMap<object, Principal>();

/** Records the principal the HTTP request on node request `req` authenticated as, for {@link authorizedContext}. */
export function rememberPrincipal(req: object, principal: Principal): void {
  requestPrincipals.set(req, principal);
}

/** What an operation's initial context carries of its authentication, on every transport. */
export interface InitialAuthContext {
  readonly req?: object;
  readonly principal?: Principal;
}

/**
 * The principal an operation runs as: the HTTP request's (see `use-authentication.ts`) or, on a
 * websocket and on the lean HTTP path, the one authenticated before, passed in as `principal`.
 * Undefined with auth off.
 */
export function principalOf(initial: InitialAuthContext): Principal | undefined {
  return initial.principal ?? (initial.req === undefined ? undefined : requestPrincipals.get(initial.req));
}

/** yoga's context factory with auth on: the store as the operation's principal ({@link principalOf}) sees it. */
export function authorizedContext(store: Store) {
  return (initial: InitialAuthContext & { readonly request?: unknown }): SchemaContext => {
    const principal = principalOf(initial);
    // Unreachable with the plugin installed: fail closed rather than serve the whole store.
    if (principal === undefined) throw new Error('an operation reached execution unauthenticated');
    return { store: authorizedStore(store, principal) };
  };
}
