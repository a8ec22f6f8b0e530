/**
 * The auth configuration (an auth file, or `createApp({ auth })`): its shape, the checks that name the
 * field at fault, the reading of auth files, and the key a JWT is verified with. The authenticator
 * made from a checked configuration is in `authenticate.ts`.
 */
import { createHash, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { NON_RESOURCE_URLS, type Rule, VERBS } from './permissions.ts';

/** A principal of the auth file. */
export interface PrincipalConfig {
  readonly name: string;
  /** SHA-256 digests (hex) of its static bearer tokens. */
  readonly tokenSha256?: readonly string[];
  /** Its static bearer tokens in plain text (prefer `tokenSha256`: the file then holds no secret). */
  readonly tokens?: readonly string[];
  readonly rules?: readonly Rule[];
}

/** JWT verification: one algorithm and its key, given in the configuration or as a file. */
export interface JwtConfig {
  readonly algorithm: 'HS256' | 'RS256' | 'ES256';
  /** HS256: the shared secret (at least 32 bytes). */
  readonly secret?: string;
  /** HS256: a file holding the secret (its text, without a final newline); read at each (re)load. */
  readonly secretFile?: string;
  /** RS256, ES256: the public key, PEM (SPKI). */
  readonly publicKey?: string;
  /** RS256, ES256: a file holding the PEM public key; read at each (re)load. */
  readonly publicKeyFile?: string;
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

const RESOURCE_RULE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['verbs', 'namespaces', 'kinds'],
  properties: {
    verbs: { type: 'array', minItems: 1, items: { enum: [...VERBS, '*'] } },
    namespaces: { type: 'array', minItems: 1, items: { type: 'string' } },
    kinds: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
  },
};

const NON_RESOURCE_RULE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['verbs', 'nonResourceURLs'],
  properties: {
    verbs: { type: 'array', minItems: 1, items: { enum: ['get', '*'] } },
    nonResourceURLs: { type: 'array', minItems: 1, items: { enum: [...NON_RESOURCE_URLS, '*'] } },
  },
};

/** A rule on the server's paths when it names `nonResourceURLs`, else a rule on resources. */
const RULE_SCHEMA = {
  if: { type: 'object', required: ['nonResourceURLs'] },
  // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else, never awaited
  then: NON_RESOURCE_RULE_SCHEMA,
  else: RESOURCE_RULE_SCHEMA,
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
        secretFile: { type: 'string', minLength: 1 },
        publicKey: { type: 'string', minLength: 1 },
        publicKeyFile: { type: 'string', minLength: 1 },
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

/** SHA-256 of a token. */
export function sha256(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** The text of a key file, read now; a failure to read it is the configuration's. */
function keyFileText(path: string, field: string, source: string): string {
  try {
    return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw new AuthConfigError(`${source}: /jwt/${field} ${path} cannot be read: ${(error as Error).message}`);
  }
}

/** One of a value given inline or as a file, exactly one of them, or neither (undefined). */
function inlineOrFile(
  jwt: JwtConfig,
  field: 'secret' | 'publicKey',
  source: string,
  fail: (message: string) => AuthConfigError,
): string | undefined {
  const file = field === 'secret' ? jwt.secretFile : jwt.publicKeyFile;
  if (jwt[field] !== undefined && file !== undefined)
    throw fail(`has both \`${field}\` and \`${field}File\`: give one`);
  return file === undefined ? jwt[field] : keyFileText(file, `${field}File`, source);
}

/** The key a JWT is verified with, read (from its file, when it has one) and checked against its algorithm. */
function jwtKey(jwt: JwtConfig, source: string): KeyObject {
  const fail = (message: string) => new AuthConfigError(`${source}: /jwt ${message}`);
  const secret = inlineOrFile(jwt, 'secret', source, fail);
  const publicKey = inlineOrFile(jwt, 'publicKey', source, fail);
  if (jwt.algorithm === 'HS256') {
    if (secret === undefined || publicKey !== undefined) {
      throw fail('with HS256 needs `secret` (at least 32 characters) and no `publicKey`');
    }
    if (Buffer.byteLength(secret) < 32) throw fail('secret must be at least 32 bytes');
    return createSecretKey(Buffer.from(secret));
  }
  if (publicKey === undefined || secret !== undefined) {
    throw fail(`with ${jwt.algorithm} needs \`publicKey\` (PEM) and no \`secret\``);
  }
  let key: KeyObject;
  try {
    key = createPublicKey(publicKey);
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

/** A checked configuration and the key of its JWTs (read once, when it is in a file). */
export interface CheckedAuthConfig {
  readonly config: AuthConfig;
  readonly key: KeyObject | null;
}

/** Checks an auth configuration and reads its JWT key; throws {@link AuthConfigError}. */
export function checkAuthConfigAndKey(config: unknown, source: string): CheckedAuthConfig {
  if (!validateConfig(config)) {
    // An `if` error only says which branch failed; the branch's own errors say why.
    const errors = (validateConfig.errors ?? []).filter((error) => error.keyword !== 'if');
    throw new AuthConfigError(`${source}: ${errors.slice(0, 5).map(describe).join('; ')}`);
  }
  const digests = checkPrincipals(config.principals ?? [], source);
  if (digests.size === 0 && config.jwt === undefined) {
    throw new AuthConfigError(`${source}: declares no token and no jwt: nobody could authenticate`);
  }
  return { config, key: config.jwt ? jwtKey(config.jwt, source) : null };
}

/** Checks an auth configuration; throws {@link AuthConfigError} naming the first problems. */
export function checkAuthConfig(config: unknown, source = 'auth'): AuthConfig {
  return checkAuthConfigAndKey(config, source).config;
}

/** `config` with the key files of its `jwt` named relative to `directory` (that of the auth file). */
function withKeyFilesFrom(config: unknown, directory: string): unknown {
  const jwt = (config as { jwt?: unknown } | null)?.jwt;
  if (typeof jwt !== 'object' || jwt === null) return config;
  const files: Record<string, unknown> = {};
  for (const field of ['secretFile', 'publicKeyFile'] as const) {
    const path = (jwt as Record<string, unknown>)[field];
    if (typeof path === 'string' && path !== '') files[field] = resolve(directory, path);
  }
  return Object.keys(files).length === 0 ? config : { ...(config as object), jwt: { ...jwt, ...files } };
}

/**
 * Reads an auth file (YAML or JSON) and checks it, with its key files (named relative to it) read
 * too. Throws {@link AuthConfigError}.
 */
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
  return checkAuthConfig(withKeyFilesFrom(parsed, dirname(path)), `auth file ${path}`);
}
