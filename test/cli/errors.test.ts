/**
 * The CLI in its own words: `--version`, and a mistake on the command line as one line naming it,
 * with a pointer to `--help`, instead of `parseArgs`'s message and the whole usage.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseArgs } from 'node:util';
import { parseArgsMessage } from '../../src/cli/errors.ts';
import { cli } from './helpers.ts';

const OPTIONS = {
  nodes: { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** What the CLI says of `args` given to a command with {@link OPTIONS}. */
function said(...args: string[]): string | null {
  try {
    parseArgs({ args, options: OPTIONS });
  } catch (error) {
    return parseArgsMessage(error, Object.keys(OPTIONS));
  }
  assert.fail(`${args.join(' ')} parsed`);
}

describe("parseArgs errors in the CLI's words", () => {
  it('should name the option and what is wrong with it, in one line', () => {
    assert.equal(said('--verbose'), 'unknown option --verbose');
    assert.equal(said('--node', '3'), 'unknown option --node (did you mean --nodes?)');
    assert.equal(said('--nodes'), '--nodes needs a value');
    assert.equal(
      said('--nodes', '--out', 'x'),
      '--nodes needs a value (write --nodes=VALUE for one that starts with "-")',
    );
    assert.equal(said('--help=yes'), '--help takes no value');
    assert.equal(said('stray'), 'unexpected argument stray: this command takes none');
  });

  it('should leave other errors alone', () => {
    assert.equal(parseArgsMessage(new Error('disk on fire')), null);
  });
});

describe('the command line', () => {
  it('should print its version with --version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    const result = await cli('--version');
    assert.equal(result.code, 0);
    assert.equal(result.stdout, `resource-store ${version}\n`);
  });

  it('should answer a mistake with one line pointing to --help, and exit 2', async () => {
    const ambiguous = await cli('generate', '--nodes', '--out', 'x.json');
    assert.equal(ambiguous.code, 2);
    assert.equal(
      ambiguous.stderr,
      'resource-store generate: --nodes needs a value (write --nodes=VALUE for one that starts with "-") (see resource-store generate --help)\n',
    );
    assert.doesNotMatch(ambiguous.stderr, /ambiguous|usage:/);
    const unknown = await cli('serve', '--verbose');
    assert.equal(unknown.code, 2);
    assert.equal(
      unknown.stderr,
      'resource-store serve: unknown option --verbose (see resource-store serve --help)\n',
    );
  });
});
