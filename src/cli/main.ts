/**
 * Dispatches `resource-store <command> [options]` to the command table.
 */
import type { Command } from './command.ts';

/** Top-level help: the commands and how to get each one's options. */
export function helpText(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  const lines = commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return [
    'usage: resource-store <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    'Run `resource-store <command> --help` for the options of a command.',
    '',
  ].join('\n');
}

/** Runs the command `argv[0]` with the rest of `argv`; resolves to the process exit code. */
export async function runCli(argv: readonly string[], commands: readonly Command[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(helpText(commands));
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((candidate) => candidate.name === name);
  if (!command) {
    process.stderr.write(`resource-store: unknown command "${name}"\n\n${helpText(commands)}`);
    return 2;
  }
  return command.run(rest);
}
