/**
 * Entry point of the `resource-store` command (see `bin/resource-store.js`).
 */
import { commands } from './cli/commands.ts';
import { runCli } from './cli/main.ts';

process.exitCode = await runCli(process.argv.slice(2), commands);
