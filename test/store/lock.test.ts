/**
 * One writer per store: a second writer is refused while the first runs, naming it, and let in once
 * the first has closed or died; a read-only store reads beside the writer and refuses to write.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { isStoreError, openStore } from '../../src/store/index.ts';
import { pod, tempDir } from './helpers.ts';

const STORE_MODULE = JSON.stringify(new URL('../../src/store/index.ts', import.meta.url).href);

/** Runs `body` (a module's source, with `openStore` and `path` in scope) in a child process; its stdout lines. */
function child(path: string, body: string) {
  const script = `import { openStore } from ${STORE_MODULE};\nconst path = ${JSON.stringify(path)};\n${body}`;
  const process_ = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => process_.once('exit', (code) => resolve(code)));
  async function* lines() {
    let buffered = '';
    for await (const chunk of process_.stdout) {
      buffered += chunk.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      yield* parts;
    }
  }
  return {
    lines: lines(),
    /** Writes a line to the child's standard input. */
    send: (line: string) => process_.stdin.write(`${line}\n`),
    kill: () => process_.kill('SIGKILL'),
    exited,
  };
}

/** The first line a child prints. */
async function firstLine(lines: AsyncIterable<string>): Promise<string> {
  for await (const line of lines) return line;
  throw new Error('the child printed nothing');
}

describe('the writer lock', () => {
  it('should refuse a second writer while the first holds the store, naming it, and let it in once closed', async () => {
    const path = tempDir();
    const first = await openStore({ path });
    await assert.rejects(openStore({ path }), (error: unknown) => {
      assert.ok(isStoreError(error, 'STORE_LOCKED'), String(error));
      assert.match(error.message, new RegExp(`being written by process ${process.pid} `));
      return true;
    });
    await first.add({ ref: pod('kept') });
    await first.close();
    const second = await openStore({ path });
    try {
      assert.equal(second.get(pod('kept'))?.version, 1);
    } finally {
      await second.close();
    }
  });

  it('should let the next writer in after the holder was killed with SIGKILL', async () => {
    const path = tempDir();
    const holder = child(
      path,
      `await openStore({ path }); console.log('open'); setInterval(() => {}, 1000);`,
    );
    assert.equal(await firstLine(holder.lines), 'open');
    await assert.rejects(openStore({ path }), (error: unknown) => isStoreError(error, 'STORE_LOCKED'));
    holder.kill();
    await holder.exited;
    const store = await openStore({ path });
    await store.close();
  });

  it('should read beside the writer when read-only, see its commits, and refuse to write', async () => {
    const path = tempDir();
    const writer = await openStore({ path });
    try {
      await writer.add({ ref: pod('before') });
      const reader = child(
        path,
        `const store = await openStore({ path, readOnly: true });
console.log(JSON.stringify(store.get({ version: 'v1', kind: 'Pod', namespace: 'default', name: 'before' })?.version ?? null));
await new Promise((resolve) => process.stdin.once('data', resolve));
console.log(JSON.stringify(store.get({ version: 'v1', kind: 'Pod', namespace: 'default', name: 'after' })?.version ?? null));
const refused = await store.add({ ref: { version: 'v1', kind: 'Pod', name: 'x' } }).catch((error) => error.code);
console.log(JSON.stringify(refused));
await store.close();
process.exit(0);`,
      );
      const lines = reader.lines[Symbol.asyncIterator]();
      assert.equal((await lines.next()).value, '1');
      await writer.add({ ref: pod('after') });
      reader.send('go');
      assert.equal((await lines.next()).value, '1', 'a later read sees the commit made meanwhile');
      assert.equal((await lines.next()).value, '"READ_ONLY"');
      assert.equal(await reader.exited, 0);
    } finally {
      await writer.close();
    }
  });
});
