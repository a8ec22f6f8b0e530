/**
 * Authentication: the {@link Authenticator} a checked auth configuration (`auth-config.ts`) yields,
 * which turns a bearer token into a principal and says how long the token is good for.
 *
 * A token is a static one (its SHA-256 in the configuration, compared in constant time) or a JWT
 * verified with the configured key, whose claim (`sub` by default) names the principal. How a token
 * reaches the server (an `Authorization` header, a websocket's `connection_init`) is the server's
 * business.
 */
import { type KeyObject, timingSafeEqual } from 'node:crypto';
import { errors as joseErrors, jwtVerify } from 'jose';
import { type AuthConfig, checkAuthConfigAndKey, type JwtConfig, sha256 } from './auth-config.ts';
import type { Principal } from './permissions.ts';

/** What a valid token stands for, and until when. */
export interface Session {
  readonly principal: Principal;
  /**
   * When the token stops being valid, in milliseconds since the epoch (a JWT's `exp`, plus the
   * configured clock tolerance); null for a token that does not expire (a static token, a JWT
   * without `exp`).
   */
  readonly expiresAt: number | null;
}

/** Turns bearer tokens into principals. */
export interface Authenticator {
  /** The principal a token stands for, or null when the token is not valid (or absent). */
  authenticate(token: string | null): Promise<Principal | null>;
  /** The session of a token (its principal and expiry), or null when the token is not valid (or absent). */
  session(token: string | null): Promise<Session | null>;
}

/** The static tokens of the principals, by SHA-256 digest. */
interface StaticToken {
  readonly digest: Buffer;
  readonly principal: Principal;
}

/** The principal of a static token, comparing every entry so the time taken says nothing of which matched. */
function staticPrincipal(tokens: readonly StaticToken[], token: string): Principal | null {
  const digest = sha256(token);
  let found: Principal | null = null;
  for (const entry of tokens) if (timingSafeEqual(entry.digest, digest)) found = entry.principal;
  return found;
}

/**
 * Verifies a JWT and returns the session of the principal its claim names. A valid token for a name
 * the configuration does not list authenticates a principal without rules.
 */
function jwtVerifier(
  jwt: JwtConfig,
  key: KeyObject,
  principals: ReadonlyMap<string, Principal>,
): (token: string) => Promise<Session | null> {
  const tolerance = jwt.clockToleranceSeconds ?? 0;
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: [jwt.algorithm],
        issuer: jwt.issuer,
        audience: jwt.audience,
        clockTolerance: tolerance,
      });
      const name = payload[jwt.claim ?? 'sub'];
      if (typeof name !== 'string' || name === '') return null;
      const principal = principals.get(name) ?? { name, rules: [] };
      return { principal, expiresAt: payload.exp === undefined ? null : (payload.exp + tolerance) * 1000 };
    } catch (error) {
      if (error instanceof joseErrors.JOSEError) return null;
      throw error;
    }
  };
}

/**
 * Checks `config` (reading its key file, if any) and returns its authenticator. Throws
 * `AuthConfigError`.
 */
export function createAuthenticator(config: AuthConfig, source = 'auth'): Authenticator {
  const checked = checkAuthConfigAndKey(config, source);
  const principals = new Map<string, Principal>();
  const staticTokens: StaticToken[] = [];
  for (const entry of checked.config.principals ?? []) {
    const principal: Principal = { name: entry.name, rules: entry.rules ?? [] };
    principals.set(entry.name, principal);
    for (const hex of entry.tokenSha256 ?? [])
      staticTokens.push({ digest: Buffer.from(hex, 'hex'), principal });
    for (const token of entry.tokens ?? []) staticTokens.push({ digest: sha256(token), principal });
  }
  const { jwt } = checked.config;
  const verifyJwt = jwt && checked.key ? jwtVerifier(jwt, checked.key, principals) : null;
  const session = async (token: string | null): Promise<Session | null> => {
    if (token === null) return null;
    const found = staticPrincipal(staticTokens, token);
    if (found) return { principal: found, expiresAt: null };
    return verifyJwt && token.split('.').length === 3 ? verifyJwt(token) : null;
  };
  return {
    session,
    async authenticate(token) {
      return (await session(token))?.principal ?? null;
    },
  };
}
