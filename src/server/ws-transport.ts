/**
 * graphql-ws's protocol server (`makeServer`) on a `ws` server: what graphql-ws's own `useServer`
 * does (subprotocol negotiation, keep-alive pings that drop a stalled socket, a 4500 close on an
 * internal error), plus one thing it cannot: a `next` message whose payload was serialized once for
 * many subscribers is sent without serializing it again.
 *
 * graphql-ws stringifies every message itself. For a result whose payload is already serialized,
 * its `onNext` hook returns {@link sharedPayload}'s placeholder instead of the payload, and this
 * socket's `send` swaps the placeholder message for `{"id":…,"type":"next","payload":` + the cached
 * bytes + `}`. Messages are matched by id (one `next` per id is in flight at a time: graphql-ws
 * awaits each send before the next result), so sibling subscriptions on a socket cannot mix.
 *
 * A socket may carry a deadline (`SocketExtra.deadline`, its token's expiry): past it, nothing more
 * is sent or handled on it, and it is closed with 4403.
 */
import type { IncomingMessage } from 'node:http';
import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';

/**
 * The close reason of a socket whose message handling failed unexpectedly: like an unexpected error
 * over HTTP, it tells the client nothing of the cause (the error is not the client's to read).
 */
const INTERNAL_ERROR_REASON = 'Internal server error';

/** What graphql-ws's context carries of each socket (`ctx.extra`). */
export interface SocketExtra {
  readonly socket: WebSocket;
  readonly request: IncomingMessage;
  /** Serialized payloads waiting for their placeholder message, by JSON-encoded operation id. */
  readonly pending: Map<string, Buffer>;
  /**
   * When the socket's credentials end (milliseconds since the epoch; Infinity: never). From then on
   * the socket sends nothing and handles no message: it is closed with {@link EXPIRED_CLOSE}, even
   * if the timer meant to close it at that moment is late.
   */
  deadline: number;
}

/** The close code and reason of a socket whose token has expired: 4403 Forbidden, as graphql-ws refuses one. */
export const EXPIRED_CLOSE = { code: CloseCode.Forbidden, reason: 'Token expired' } as const;

/** Whether the socket's deadline has passed; if so it is closed (once). */
function pastDeadline(extra: SocketExtra): boolean {
  if (Date.now() < extra.deadline) return false;
  const { socket } = extra;
  if (socket.readyState === socket.OPEN) socket.close(EXPIRED_CLOSE.code, EXPIRED_CLOSE.reason);
  return true;
}

/** Its message: `{"id":<id>,"type":"next","payload":{"~shared":1}}`. */
const PLACEHOLDER = Object.freeze({ '~shared': 1 });
const PLACEHOLDER_TAIL = `,"type":"next","payload":${JSON.stringify(PLACEHOLDER)}}`;
const HEAD = '{"id":';
const TAIL = Buffer.from('}');

/**
 * The payload to return from `onNext` for operation `id` whose result is serialized as `json`: the
 * socket then sends `json` as the message's payload.
 */
export function sharedPayload(extra: SocketExtra, id: string, json: Buffer): Record<string, unknown> {
  extra.pending.set(JSON.stringify(id), json);
  return PLACEHOLDER;
}

/** The bytes to send for `message`: itself, or the `next` message around a shared payload. */
function outgoing(extra: SocketExtra, message: string): string | Buffer {
  if (!message.endsWith(PLACEHOLDER_TAIL) || !message.startsWith(HEAD)) return message;
  const id = message.slice(HEAD.length, message.length - PLACEHOLDER_TAIL.length);
  const json = extra.pending.get(id);
  if (json === undefined) return message;
  extra.pending.delete(id);
  return Buffer.concat([Buffer.from(`${HEAD}${id},"type":"next","payload":`), json, TAIL]);
}

/** Options of {@link serveGraphQLWs}'s own transport. */
export interface TransportOptions {
  /** How often each socket is pinged (default 12 s); one that sends no pong as long again is dropped. */
  readonly keepAliveMs?: number;
  /** Called with what failed when handling a message closes its socket with 1011 (default: nothing). */
  readonly onInternalError?: (error: unknown) => void;
}

/** Pings every `keepAliveMs`; a socket that sends no pong within as long again is terminated. */
function keepAlive(socket: WebSocket, keepAliveMs: number): () => void {
  let pongWait: NodeJS.Timeout | null = null;
  const ping = setInterval(() => {
    if (socket.readyState !== socket.OPEN) return;
    pongWait = setTimeout(() => socket.terminate(), keepAliveMs);
    socket.once('pong', () => {
      if (pongWait) clearTimeout(pongWait);
      pongWait = null;
    });
    socket.ping();
  }, keepAliveMs);
  return () => {
    if (pongWait) clearTimeout(pongWait);
    clearInterval(ping);
  };
}

/**
 * Serves `graphql-transport-ws` on `sockets` with `options` (graphql-ws's `ServerOptions`). A
 * socket's `error` event (something its client sent wrong, already answered by `ws` with a close
 * code) is ignored rather than logged.
 */
export function serveGraphQLWs(
  options: ServerOptions<Record<string, unknown> | undefined, SocketExtra>,
  sockets: WebSocketServer,
  { keepAliveMs = 12_000, onInternalError = () => {} }: TransportOptions = {},
): { dispose(): Promise<void> } {
  const server = makeServer(options);
  sockets.options.handleProtocols = handleProtocols;
  // ws re-emits the HTTP server's errors here; they are handled where the server listens.
  sockets.on('error', () => {});
  sockets.on('connection', (socket, request) => {
    socket.on('error', () => {});
    const stopKeepAlive = keepAlive(socket, keepAliveMs);
    const extra: SocketExtra = { socket, request, pending: new Map(), deadline: Number.POSITIVE_INFINITY };
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN || pastDeadline(extra)) return resolve();
            socket.send(outgoing(extra, data), { binary: false }, (error) =>
              error ? reject(error) : resolve(),
            );
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', async (data) => {
            if (pastDeadline(extra)) return;
            try {
              await handle(String(data));
            } catch (error) {
              onInternalError(error);
              socket.close(CloseCode.InternalServerError, INTERNAL_ERROR_REASON);
            }
          }),
      },
      extra,
    );
    socket.once('close', (code, reason) => {
      stopKeepAlive();
      void closed(code, String(reason));
    });
  });
  return {
    async dispose() {
      for (const client of sockets.clients) client.close(1001, 'Going away');
      sockets.removeAllListeners();
      await new Promise<void>((resolve, reject) =>
        sockets.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
