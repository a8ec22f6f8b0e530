/**
 * Authentication: the auth configuration (an auth file, or `createApp({ auth })`), checked at
 * start-up, and the {@link Authenticator} it yields, which turns a bearer token into a principal.
 *
 * A token is a static one (its SHA-256 in the configuration, compared in constant time) or a JWT
 * verified with the configured key, whose claim (`sub` by default) names the principal. How a token
 * reaches the server (an `Authorization` header, a websocket's `connection_init`) is the server's
 * business.
 */
import { createHash, createPublicKey, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { errors as joseErrors, jwtVerify } from 'jose';
import { parse as parseYaml } from 'yaml';
import { type Principal, type Rule, VERBS } from './permissions.ts';

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

/** Refuses principals declared twice and tokens two entries share. */
function checkPrincipals(principals: readonly PrincipalConfig[], source: string): Set<string> {
  const names = new Set<string>();
  const digests = new Set<string>();
  for (const [index, principal] of principals.entries()) {
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
  return digests;
}

/** Checks an auth configuration; throws {@link AuthConfigError} naming the first problems. */
export function checkAuthConfig(config: unknown, source = 'auth'): AuthConfig {
  if (!validateConfig(config)) {
    const problems = (validateConfig.errors ?? []).slice(0, 5).map(describe);
    throw new AuthConfigError(`${source}: ${problems.join('; ')}`);
  }
  const digests = checkPrincipals(config.principals ?? [], source);
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
 * Verifies a JWT and returns the principal its claim names. A valid token for a name the
 * configuration does not list authenticates a principal without rules.
 */
function jwtVerifier(
  jwt: JwtConfig,
  key: KeyObject,
  principals: ReadonlyMap<string, Principal>,
): (token: string) => Promise<Principal | null> {
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: [jwt.algorithm],
        issuer: jwt.issuer,
        audience: jwt.audience,
        clockTolerance: jwt.clockToleranceSeconds ?? 0,
      });
      const name = payload[jwt.claim ?? 'sub'];
      if (typeof name !== 'string' || name === '') return null;
      return principals.get(name) ?? { name, rules: [] };
    } catch (error) {
      if (error instanceof joseErrors.JOSEError) return null;
      throw error;
    }
  };
}

/** Checks `config` and returns its authenticator. Throws {@link AuthConfigError}. */
export function createAuthenticator(config: AuthConfig, source = 'auth'): Authenticator {
  const checked = checkAuthConfig(config, source);
  const principals = new Map<string, Principal>();
  const staticTokens: StaticToken[] = [];
  for (const entry of checked.principals ?? []) {
    const principal: Principal = { name: entry.name, rules: entry.rules ?? [] };
    principals.set(entry.name, principal);
    for (const hex of entry.tokenSha256 ?? [])
      staticTokens.push({ digest: Buffer.from(hex, 'hex'), principal });
    for (const token of entry.tokens ?? []) staticTokens.push({ digest: sha256(token), principal });
  }
  const verifyJwt = checked.jwt && jwtVerifier(checked.jwt, jwtKey(checked.jwt, source), principals);
  return {
    async authenticate(token) {
      if (token === null) return null;
      const found = staticPrincipal(staticTokens, token);
      if (found) return found;
      return verifyJwt && token.split('.').length === 3 ? verifyJwt(token) : null;
    },
  };
}
