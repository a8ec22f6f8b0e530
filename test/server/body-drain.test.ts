/**
 * 413 answers that clients see: a body over the limit is answered 413 at once, and the rest of it
 * is read and dropped before the connection closes, so that a client still sending gets the answer
 * rather than a reset connection. Over real HTTP with Node's fetch, on the lean path and on yoga's.
 */
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { drainNodeBody } from '../../src/server/body-drain.ts';
import { DEFAULT_LIMITS } from '../../src/server/limits.ts';
import { type Response, startServer, type TestServer } from '../schema/helpers.ts';

/** An 8 MiB JSON body: twice the default limit. */
const BIG = Buffer.from(JSON.stringify({ query: '{ revision }', variables: { pad: 'x'.repeat(8 << 20) } }));
const TRIES = 20;

/** POSTs `body` with Node's fetch; the status and error code it got, or the failure it saw. */
async function postBig(url: string, body: BodyInit, accept = 'application/json'): Promise<string> {
  try {
    const init = { method: 'POST', headers: { 'content-type': 'application/json', accept }, body };
    const response = await fetch(url, { ...init, duplex: 'half' } as RequestInit);
    const answer = (await response.json()) as Response<unknown>;
    return `${response.status} ${answer.errors?.[0]?.extensions?.code}`;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return `failed: ${cause?.code ?? String(error)}`;
  }
}

/** A body of unknown length (sent chunked), in 64 KiB pieces. */
function chunked(bytes: Buffer): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + 65_536));
      offset += 65_536;
    },
  });
}

/**
 * POSTs `body` on a raw socket that writes all of it before it reads anything, as a client busy
 * sending does; the status line it read, or the error it got.
 */
function postBeforeReading(url: string, body: Buffer): Promise<string> {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    socket.on('data', (data: Buffer) => {
      received += data.toString('latin1');
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(`error ${error.code}`));
    socket.on('close', () => resolve(received.split('\r\n')[0] ?? ''));
    const head = `POST ${pathname} HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json`;
    socket.write(`${head}\r\ncontent-length: ${body.length}\r\n\r\n`);
    socket.pause();
    socket.write(body, () => setTimeout(() => socket.resume(), 100));
  });
}

/** How often each answer came in `tries` POSTs of `body()`. */
async function answers(url: string, body: () => BodyInit, accept?: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < TRIES; i++) {
    const answer = await postBig(url, body(), accept);
    counts[answer] = (counts[answer] ?? 0) + 1;
  }
  return counts;
}

for (const [path, leanHttp] of [
  ['the lean path', true],
  ["yoga's path", false],
] as const) {
  describe(`413 answers that clients see, on ${path}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer({ app: { leanHttp } });
    });
    after(() => server.close());

    it('should answer an 8 MiB POST from Node’s fetch with 413, 20 times out of 20', async () => {
      assert.ok(BIG.length > 2 * DEFAULT_LIMITS.maxBodyBytes);
      assert.deepEqual(await answers(server.url, () => BIG), { '413 PAYLOAD_TOO_LARGE': TRIES });
    });

    it('should answer an 8 MiB chunked POST with 413, 20 times out of 20', async () => {
      assert.deepEqual(await answers(server.url, () => chunked(BIG)), { '413 PAYLOAD_TOO_LARGE': TRIES });
    });

    it('should let a client that sends its whole body before reading see the 413', async () => {
      for (let i = 0; i < 5; i++) {
        assert.equal(await postBeforeReading(server.url, BIG), 'HTTP/1.1 413 Payload Too Large');
      }
    });

    it('should close the connection after the 413, and serve the next request on a new one', async () => {
      const closed = await new Promise<string | undefined>((resolve, reject) => {
        const request = httpRequest(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': BIG.length },
        });
        request.on('response', (response) => {
          response.resume();
          response.on('end', () => resolve(response.headers.connection));
        });
        request.on('error', reject);
        request.end(BIG);
      });
      assert.equal(closed, 'close');
      const answer = await server.request<{ revision: string }, never>('{ revision }');
      assert.equal(answer.data?.revision, String(server.store.revision));
    });
  });
}

describe('draining a refused body', () => {
  it('should stop draining at its byte bound and at its time bound', async () => {
    const drained = new Map<string, Promise<number>>();
    const server = createServer((request, response) => {
      const started = Date.now();
      const done = drainNodeBody(request, { maxBytes: 100_000, maxMs: 300 }).then(() => Date.now() - started);
      drained.set(String(request.headers['x-which']), done);
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const sockets = [0, 1].map(() => connect(port, '127.0.0.1'));
    for (const [which, socket] of sockets.entries()) {
      socket.on('error', () => {});
      socket.write(`POST / HTTP/1.1\r\nhost: x\r\nx-which: ${which}\r\ntransfer-encoding: chunked\r\n\r\n`);
    }
    // One sends past the byte bound at once; the other stalls after a few bytes.
    const big = Buffer.alloc(200_000, 0x20);
    sockets[0]!.write(`${big.length.toString(16)}\r\n`);
    sockets[0]!.write(big);
    sockets[1]!.write('5\r\nhello\r\n');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const byBytes = await drained.get('0');
    const byTime = await drained.get('1');
    assert.ok(byBytes! < 250, `the byte bound ended the first drain (${byBytes} ms)`);
    assert.ok(byTime! >= 250, `the time bound ended the second (${byTime} ms)`);
    for (const socket of sockets) socket.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
});
