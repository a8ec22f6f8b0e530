/**
 * The shape every subcommand of the `resource-store` CLI has, and the helpers they share.
 */

/** A subcommand: `run` receives the arguments after its name and resolves to the exit code. */
export interface Command {
  readonly name: string;
  /** One line for the command list of `--help`. */
  readonly summary: string;
  run(argv: readonly string[]): Promise<number>;
}

/** A configuration mistake: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Runs a command; a bad argument prints the message and the usage, and exits with 2. */
export async function withUsage(text: string, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const parseError = typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
    if (!(error instanceof UsageError || error instanceof RangeError || parseError)) throw error;
    process.stderr.write(`${(error as Error).message}\n\n${text}`);
    return 2;
  }
}

/** A reader that stops early (`generate | head`) is not an error. */
export function ignoreClosedPipe(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error;
}

/** Prints a usage text that was asked for. */
export function printUsage(text: string): number {
  process.stdout.write(text);
  return 0;
}

/** A non-negative integer flag, or undefined when it is absent. */
export function optionalInteger(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} must be a non-negative integer, given "${value}"`);
  return Number(value);
}
