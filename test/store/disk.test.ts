import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openStore } from '../../src/store/index.ts';
import { codeOf, pod, tempDir } from './helpers.ts';

const FILL_DISK = fileURLToPath(new URL('./fixtures/fill-disk.ts', import.meta.url));
const MOUNT_TMPFS = 'd=$(mktemp -d) && mount -t tmpfs -o size=24m tmpfs "$d"';

/** Why a private tmpfs cannot be mounted here, or null when it can. */
function tmpfsUnavailable(): string | null {
  const probe = spawnSync('unshare', [
    '--user',
    '--map-root-user',
    '--mount',
    'sh',
    '-c',
    `${MOUNT_TMPFS} && true`,
  ]);
  if (probe.error) return `unshare is not available (${probe.error.message})`;
  return probe.status === 0
    ? null
    : `cannot mount a tmpfs in a user namespace: ${probe.stderr.toString().trim()}`;
}

describe('disk space', () => {
  it('should refuse writes with STORAGE_FULL below the free-space floor, keep reads, and change nothing', async () => {
    const path = tempDir();
    const roomy = await openStore({ path });
    await roomy.add({ ref: pod('kept') });
    assert.equal(roomy.storage().full, false);
    await roomy.close();

    const store = await openStore({ path, minFreeDiskBytes: Number.MAX_SAFE_INTEGER });
    const revision = store.revision;
    assert.equal(store.storage().full, true);
    assert.equal(await codeOf(store.add({ ref: pod('new') })), 'STORAGE_FULL');
    assert.equal(await codeOf(store.delete(pod('kept'))), 'STORAGE_FULL');
    assert.equal(
      await codeOf(store.transaction([{ op: 'add', resource: { ref: pod('t') } }])),
      'STORAGE_FULL',
    );
    assert.equal(store.get(pod('kept'))?.version, 1, 'reads keep working');
    assert.equal(store.revision, revision);
    await store.close();
  });

  it('should open a store directory whose name contains a dot', async () => {
    const path = join(tempDir(), 'data.v2');
    const store = await openStore({ path });
    await store.add({ ref: pod('a') });
    await store.close();
    const reopened = await openStore({ path });
    assert.equal(reopened.get(pod('a'))?.version, 1);
    await reopened.close();
  });

  const unavailable = tmpfsUnavailable();
  it('should stop a writer at the floor of a really full disk without crashing or losing an acknowledged write', {
    skip: unavailable ?? false,
    timeout: 60_000,
  }, (t) => {
    const run = spawnSync(
      'unshare',
      [
        '--user',
        '--map-root-user',
        '--mount',
        'sh',
        '-c',
        `${MOUNT_TMPFS} && exec "$0" --import tsx "$1" "$d"`,
        process.execPath,
        FILL_DISK,
      ],
      { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } },
    );
    // `$0` and `$1` of the shell: the node binary and the fixture.
    assert.equal(run.status, 0, run.stderr);
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    t.diagnostic(`24 MiB tmpfs: ${JSON.stringify(summary)}`);
    assert.ok(summary.acknowledged > 100, 'the disk held writes before it filled');
    assert.equal(summary.full, true);
    assert.ok(summary.codes.STORAGE_FULL > 0);
    assert.deepEqual(Object.keys(summary.codes), ['STORAGE_FULL'], 'no other failure (like ENOSPC)');
    assert.equal(summary.readable, true);
    assert.equal(summary.counted, summary.acknowledged);
    assert.equal(summary.missing, 0);
    assert.deepEqual(summary.integrity, []);
  });
});
