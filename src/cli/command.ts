/**
 * The shape every subcommand of the `resource-store` CLI has.
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
