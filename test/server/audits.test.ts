import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type AuditResult, serverAudits } from 'graphql-http';
import { CSRF_HEADER } from '../../src/server/yoga.ts';
import { startServer, type TestServer } from '../schema/helpers.ts';

/** fetch with the CSRF header, as any client that is not a browser form may send it. */
const fetchWithCsrfHeader: typeof fetch = (input, init) => {
  const headers = new Headers(init?.headers);
  headers.set(CSRF_HEADER, '1');
  return fetch(input, { ...init, headers });
};

async function audit(url: string): Promise<{ results: AuditResult[]; failedMust: string[] }> {
  const audits = serverAudits({ url, fetchFn: fetchWithCsrfHeader });
  const results = await Promise.all(audits.map((audit) => audit.fn()));
  const failedMust = results
    .filter((result) => result.name.startsWith('MUST') && result.status !== 'ok')
    .map((result) => `${result.id} ${result.name}: ${'reason' in result ? result.reason : ''}`);
  return { results, failedMust };
}

describe('GraphQL over HTTP compliance', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  it('should pass every MUST audit of graphql-http, with CSRF prevention and the query limits on', async () => {
    const { results, failedMust } = await audit(server.url);
    const must = results.filter((result) => result.name.startsWith('MUST'));
    const passed = results.filter((result) => result.status === 'ok').length;
    console.log(
      `graphql-http audits: ${passed}/${results.length} ok, ${must.length - failedMust.length}/${must.length} MUST ok`,
    );
    assert.ok(must.length >= 10, `found ${must.length} MUST audits`);
    assert.deepEqual(failedMust, []);
  });

  it('should fail only MUST audit 28B9, which introspects, with introspection off', async () => {
    const closed = await startServer({ app: { introspection: false } });
    try {
      const { failedMust } = await audit(closed.url);
      assert.deepEqual(
        failedMust.map((failure) => failure.split(' ', 1)[0]),
        ['28B9'],
      );
    } finally {
      await closed.close();
    }
  });
});
