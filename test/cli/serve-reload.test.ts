/**
 * `resource-store serve --auth-file` and SIGHUP, as an operator uses them: the real command in a
 * child process, its auth file edited, the signal sent. A removed token then fails for new requests
 * and its open subscription ends, a bad file is logged and changes nothing, and the process keeps
 * serving throughout; `--metrics-public` keeps `/metrics` open.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { type Running, serve } from './serve-helpers.ts';

const ALICE = 'alice-token-0123456789';
const BOB = 'bob-token-0123456789ab';

/** An auth file granting everything to each named principal, with `/metrics` to bob. */
function authFile(names: readonly ('alice' | 'bob')[]): string {
  const tokens = { alice: ALICE, bob: BOB };
  const principals = names.map((name) => ({
    name,
    tokens: [tokens[name]],
    rules: [
      { verbs: ['*'], namespaces: ['*'], kinds: ['*'] },
      ...(name === 'bob' ? [{ verbs: ['get'], nonResourceURLs: ['/metrics'] }] : []),
    ],
  }));
  return JSON.stringify({ principals });
}

async function status(url: string, token: string): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: '{ revision }' }),
  });
  await response.body?.cancel();
  return response.status;
}

/** Resolves once the child's output matches `pattern` (after `from` characters), or rejects. */
async function printed(running: Running, pattern: RegExp, from: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!pattern.test(running.output().slice(from))) {
    if (Date.now() > deadline) throw new Error(`never printed ${pattern}: ${running.output().slice(from)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('resource-store serve: SIGHUP', () => {
  it('should reload the auth file on SIGHUP: a removed token fails and its subscription ends, the process lives on', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'resource-store-reload-'));
    const file = join(dir, 'auth.json');
    await writeFile(file, authFile(['alice', 'bob']));
    const running = await serve(['--in-memory', '--port', '0', '--auth-file', file]);
    const client = createClient({
      url: running.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${ALICE}` },
    });
    try {
      const closed = new Promise<{ code: number; reason: string }>((resolve) =>
        client.on('closed', (event) => {
          const { code, reason } = event as { code: number; reason: string };
          resolve({ code, reason });
        }),
      );
      const ended = new Promise<string>((resolve) => {
        client.subscribe(
          { query: 'subscription { resourceEvents { type } }' },
          { next: () => {}, error: () => resolve('error'), complete: () => resolve('complete') },
        );
      });
      await new Promise<void>((resolve) => client.on('connected', () => resolve()));
      assert.equal(await status(running.url, ALICE), 200);

      await writeFile(file, authFile(['bob']));
      let from = running.output().length;
      running.child.kill('SIGHUP');
      assert.deepEqual(await closed, { code: 4403, reason: 'Token no longer valid' });
      assert.equal(await ended, 'error', 'the subscription ended');
      await printed(running, /auth reloaded: 1 principals, 1 websockets closed/, from);
      assert.equal(await status(running.url, ALICE), 401);
      assert.equal(await status(running.url, BOB), 200);

      await writeFile(file, '{ "principals": [ { "name": "bob", "tokens": ["short"] } ] }');
      from = running.output().length;
      running.child.kill('SIGHUP');
      await printed(running, /auth not reloaded, the configuration in place stays/, from);
      assert.match(
        running.output().slice(from),
        /\/principals\/0\/tokens\/0 must NOT have fewer than 16 characters/,
      );
      assert.equal(await status(running.url, BOB), 200, 'the configuration in place stays');
      assert.equal(running.child.exitCode, null, 'still running');
      const metrics = await fetch(new URL('/metrics', running.url), {
        headers: { authorization: `Bearer ${BOB}` },
      });
      assert.equal(metrics.status, 200);
      assert.equal((await fetch(new URL('/metrics', running.url))).status, 401);
    } finally {
      await client.dispose();
      running.child.kill('SIGTERM');
      assert.equal(await running.exit, 0);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('should keep /metrics open with --metrics-public, and note a SIGHUP without an auth file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'resource-store-reload-'));
    const file = join(dir, 'auth.json');
    await writeFile(file, authFile(['alice']));
    const open = await serve(['--in-memory', '--port', '0', '--auth-file', file, '--metrics-public']);
    const plain = await serve(['--in-memory', '--port', '0']);
    try {
      assert.equal((await fetch(new URL('/metrics', open.url))).status, 200);
      const from = plain.output().length;
      plain.child.kill('SIGHUP');
      await printed(plain, /SIGHUP: no --auth-file to reload/, from);
      assert.equal((await fetch(new URL('/healthz', plain.url))).status, 200, 'still serving');
    } finally {
      open.child.kill('SIGTERM');
      plain.child.kill('SIGTERM');
      assert.deepEqual(await Promise.all([open.exit, plain.exit]), [0, 0]);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
