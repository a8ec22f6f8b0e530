/**
 * Authentication: bearer tokens over HTTP (`Authorization: Bearer …`) and in a websocket's
 * `connection_init` payload, mapped to principals whose rules the schema's authorized store view
 * applies (`src/auth/`). Off unless an auth configuration is given.
 *
 * A token is a static one (its SHA-256 in the configuration, compared in constant time) or a JWT
 * verified with the configured key, whose claim (`sub` by default) names the principal. A request
 * without a valid token gets 401 `UNAUTHENTICATED` before anything is parsed; a websocket whose
 * `connection_init` carries none is closed with 4403.
 */
import { createHash, createPublicKey, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import type { Plugin } from 'graphql-yoga';
import { errors as joseErrors, jwtVerify } from 'jose';
import { parse as parseYaml } from 'yaml';
import { authorizedStore, type Principal, type Rule, VERBS } from '../auth/index.ts';
import type { SchemaContext } from '../schema/index.ts';
import type { Store } from '../store/index.ts';
import { errorReply, type HttpReply, toFetchResponse } from './http-reply.ts';
import type { RequestHead } from './request-head.ts';

/** The `extensions.code` of a request without a valid token. */
export const UNAUTHENTICATED = 'UNAUTHENTICATED';

/** A principal of the auth file. */
export interface PrincipalConfig {
  readonly name: string;
  /** SHA-256 digests (hex) of its static bearer tokens. */
  readonly tokenSha256?: readonly string[];
  /** Its static bearer tokens in plain text (prefer `tokenSha256`: the file then holds no secret). */
  readonly tokens?: readonly string[];
  readonly rules?: readonly Rule[];
}

/** JWT verification: one algorithm and its key. */
export interface JwtConfig {
  readonly algorithm: 'HS256' | 'RS256' | 'ES256';
  /** HS256: the shared secret (at least 32 bytes). */
  readonly secret?: string;
  /** RS256, ES256: the public key, PEM (SPKI). */
  readonly publicKey?: string;
  /** The claim naming the principal (default `sub`). */
  readonly claim?: string;
  readonly issuer?: string;
  readonly audience?: string;
  /** Leeway for `exp` and `nbf` (default 0). */
  readonly clockToleranceSeconds?: number;
}

/** The auth configuration: `createApp({ auth })`, or the file of `serve --auth-file`. */
export interface AuthConfig {
  readonly principals?: readonly PrincipalConfig[];
  readonly jwt?: JwtConfig;
}

/** An auth configuration that is not valid; the message says where and why. */
export class AuthConfigError extends Error {
  override readonly name = 'AuthConfigError';
}

const RULE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['verbs', 'namespaces', 'kinds'],
  properties: {
    verbs: { type: 'array', minItems: 1, items: { enum: [...VERBS, '*'] } },
    namespaces: { type: 'array', minItems: 1, items: { type: 'string' } },
    kinds: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
  },
};

const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    principals: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: {
          name: { type: 'string', minLength: 1 },
          tokenSha256: { type: 'array', items: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' } },
          tokens: { type: 'array', items: { type: 'string', minLength: 16 } },
          rules: { type: 'array', items: RULE_SCHEMA },
        },
      },
    },
    jwt: {
      type: 'object',
      additionalProperties: false,
      required: ['algorithm'],
      properties: {
        algorithm: { enum: ['HS256', 'RS256', 'ES256'] },
        secret: { type: 'string', minLength: 32 },
        publicKey: { type: 'string', minLength: 1 },
        claim: { type: 'string', minLength: 1 },
        issuer: { type: 'string' },
        audience: { type: 'string' },
        clockToleranceSeconds: { type: 'integer', minimum: 0 },
      },
    },
  },
};

const validateConfig = new Ajv({ allErrors: true, strict: false }).compile<AuthConfig>(CONFIG_SCHEMA);

function describe(error: ErrorObject): string {
  const where = error.instancePath === '' ? 'the configuration' : error.instancePath;
  const allowed =
    error.keyword === 'enum' ? ` (${(error.params.allowedValues as unknown[]).join(', ')})` : '';
  const extra =
    error.keyword === 'additionalProperties' ? ` ("${String(error.params.additionalProperty)}")` : '';
  return `${where} ${error.message ?? 'is invalid'}${allowed}${extra}`;
}

/** The key a JWT is verified with, checked against its algorithm. */
function jwtKey(jwt: JwtConfig, source: string): KeyObject {
  const fail = (message: string) => new AuthConfigError(`${source}: /jwt ${message}`);
  if (jwt.algorithm === 'HS256') {
    if (jwt.secret === undefined || jwt.publicKey !== undefined) {
      throw fail('with HS256 needs `secret` (at least 32 characters) and no `publicKey`');
    }
    return createSecretKey(Buffer.from(jwt.secret));
  }
  if (jwt.publicKey === undefined || jwt.secret !== undefined) {
    throw fail(`with ${jwt.algorithm} needs \`publicKey\` (PEM) and no \`secret\``);
  }
  let key: KeyObject;
  try {
    key = createPublicKey(jwt.publicKey);
  } catch (error) {
    throw fail(`publicKey is not a PEM public key: ${(error as Error).message}`);
  }
  const expected = jwt.algorithm === 'RS256' ? 'rsa' : 'ec';
  if (key.asymmetricKeyType !== expected) {
    throw fail(`publicKey is a ${key.asymmetricKeyType} key; ${jwt.algorithm} needs an ${expected} key`);
  }
  if (jwt.algorithm === 'ES256' && key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw fail('publicKey must be on curve P-256 for ES256');
  }
  return key;
}

