/**
 * The authenticated websockets of an endpoint and how long each may live. A socket's token is
 * checked at `connection_init`; a JWT's expiry then closes the socket (4403 `Token expired`: its
 * subscriptions end and nothing more is sent, see `ws-transport.ts`), and a reload of the auth
 * configuration checks every open socket's token again: one that no longer authenticates, or now
 * stands for a principal with other rules, is closed with 4403 too. The others keep running, with
 * the reloaded principal for their next operations.
 */
import type { Context } from 'graphql-ws';
import type { Principal, Session } from '../auth/index.ts';
import { EXPIRED_CLOSE, type SocketExtra } from './ws-transport.ts';

/** The graphql-ws context of a socket. */
type SocketContext = Context<Record<string, unknown> | undefined, SocketExtra>;

/** Authenticates a socket from its `connection_init` payload. */
export type SocketAuthenticate = (
  params: Readonly<Record<string, unknown>> | undefined,
) => Promise<Session | null>;

/** The close reason of a socket whose token a reload no longer accepts. */
export const REVOKED_CLOSE = { code: EXPIRED_CLOSE.code, reason: 'Token no longer valid' } as const;

/** The close reason of a socket whose principal's rules a reload changed. */
export const RULES_CHANGED_CLOSE = { code: EXPIRED_CLOSE.code, reason: 'Authorization changed' } as const;

/** The longest delay `setTimeout` keeps (about 24.8 days); a later expiry is waited for in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The permission scope of a principal: subscribers in one scope see the same events. */
export function scopeOf(principal: Principal | undefined): string {
  return principal === undefined ? '' : JSON.stringify([principal.name, principal.rules]);
}

/** One authenticated socket. */
interface SocketSession {
  principal: Principal;
  timer: NodeJS.Timeout | null;
}

/** Closes a socket still open with `close`; it handles no message from now on (its deadline has passed). */
function closeSocket(ctx: SocketContext, close: { readonly code: number; readonly reason: string }): void {
  ctx.extra.deadline = 0;
  const { socket } = ctx.extra;
  if (socket.readyState === socket.OPEN) socket.close(close.code, close.reason);
}

/** The authenticated sockets of an endpoint. */
export class SocketSessions {
  readonly #authenticate: SocketAuthenticate;
  readonly #sessions = new Map<SocketContext, SocketSession>();
  /** Bumped by every reload: a connect whose check began before one checks again. */
  #generation = 0;

  constructor(authenticate: SocketAuthenticate) {
    this.#authenticate = authenticate;
  }

  /** graphql-ws's `onConnect`: authenticates the socket; false refuses it (4403). */
  async connect(ctx: SocketContext): Promise<boolean> {
    let session: Session | null;
    let generation: number;
    do {
      generation = this.#generation;
      session = await this.#authenticate(ctx.connectionParams);
    } while (generation !== this.#generation);
    if (session === null) return false;
    const entry: SocketSession = { principal: session.principal, timer: null };
    this.#sessions.set(ctx, entry);
    this.#expireAt(ctx, entry, session.expiresAt);
    return true;
  }

  /** The principal of a socket's operations (undefined for a socket not authenticated). */
  principalOf(ctx: SocketContext): Principal | undefined {
    return this.#sessions.get(ctx)?.principal;
  }

  /** Forgets a closed socket. */
  forget(ctx: SocketContext): void {
    const entry = this.#sessions.get(ctx);
    if (entry?.timer) clearTimeout(entry.timer);
    this.#sessions.delete(ctx);
  }

  /**
   * Checks every open socket's token again (after the configuration behind `authenticate` changed):
   * closes those it no longer accepts or whose principal's rules changed; returns how many it closed.
   */
  async reauthenticate(): Promise<number> {
    this.#generation++;
    const checks = [...this.#sessions].map(async ([ctx, entry]) => {
      const session = await this.#authenticate(ctx.connectionParams);
      if (!this.#sessions.has(ctx)) return 0;
      if (session === null || scopeOf(session.principal) !== scopeOf(entry.principal)) {
        closeSocket(ctx, session === null ? REVOKED_CLOSE : RULES_CHANGED_CLOSE);
        this.forget(ctx);
        return 1;
      }
      entry.principal = session.principal;
      return 0;
    });
    const closed = await Promise.all(checks);
    return closed.reduce<number>((sum, one) => sum + one, 0);
  }

  /** Closes the socket when `expiresAt` comes (never when null), and marks its deadline for the transport. */
  #expireAt(ctx: SocketContext, entry: SocketSession, expiresAt: number | null): void {
    if (expiresAt === null) return;
    ctx.extra.deadline = expiresAt;
    const wait = () => {
      const left = expiresAt - Date.now();
      if (left > 0) {
        entry.timer = setTimeout(wait, Math.min(left, MAX_TIMER_MS)).unref();
        return;
      }
      entry.timer = null;
      closeSocket(ctx, EXPIRED_CLOSE);
    };
    wait();
  }
}
