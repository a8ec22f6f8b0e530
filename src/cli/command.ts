/**
 * The shape every subcommand of the `resource-store` CLI has, and the helpers they share.
 */
import type { ParseArgsConfig } from 'node:util';
import { mistakeLine, parseArgsMessage } from './errors.ts';

/** The options of a command, as `node:util`'s `parseArgs` takes them. */
export type CommandOptions = NonNullable<ParseArgsConfig['options']>;

/** A subcommand: `run` receives the arguments after its name and resolves to the exit code. */
export interface Command {
  readonly name: string;
  /** One line for the command list of `--help`. */
  readonly summary: string;
  /** What `<command> --help` prints: every option, with its environment variable where it has one. */
  readonly usage: string;
  /** The options `run` parses (with `node:util`'s `parseArgs`). */
  readonly options: CommandOptions;
  run(argv: readonly string[]): Promise<number>;
}

/** A configuration mistake: printed as one line pointing to the command's help, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Runs a command; a mistake in its arguments (a {@link UsageError}, a RangeError of the library's
 * option checks, or a `parseArgs` error) prints one line naming it and pointing to the command's
 * `--help`, and exits with 2.
 */
export async function withUsage(
  command: Pick<Command, 'name' | 'options'>,
  run: () => Promise<number>,
): Promise<number> {
  try {
    return await run();
  } catch (error) {
    const message =
      error instanceof UsageError || error instanceof RangeError
        ? error.message
        : parseArgsMessage(error, Object.keys(command.options));
    if (message === null) throw error;
    process.stderr.write(mistakeLine(command.name, message));
    return 2;
  }
}

/** What {@link parsedCommand} builds a command from. */
export interface ParsedCommandSpec<Settings> extends Omit<Command, 'run'> {
  /** Reads the arguments and the environment; 'help' for `--help`. Throws a usage error. */
  parse(argv: readonly string[], env: NodeJS.ProcessEnv): Settings | 'help';
  /** Does the work; resolves to the exit code. */
  execute(settings: Settings): Promise<number>;
}

/**
 * A command that parses its arguments and the process's environment, then executes: `--help`
 * prints the usage, and a bad argument prints one line naming it and exits with 2.
 */
export function parsedCommand<Settings>({
  parse,
  execute,
  ...command
}: ParsedCommandSpec<Settings>): Command {
  return {
    ...command,
    run: (argv) =>
      withUsage(command, async () => {
        const settings = parse(argv, process.env);
        return settings === 'help' ? printUsage(command.usage) : execute(settings);
      }),
  };
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