function sha256(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** Checks an auth configuration; throws {@link AuthConfigError} naming the first problems. */
export function checkAuthConfig(config: unknown, source = 'auth'): AuthConfig {
  if (!validateConfig(config)) {
    const problems = (validateConfig.errors ?? []).slice(0, 5).map(describe);
    throw new AuthConfigError(`${source}: ${problems.join('; ')}`);
  }
  const names = new Set<string>();
  const digests = new Set<string>();
  for (const [index, principal] of (config.principals ?? []).entries()) {
    if (names.has(principal.name)) {
      throw new AuthConfigError(`${source}: /principals/${index}/name "${principal.name}" is declared twice`);
    }
    names.add(principal.name);
    const own = [
      ...(principal.tokenSha256 ?? []).map((hex) => hex.toLowerCase()),
      ...(principal.tokens ?? []).map((token) => sha256(token).toString('hex')),
    ];
    for (const digest of own) {
      if (digests.has(digest)) {
        throw new AuthConfigError(`${source}: /principals/${index} has a token another entry has too`);
      }
      digests.add(digest);
    }
  }
  if (digests.size === 0 && config.jwt === undefined) {
    throw new AuthConfigError(`${source}: declares no token and no jwt: nobody could authenticate`);
  }
  if (config.jwt) jwtKey(config.jwt, source);
  return config;
}

/** Reads an auth file (YAML or JSON) and checks it. Throws {@link AuthConfigError}. */
export function loadAuthFile(path: string): AuthConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new AuthConfigError(`auth file ${path}: cannot be read: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new AuthConfigError(`auth file ${path}: is not YAML or JSON: ${(error as Error).message}`);
  }
  return checkAuthConfig(parsed, `auth file ${path}`);
}

/** Turns bearer tokens into principals. */
export interface Authenticator {
  /** The principal a token stands for, or null when the token is not valid (or absent). */
  authenticate(token: string | null): Promise<Principal | null>;
}

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

/** Checks `config` and returns its authenticator. Throws {@link AuthConfigError}. */
export function createAuthenticator(config: AuthConfig, source = 'auth'): Authenticator {
  const checked = checkAuthConfig(config, source);
  const principals = new Map<string, Principal>();
  const staticTokens: { digest: Buffer; principal: Principal }[] = [];
  for (const entry of checked.principals ?? []) {
    const principal: Principal = { name: entry.name, rules: entry.rules ?? [] };
    principals.set(entry.name, principal);
    for (const hex of entry.tokenSha256 ?? [])
      staticTokens.push({ digest: Buffer.from(hex, 'hex'), principal });
    for (const token of entry.tokens ?? []) staticTokens.push({ digest: sha256(token), principal });
  }
  const jwt = checked.jwt;
  const key = jwt && jwtKey(jwt, source);

  async function verifyJwt(token: string): Promise<Principal | null> {
    if (!jwt || !key) return null;
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: [jwt.algorithm],
        issuer: jwt.issuer,
        audience: jwt.audience,
        clockTolerance: jwt.clockToleranceSeconds ?? 0,
      });
      const name = payload[jwt.claim ?? 'sub'];
      if (typeof name !== 'string' || name === '') return null;
      // A valid token for a name the file does not list authenticates a principal without rules.
      return principals.get(name) ?? { name, rules: [] };
    } catch (error) {
      if (error instanceof joseErrors.JOSEError) return null;
      throw error;
    }
  }

  return {
    async authenticate(token) {
      if (token === null) return null;
      const digest = sha256(token);
      let found: Principal | null = null;
      // Every entry is compared, so the time taken says nothing of which one matched.
      for (const entry of staticTokens) if (timingSafeEqual(entry.digest, digest)) found = entry.principal;
      if (found) return found;
      return token.split('.').length === 3 ? verifyJwt(token) : null;
    },
  };
}

/** The principal of each authenticated HTTP request (the request object yoga's context carries). */
const requestPrincipals = new WeakMap<object, Principal>();

/** The 401 answer to a request without a valid token. */
function unauthenticated(hadToken: boolean): HttpReply {
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

/** yoga plugin: authenticates every request before it is parsed (see {@link authenticateHttp}). */
export function useAuthentication(
  authenticator: Authenticator,
  options: { readonly graphiql: boolean },
): Plugin {
  return {
    async onRequest({ request, endResponse, fetchAPI }) {
      const authentication = await authenticateHttp(authenticator, options, request);
      if (authentication === null) return;
      if ('principal' in authentication) requestPrincipals.set(request, authentication.principal);
      else endResponse(toFetchResponse(fetchAPI.Response, authentication.refusal));
    },
  };
}

/**
 * yoga's context factory with auth on: the store as the operation's principal sees it. The principal
 * is the HTTP request's (see {@link useAuthentication}) or, on a websocket and on the lean HTTP path,
 * the one authenticated before, passed in as `principal`.
 */
export function authorizedContext(store: Store) {
  return (initial: { readonly request?: object; readonly principal?: Principal }): SchemaContext => {
    const principal =
      initial.principal ??
      (initial.request === undefined ? undefined : requestPrincipals.get(initial.request));
    // Unreachable with the plugin installed: fail closed rather than serve the whole store.
    if (principal === undefined) throw new Error('an operation reached execution unauthenticated');
    return { store: authorizedStore(store, principal) };
  };
}
