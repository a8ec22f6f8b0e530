import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { serverAudits } from 'graphql-http';
import { startServer, type TestServer } from '../graphql/helpers.ts';

describe('GraphQL over HTTP compliance', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  it('should pass every MUST audit of graphql-http', async () => {
    const results = await Promise.all(serverAudits({ url: server.url }).map((audit) => audit.fn()));
    const must = results.filter((result) => result.name.startsWith('MUST'));
    const failed = must.filter((result) => result.status !== 'ok');
    const passed = results.filter((result) => result.status === 'ok').length;
    console.log(
      `graphql-http audits: ${passed}/${results.length} ok, ${must.length - failed.length}/${must.length} MUST ok`,
    );
    assert.ok(must.length >= 10, `found ${must.length} MUST audits`);
    assert.deepEqual(
      failed.map((result) => `${result.id} ${result.name}: ${'reason' in result ? result.reason : ''}`),
      [],
    );
  });
});
