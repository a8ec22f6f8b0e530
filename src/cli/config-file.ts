/**
 * `serve --config FILE`: a YAML (or JSON) mapping of `serve`'s flags, named without their dashes,
 * to their values (`port: 4000`, `no-introspection: true`, `cors-origin: [https://a.example]`). The
 * file's settings are read as flags given before the command line's, so a flag on the command line
 * wins over the file, and the file over environment variables.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import type { CommandOptions } from './command.ts';
import { UsageError } from './command.ts';

/** A YAML (or JSON) file's content; a {@link UsageError} starting with `source` when it cannot be read. */
export function readYamlFile(path: string, source: string): unknown {
  try {
    return parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`${source}: cannot be read as YAML or JSON: ${(error as Error).message}`);
  }
}

/** The path given with `--config`, if any (the last one, as for any flag). */
function configPath(argv: readonly string[]): string | undefined {
  const { values } = parseArgs({ args: [...argv], options: { config: { type: 'string' } }, strict: false });
  const path = values.config;
  if (typeof path === 'boolean' || path === '') throw new UsageError('--config needs a file');
  return path;
}

/** One setting of the file as flag arguments; throws a {@link UsageError} naming it. */
function settingArgs(name: string, value: unknown, options: CommandOptions, source: string): string[] {
  const option = options[name];
  if (option === undefined || name === 'config' || name === 'help') {
    throw new UsageError(`${source}: unknown setting "${name}"`);
  }
  if (option.type === 'boolean') {
    if (typeof value !== 'boolean') throw new UsageError(`${source}: ${name} must be true or false`);
    return value ? [`--${name}`] : [];
  }
  const values = Array.isArray(value) && option.multiple ? value : [value];
  return values.flatMap((item) => {
    if (typeof item !== 'string' && typeof item !== 'number') {
      throw new UsageError(
        `${source}: ${name} must be a ${option.multiple ? 'list of strings' : 'string or number'}`,
      );
    }
    return [`--${name}=${item}`];
  });
}

/** Whether the command line gives the flag `name` itself. */
function given(argv: readonly string[], name: string): boolean {
  return argv.some((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`));
}

/**
 * The command line with the settings of its `--config` file put before it (those the command line
 * gives itself left out); the command line alone when there is no `--config`. Throws a
 * {@link UsageError} naming the file and the setting at fault.
 */
export function withConfigFile(argv: readonly string[], options: CommandOptions): string[] {
  const path = configPath(argv);
  if (path === undefined) return [...argv];
  const source = `--config ${path}`;
  const parsed = readYamlFile(path, source);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UsageError(`${source}: must be a mapping of settings to values`);
  }
  const fromFile = Object.entries(parsed)
    .filter(([name]) => !given(argv, name))
    .flatMap(([name, value]) => settingArgs(name, value, options, source));
  return [...fromFile, ...argv];
}
