import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commands } from '../../src/cli/commands.ts';
import { helpText } from '../../src/cli/main.ts';
import { DEFAULTS } from '../../src/server/defaults.ts';
import { cli } from './helpers.ts';

describe('the command table', () => {
  it('should list every command in the top-level help, and exit 2 without one', async () => {
    const help = await cli('--help');
    assert.equal(help.code, 0);
    assert.equal(help.stdout, helpText(commands));
    for (const { name, summary } of commands)
      assert.ok(help.stdout.includes(`  ${name}`), `${name}: ${summary}`);
    const none = await cli();
    assert.equal(none.code, 2);
    const unknown = await cli('frobnicate');
    assert.equal(unknown.code, 2);
    assert.match(
      unknown.stderr,
      /^resource-store: unknown command "frobnicate": one of serve, .* \(see resource-store --help\)\n$/,
    );
  });

  it('should list every option of every command in its usage, as --help prints it', async () => {
    for (const command of commands) {
      for (const [name, option] of Object.entries(command.options)) {
        assert.ok(command.usage.includes(`--${name}`), `${command.name} --help lists --${name}`);
        if (option.short) assert.ok(command.usage.includes(`-${option.short}`), `and -${option.short}`);
      }
      const help = await cli(command.name, '--help');
      assert.equal(help.code, 0);
      assert.equal(help.stdout, command.usage);
    }
  });

  it('should name RESOURCE_STORE_DATA and the default directory wherever --data is an option', () => {
    for (const command of commands.filter(({ options }) => 'data' in options)) {
      assert.match(command.usage, /--data DIR[^\n]*\n?[^\n]*\(env RESOURCE_STORE_DATA; default \.\/data\)/);
      assert.ok(command.usage.includes(`default ${DEFAULTS.dataDirectory}`));
    }
  });
});
