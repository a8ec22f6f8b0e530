/** Running the `resource-store` command in a child process. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/resource-store.js', import.meta.url));

/** What a run of the CLI did. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI and resolves to its exit code and output. */
export function cli(...args: string[]): Promise<CliResult> {
  return run('', {}, args);
}

/** Runs the CLI with `input` on its standard input. */
export function cliWithInput(input: string, ...args: string[]): Promise<CliResult> {
  return run(input, {}, args);
}

/** Runs the CLI with `env` added to the environment. */
export function cliWithEnv(env: NodeJS.ProcessEnv, ...args: string[]): Promise<CliResult> {
  return run('', env, args);
}

function run(input: string, env: NodeJS.ProcessEnv, args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...process.env, ...env }, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(input);
  });
}
