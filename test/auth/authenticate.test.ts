/**
 * The auth configuration and the authenticator: checks that name the field at fault, auth files in
 * YAML and JSON, static tokens (as digests or in plain text) and JWTs.
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import {
  type AuthConfig,
  AuthConfigError,
  checkAuthConfig,
  createAuthenticator,
  loadAuthFile,
} from '../../src/auth/index.ts';
import { tempDir } from '../store/helpers.ts';

const SECRET = 'a-test-secret-of-at-least-32-bytes!!';
const TOKEN = 'static-token-0123456789';
const RULES = [{ verbs: ['get' as const], namespaces: ['a'], kinds: ['*'] }];
const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

function jwt(subject: string, secret = SECRET, expiresIn: string | number = '1h'): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}

describe('auth configuration', () => {
  it('should name the field at fault in a configuration that is not valid', () => {
    const cases: [unknown, RegExp][] = [
      [
        {
          principals: [
            { name: 'x', tokens: [TOKEN], rules: [{ verbs: ['read'], namespaces: ['*'], kinds: ['*'] }] },
          ],
        },
        /\/principals\/0\/rules\/0\/verbs\/0 must be equal to one of the allowed values \(get, list, watch, create, update, delete, \*\)/,
      ],
      [
        { principals: [{ name: 'x', tokens: ['short'] }] },
        /\/principals\/0\/tokens\/0 must NOT have fewer than 16 characters/,
      ],
      [{ principals: [], extra: 1 }, /the configuration must NOT have additional properties \("extra"\)/],
      [
        { principals: [{ name: 'x', tokens: [TOKEN] }, { name: 'x' }] },
        /\/principals\/1\/name "x" is declared twice/,
      ],
      [
        {
          principals: [
            { name: 'x', tokens: [TOKEN] },
            { name: 'y', tokenSha256: [sha256(TOKEN).toUpperCase()] },
          ],
        },
        /\/principals\/1 has a token another entry has too/,
      ],
      [{ principals: [] }, /declares no token and no jwt: nobody could authenticate/],
      [{ jwt: { algorithm: 'RS256', secret: SECRET } }, /\/jwt with RS256 needs `publicKey`/],
      [{ jwt: { algorithm: 'HS256', secret: SECRET, publicKey: 'x' } }, /\/jwt with HS256 needs `secret`/],
      [{ jwt: { algorithm: 'ES256', publicKey: 'not a key' } }, /\/jwt publicKey is not a PEM public key/],
      [
        { jwt: { algorithm: 'HS256', secret: SECRET, secretFile: '/nowhere' } },
        /\/jwt has both `secret` and `secretFile`/,
      ],
      [
        { jwt: { algorithm: 'RS256', publicKeyFile: '/nowhere/key.pem' } },
        /\/jwt\/publicKeyFile \/nowhere\/key\.pem cannot be read/,
      ],
      [
        {
          principals: [
            { name: 'x', tokens: [TOKEN], rules: [{ verbs: ['list'], nonResourceURLs: ['/metrics'] }] },
          ],
        },
        /\/principals\/0\/rules\/0\/verbs\/0 must be equal to one of the allowed values \(get, \*\)/,
      ],
      [
        {
          principals: [
            { name: 'x', tokens: [TOKEN], rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }] },
          ],
        },
        /\/principals\/0\/rules\/0\/nonResourceURLs\/0 must be equal to one of the allowed values \(\/metrics, \*\)/,
      ],
    ];
    for (const [config, message] of cases) {
      assert.throws(
        () => checkAuthConfig(config, 'test'),
        (error: unknown) => {
          assert.ok(error instanceof AuthConfigError);
          assert.match(error.message, /^test: /);
          assert.match(error.message, message);
          return true;
        },
      );
    }
  });

  it('should check that a public key suits its algorithm', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    assert.throws(
      () => checkAuthConfig({ jwt: { algorithm: 'ES256', publicKey: rsa } }),
      /ES256 needs an ec key/,
    );
    assert.throws(() => checkAuthConfig({ jwt: { algorithm: 'ES256', publicKey: p384 } }), /curve P-256/);
    assert.doesNotThrow(() => checkAuthConfig({ jwt: { algorithm: 'ES256', publicKey: p256 } }));
    assert.doesNotThrow(() => checkAuthConfig({ jwt: { algorithm: 'RS256', publicKey: rsa } }));
  });

  it('should load an auth file in YAML or JSON, and say why one cannot be', () => {
    const dir = tempDir();
    const yaml = join(dir, 'auth.yaml');
    writeFileSync(
      yaml,
      `principals:\n  - name: ci\n    tokens: [${TOKEN}]\n    rules:\n      - { verbs: [get], namespaces: [a], kinds: ['*'] }\n`,
    );
    assert.deepEqual(loadAuthFile(yaml), { principals: [{ name: 'ci', tokens: [TOKEN], rules: RULES }] });
    const json = join(dir, 'auth.json');
    writeFileSync(json, JSON.stringify({ jwt: { algorithm: 'HS256', secret: SECRET } }));
    assert.equal(loadAuthFile(json).jwt?.algorithm, 'HS256');
    writeFileSync(json, '{ "principals": [');
    assert.throws(
      () => loadAuthFile(json),
      new RegExp(`^AuthConfigError: auth file ${json}: is not YAML or JSON`),
    );
    assert.throws(() => loadAuthFile(join(dir, 'missing.yaml')), /missing\.yaml: cannot be read/);
  });

  it('should read a JWT key file named relative to the auth file, anew at each load', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'keys'));
    const file = join(dir, 'auth.yaml');
    writeFileSync(file, 'jwt: { algorithm: HS256, secretFile: keys/secret }\n');
    writeFileSync(join(dir, 'keys', 'secret'), `${SECRET}\n`);
    const first = createAuthenticator(loadAuthFile(file));
    assert.equal(
      (await first.authenticate(await jwt('alice')))?.name,
      'alice',
      'the final newline is not the key',
    );
    const rotated = 'a-rotated-secret-of-at-least-32-bytes';
    writeFileSync(join(dir, 'keys', 'secret'), rotated);
    const second = createAuthenticator(loadAuthFile(file));
    assert.equal(await second.authenticate(await jwt('alice')), null);
    assert.equal((await second.authenticate(await jwt('alice', rotated)))?.name, 'alice');
    writeFileSync(join(dir, 'keys', 'secret'), 'short');
    assert.throws(() => loadAuthFile(file), /\/jwt secret must be at least 32 bytes/);
  });
});

describe('authenticator', () => {
  const config: AuthConfig = {
    principals: [
      { name: 'plain', tokens: [TOKEN], rules: RULES },
      { name: 'hashed', tokenSha256: [sha256(`${TOKEN}-2`)] },
      { name: 'alice', rules: RULES },
    ],
    jwt: { algorithm: 'HS256', secret: SECRET },
  };

  it('should authenticate static tokens given in plain text or as digests, and nothing else', async () => {
    const authenticator = createAuthenticator(config);
    assert.deepEqual(await authenticator.authenticate(TOKEN), { name: 'plain', rules: RULES });
    assert.deepEqual(await authenticator.authenticate(`${TOKEN}-2`), { name: 'hashed', rules: [] });
    assert.equal(await authenticator.authenticate(`${TOKEN}-3`), null);
    assert.equal(await authenticator.authenticate(null), null);
  });

  it('should authenticate a JWT as the principal its claim names, or one without rules', async () => {
    const authenticator = createAuthenticator(config);
    assert.deepEqual(await authenticator.authenticate(await jwt('alice')), { name: 'alice', rules: RULES });
    assert.deepEqual(await authenticator.authenticate(await jwt('stranger')), {
      name: 'stranger',
      rules: [],
    });
    assert.equal(
      await authenticator.authenticate(await jwt('alice', 'another-secret-of-at-least-32-bytes')),
      null,
    );
    assert.equal(
      await authenticator.authenticate(await jwt('alice', SECRET, Math.floor(Date.now() / 1000) - 60)),
      null,
    );
    const tokensOnly = createAuthenticator({ principals: [{ name: 'plain', tokens: [TOKEN] }] });
    assert.equal(await tokensOnly.authenticate(await jwt('alice')), null, 'no JWT without a jwt key');
  });

  it("should give a session that ends at a JWT's exp plus the clock tolerance, and never for a static token", async () => {
    const exp = Math.floor(Date.now() / 1000) + 600;
    const strict = createAuthenticator(config);
    assert.deepEqual(await strict.session(await jwt('alice', SECRET, exp)), {
      principal: { name: 'alice', rules: RULES },
      expiresAt: exp * 1000,
    });
    assert.deepEqual(await strict.session(TOKEN), {
      principal: { name: 'plain', rules: RULES },
      expiresAt: null,
    });
    assert.equal(await strict.session('nobody-0123456789'), null);
    const lenient = createAuthenticator({ ...config, jwt: { ...config.jwt!, clockToleranceSeconds: 30 } });
    assert.equal((await lenient.session(await jwt('alice', SECRET, exp)))?.expiresAt, (exp + 30) * 1000);
    const forever = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .sign(new TextEncoder().encode(SECRET));
    assert.equal((await strict.session(forever))?.expiresAt, null, 'a JWT without exp does not expire');
  });

  it('should read the principal from the configured claim, and check issuer and audience', async () => {
    const authenticator = createAuthenticator({
      jwt: { algorithm: 'HS256', secret: SECRET, claim: 'user', issuer: 'idp', audience: 'store' },
    });
    const sign = (claims: Record<string, string>) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(SECRET));
    const good = await sign({ user: 'bob', iss: 'idp', aud: 'store' });
    assert.deepEqual(await authenticator.authenticate(good), { name: 'bob', rules: [] });
    assert.equal(
      await authenticator.authenticate(await sign({ user: 'bob', iss: 'other', aud: 'store' })),
      null,
    );
    assert.equal(
      await authenticator.authenticate(await sign({ user: 'bob', iss: 'idp', aud: 'other' })),
      null,
    );
    assert.equal(
      await authenticator.authenticate(await sign({ sub: 'bob', iss: 'idp', aud: 'store' })),
      null,
    );
  });
});
