/**
 * The cost budget per principal (`--rate-limit-cost N/minute`), as a yoga (envelop) plugin that HTTP,
 * the lean path and the websocket share. Once an operation has passed validation and the cost limit
 * (`use-query-cost.ts`, which must come before this plugin), its estimated cost is taken from its
 * principal's bucket (`cost-buckets.ts`). One its principal cannot afford now fails validation with
 * {@link RATE_LIMITED} and `retryAfterSeconds`: over HTTP with status 429 and a `Retry-After` header,
 * on a websocket as an `error` for that operation alone. It runs nothing and spends nothing.
 *
 * The principal is the authenticated one (by name) or, with auth off, the client's address.
 */
import type { IncomingMessage } from 'node:http';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { type InitialAuthContext, principalOf } from './auth.ts';
import { CostBuckets } from './cost-buckets.ts';
import { type CostExtension, costIn } from './use-query-cost.ts';

/** The `extensions.code` of an operation over its principal's cost budget. */
export const RATE_LIMITED = 'RATE_LIMITED';

/** What the plugin reads of an operation's initial context. */
type InitialContext = InitialAuthContext & { readonly socket?: unknown };

/** `::ffff:127.0.0.1` → `127.0.0.1`: one client, one bucket, over IPv4 and IPv4-mapped IPv6. */
function plainAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

/** Whose budget an operation spends: its principal's, else its client address's (null: unknown). */
function budgetKey(context: InitialContext): string | null {
  const principal = principalOf(context);
  if (principal !== undefined) return `principal ${principal.name}`;
  const address = (context.req as IncomingMessage | undefined)?.socket?.remoteAddress;
  return address === undefined ? null : `address ${plainAddress(address)}`;
}

/** The refusal of an operation its principal cannot afford now. */
function rateLimited(
  cost: CostExtension,
  perMinute: number,
  spending: { remaining: number; retryAfterSeconds: number },
): GraphQLError {
  const { remaining, retryAfterSeconds } = spending;
  return new GraphQLError(
    `Cost budget of ${perMinute} a minute exceeded: this operation costs ${cost.requested}, ` +
      `${Math.max(0, remaining)} left; retry in ${retryAfterSeconds} s.`,
    {
      extensions: {
        code: RATE_LIMITED,
        retryAfterSeconds,
        cost,
        rateLimit: { perMinute, remaining },
        http: { status: 429, headers: { 'retry-after': String(retryAfterSeconds) } },
      },
    },
  );
}

/** The plugin: each admitted operation spends its estimated cost from a budget of `perMinute`. */
export function useRateLimit(perMinute: number): Plugin {
  const buckets = new CostBuckets(perMinute);
  // An HTTP request the lean path validated and then left to yoga is validated twice: charged once.
  const charged = new WeakSet<object>();
  return {
    onValidate({ context }) {
      return ({ result, setResult }) => {
        const cost = costIn(context);
        const initial = context as InitialContext;
        if (result.length > 0 || cost === undefined) return;
        const request = initial.socket === undefined ? initial.req : undefined;
        if (request !== undefined && charged.has(request)) return;
        const key = budgetKey(initial);
        if (key === null) return;
        const spending = buckets.spend(key, cost.requested);
        if (!spending.admitted) {
          setResult([rateLimited(cost, perMinute, spending)]);
          return;
        }
        if (request !== undefined) charged.add(request);
      };
    },
  };
}
