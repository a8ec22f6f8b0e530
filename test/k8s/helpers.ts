/** Shared fixtures for the Kubernetes import tests. */
import { execFile } from 'node:child_process';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openStore, type Relationship, type RelationshipPattern, type Store } from '../../src/store/index.ts';

/** Opens an in-memory store that is closed (and removed) when the current test file ends. */
export async function memoryStore(): Promise<Store> {
  const store = await openStore({ inMemory: true });
  after(() => store.close());
  return store;
}

/** Every relationship matching `pattern`, following cursors page by page. */
export function allRelationships(store: Store, pattern: RelationshipPattern = {}): Relationship[] {
  const out: Relationship[] = [];
  let after: string | null = null;
  do {
    const page = store.relationships(pattern, { limit: 1000, after });
    out.push(...page.items);
    after = page.endCursor;
  } while (after !== null);
  return out;
}

/** Counts of `items` by `key`. */
export function countBy<T>(items: Iterable<T>, key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

const bin = fileURLToPath(new URL('../../bin/resource-store.js', import.meta.url));

/** What a run of the CLI did. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI and resolves to its exit code and output. */
export function cli(...args: string[]): Promise<CliResult> {
  return cliWithInput('', ...args);
}

/** Runs the CLI with `input` on its standard input. */
export function cliWithInput(input: string, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...process.env }, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(input);
  });
}
