/**
 * The CLI's command table. A subcommand is a {@link Command} exported from its own module and listed
 * here: `import` and `generate` from the Kubernetes tooling, `export` from the store's transfer format.
 */
import { k8sCommands } from '../k8s/commands.ts';
import { exportCommand } from '../transfer/commands.ts';
import type { Command } from './command.ts';
import { serveCommand } from './serve.ts';

/** Every subcommand, in the order `--help` lists them. */
export const commands: readonly Command[] = [serveCommand, ...k8sCommands, exportCommand];
