/** Running `resource-store serve` in a child process, as a user would. */
import { type ChildProcess, spawn } from 'node:child_process';

/** The `resource-store` command. */
export const BIN = new URL('../../bin/resource-store.js', import.meta.url).pathname;

/** A running `serve` child. */
export interface Running {
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
  exit: Promise<number | null>;
}

/** Runs `resource-store serve ...` and waits for it to print its URL. */
export async function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Running> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed: ${output}`)), 20_000);
    const check = () => {
      const match = /serving (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', check);
    void exit.then(() => reject(new Error(`exited early: ${output}`)));
  });
  return { child, url, output: () => output, exit };
}
