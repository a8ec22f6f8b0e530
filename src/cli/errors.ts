/**
 * The CLI's words for a mistake on the command line: `node:util`'s `parseArgs` errors rewritten as
 * one short line naming the option, and the line every command prints with a pointer to its help.
 */

/** The option a `parseArgs` message names (`'-h, --help'` names `--help`), or undefined. */
function optionOf(message: string): string | undefined {
  return /'(?:-[^,' ]+, )?(-[^ '<]+)/.exec(message)?.[1];
}

/** The closest known option to a mistyped one, when one is close enough to suggest. */
function closest(given: string, known: readonly string[]): string | undefined {
  const name = given.replace(/^-+/, '');
  const prefixed = known.filter((option) => name.length > 1 && option.startsWith(name));
  if (prefixed.length === 1) return prefixed[0];
  return known.find((option) => name.length > 2 && (option.includes(name) || name.includes(option)));
}

/**
 * A `parseArgs` error (code `ERR_PARSE_ARGS_*`) in the CLI's words, or null for any other error.
 * `known` are the command's option names, for a suggestion when an option is unknown.
 */
export function parseArgsMessage(error: unknown, known: readonly string[] = []): string | null {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS')) return null;
  const message = (error as Error).message;
  const option = optionOf(message) ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const suggestion = closest(option, known);
    return `unknown option ${option}${suggestion === undefined ? '' : ` (did you mean --${suggestion}?)`}`;
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    return `unexpected argument ${option === '' ? /'([^']*)'/.exec(message)?.[1] : option}: this command takes none`;
  }
  if (/does not take an argument/.test(message)) return `${option} takes no value`;
  if (/ambiguous/.test(message)) {
    return `${option} needs a value (write ${option}=VALUE for one that starts with "-")`;
  }
  if (/argument missing/.test(message)) return `${option} needs a value`;
  return message.split('\n')[0] ?? message;
}

/** The one line a command prints for a mistake: what is wrong, and where its options are listed. */
export function mistakeLine(command: string, message: string): string {
  return `resource-store ${command}: ${message} (see resource-store ${command} --help)\n`;
}
