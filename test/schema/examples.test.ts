import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runExamples } from '../../examples/client.ts';
import { startServer } from './helpers.ts';

describe('example client', () => {
  it('should run every example operation against a real server', async () => {
    const server = await startServer();
    try {
      const lines: string[] = [];
      await runExamples(server.url, (line) => lines.push(line));
      const text = lines.join('\n');
      assert.match(text, /^create: 3 writes at revision \d+$/m);
      assert.match(text, /^link: 2 OwnerReference edges$/m);
      assert.match(text, /^traverse: Deployment\/web -> ReplicaSet\/web-1 -> web-1-a, web-1-b$/m);
      assert.match(text, /^descendants: ReplicaSet\/web-1@1, Pod\/web-1-[ab]@2, Pod\/web-1-[ab]@2$/m);
      assert.match(text, /^ancestors: Pod\/web-1-a <- ReplicaSet\/web-1 <- Deployment\/web$/m);
      assert.match(text, /^delete preview \(dry run\): web, web-1, web-1-[ab], web-1-[ab]$/m);
      assert.match(text, /^optimistic update: version 1 -> 2 \(attempt 1\)$/m);
      assert.match(text, /^subscribe: ADDED web@\d+, ADDED web-1@\d+$/m);
      assert.match(text, /^resume from \d+: ADDED web-1-a@\d+, ADDED web-1-b@\d+, UPDATED web-1-a@\d+$/m);
    } finally {
      await server.close();
    }
  });
});
