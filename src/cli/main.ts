/**
 * Dispatches `resource-store <command> [options]` to the command table; answers `--help` and
 * `--version` itself.
 */
import { readFileSync } from 'node:fs';
import type { Command } from './command.ts';

/** The package's version, from its package.json. */
export function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return String((manifest as { version?: unknown }).version);
}

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
    'Run `resource-store <command> --help` for the options of a command, `resource-store --version`',
    'for the version.',
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
  if (name === '--version' || name === '-v') {
    process.stdout.write(`resource-store ${version()}\n`);
    return 0;
  }
  const command = commands.find((candidate) => candidate.name === name);
  if (!command) {
    const names = commands.map((known) => known.name).join(', ');
    process.stderr.write(
      `resource-store: unknown command "${name}": one of ${names} (see resource-store --help)\n`,
    );
    return 2;
  }
  return command.run(rest);
}
