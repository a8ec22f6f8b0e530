/**
 * Reading settings from flags and environment variables: a flag wins over its variable, which wins
 * over the default (`src/server/defaults.ts`). A bad value throws a {@link UsageError} naming the
 * flag or the variable it came from.
 */
import { DEFAULTS } from '../server/defaults.ts';
import { UsageError } from './command.ts';

/** The variable that names the store directory of every command. */
export const DATA_VARIABLE = 'RESOURCE_STORE_DATA';

/** `--data DIR`, else `RESOURCE_STORE_DATA`, else the default; never empty. */
export function dataDirectory(flagValue: string | undefined, env: NodeJS.ProcessEnv): string {
  const path = flagValue ?? env[DATA_VARIABLE] ?? DEFAULTS.dataDirectory;
  if (path === '') throw new UsageError('--data needs a directory');
  return path;
}

/** A true/false value: 1, true, yes or 0, false, no, or nothing (any case). */
export function booleanValue(source: string, value: string): boolean {
  if (/^(1|true|yes)$/i.test(value)) return true;
  if (/^(0|false|no|)$/i.test(value)) return false;
  throw new UsageError(`${source} must be true or false, given "${value}"`);
}

/** A TCP port, 0 to 65535. */
export function portNumber(source: string, value: string): number {
  const parsed = Number(value);
  if (!/^[0-9]+$/.test(value) || parsed > 65_535) {
    throw new UsageError(`${source} must be a port number from 0 to 65535, given "${value}"`);
  }
  return parsed;
}

/** A positive safe integer. */
export function positiveInteger(source: string, value: string): number {
  const parsed = Number(value);
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < 1) {
    throw new UsageError(`${source} must be a positive integer, given "${value}"`);
  }
  return parsed;
}

/** A positive integer from `--flag`, else from the variable, else the default. */
export function integerSetting(
  flagValue: string | undefined,
  [flagName, variable]: readonly [string, string],
  env: NodeJS.ProcessEnv,
  fallback: number,
): number {
  if (flagValue !== undefined) return positiveInteger(`--${flagName}`, flagValue);
  const value = env[variable];
  return value === undefined ? fallback : positiveInteger(variable, value);
}

/** Off when `--no-NAME` is given, else as the variable says, else the default. */
export function switchSetting(
  off: boolean | undefined,
  variable: string,
  env: NodeJS.ProcessEnv,
  fallback: boolean,
): boolean {
  if (off) return false;
  const value = env[variable];
  return value === undefined ? fallback : booleanValue(variable, value);
}
