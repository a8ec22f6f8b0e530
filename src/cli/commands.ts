/**
 * The CLI's command table. Every subcommand is a {@link Command} exported from its own module here,
 * which parses its flags and environment variables, calls the library and prints what it reports.
 */
import type { Command } from './command.ts';
import { exportCommand } from './export.ts';
import { generateCommand } from './generate.ts';
import { importCommand } from './import.ts';
import { serveCommand } from './serve.ts';

/** Every subcommand, in the order `--help` lists them. */
export const commands: readonly Command[] = [serveCommand, importCommand, generateCommand, exportCommand];
