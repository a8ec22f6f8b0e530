/**
 * The server's logger (pino): JSON lines on stdout, and yoga's logger interface over it, which logs
 * unexpected errors with their stack. What is logged per request is `request-log.ts`.
 *
 * Lines are buffered: written when 4 KiB have gathered, at least every second, and when the app
 * stops or the process exits (a normal stop loses no line; a crash or SIGKILL may lose the last
 * second's). One write per line would cost a request more than the line itself.
 */
import type { YogaLogger } from '@graphql-yoga/logger';
import { GraphQLError } from 'graphql';
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

/** pino's levels, `silent` for none. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** A level of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Bytes gathered before they are written. */
const BUFFER_BYTES = 4096;
/** The longest a line waits in the buffer. */
const FLUSH_EVERY_MS = 1000;

/** Buffered destinations, flushed when the process exits. */
const destinations = new Set<DestinationStream & { flushSync(): void }>();

function flushAll(): void {
  for (const destination of destinations) destination.flushSync();
}

/** A buffered destination on a file descriptor or path, flushed on exit. */
function bufferedDestination(dest: number | string): DestinationStream {
  const destination = pino.destination({
    dest,
    minLength: BUFFER_BYTES,
    sync: true,
    periodicFlush: FLUSH_EVERY_MS,
  });
  if (destinations.size === 0) process.once('exit', flushAll);
  destinations.add(destination);
  return destination;
}

/** A logger writing JSON lines at `level` to `destination` (default stdout), buffered. */
export function createLogger(level: LogLevel, destination: number | string = 1): Logger {
  const base = { service: 'resource-store' };
  if (level === 'silent') return pino({ level, base });
  return pino({ level, base }, bufferedDestination(destination));
}

/** yoga's logger interface over pino: masked (unexpected) errors are logged with their stack. */
export function yogaLogger(logger: Logger): YogaLogger {
  const line =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...args: unknown[]) => {
      const [first, ...rest] = args;
      if (first instanceof Error) {
        const cause = first instanceof GraphQLError && first.originalError ? first.originalError : first;
        const path = first instanceof GraphQLError ? first.path?.join('.') : undefined;
        logger[level]({ err: cause, path }, `unexpected error: ${cause.message}`);
      } else logger[level]({ args: rest.length > 0 ? rest : undefined }, String(first));
    };
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}
