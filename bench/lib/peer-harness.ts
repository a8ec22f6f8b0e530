/**
 * The PostgreSQL + PostGraphile peer kept beside the project (`<root>/../shared/peer`, not part of
 * it): copied to a temporary directory (the shared folder may be read-only), its npm packages
 * installed there once, and its `postgraphile-peer.mjs` imported from the copy. Nothing of it is
 * copied into the repository.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The project's root directory. */
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The folder beside the project that holds the peer harness and the real cluster dumps. */
export const SHARED_DIR = join(PROJECT_ROOT, '..', 'shared');
/** Where the harness is copied to and its packages installed (kept between runs). */
export const PEER_COPY_DIR = join(tmpdir(), 'resource-store-peer');

/** Where the peer's load targets are, so that the store serves the very same objects. */
export interface PeerInfo {
  readonly postgres: string;
  readonly postgraphile: string;
  readonly podCount: number;
  readonly durability: Readonly<Record<string, string>>;
  readonly loaded: { readonly resources: number; readonly relationships: number; readonly ms: number };
  readonly pointRead: {
    readonly uid: string;
    readonly grp: string;
    readonly version: string;
    readonly kind: string;
    readonly namespace: string;
    readonly name: string;
  };
  readonly descendantsRoot: {
    readonly uid: string;
    readonly kind: string;
    readonly namespace: string;
    readonly name: string;
    readonly total: number;
  } | null;
}

/** A running peer: PostgreSQL with the dump loaded and PostGraphile over it, in their own processes. */
export interface Peer {
  readonly url: string;
  readonly info: PeerInfo;
  /** The 500 write targets. */
  readonly writeUids: readonly string[];
  /** Request bodies (JSON strings) to POST to `url`. */
  readonly queries: {
    readonly pointRead: string;
    readonly list: (n: number) => string;
    readonly descendants: string;
    /** An unconditional labels merge of `{"peer-bench-write": String(i)}` on `writeUids[i % 500]`. */
    readonly write: (i: number) => string;
  };
  stop(): Promise<void>;
}

/** What `postgraphile-peer.mjs` exports and the bench uses. */
export interface PeerHarness {
  startPeer(options: { dumpPath: string; log?: (message: string) => void }): Promise<Peer>;
  findPgBin(): string | null;
  ensurePostgres(log?: (message: string) => void): string;
}

/** Copies `from` into `to` (but not `node_modules` or results), each copy writable. */
function copyTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  chmodSync(to, 0o755);
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'results.json') continue;
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) copyTree(source, target);
    else if (entry.isFile()) {
      rmSync(target, { force: true });
      copyFileSync(source, target);
      chmodSync(target, 0o644);
    }
  }
}

/** Lock files of the harness and its yoga baseline, whose change calls for a fresh install. */
const LOCKS = ['package-lock.json', join('yoga', 'package-lock.json')];

/** Whether the copy's lock files match the shared ones (a missing copy does not). */
function locksMatch(source: string, copy: string): boolean {
  return LOCKS.every((lock) => {
    const copied = join(copy, lock);
    return existsSync(copied) && readFileSync(copied, 'utf8') === readFileSync(join(source, lock), 'utf8');
  });
}

/**
 * Refreshes the copy of the harness from `source` and returns the copy's directory. Its installed
 * packages are kept unless a lock file changed.
 */
export function copyHarness(source: string, copy = PEER_COPY_DIR): string {
  if (!locksMatch(source, copy)) {
    rmSync(join(copy, 'node_modules'), { recursive: true, force: true });
    rmSync(join(copy, 'yoga', 'node_modules'), { recursive: true, force: true });
  }
  copyTree(source, copy);
  return copy;
}

/** Runs `npm ci` in the copy when its packages are missing (the harness's postinstall does yoga/). */
export function installHarness(copy: string, log: (message: string) => void): void {
  const installed =
    existsSync(join(copy, 'node_modules', 'postgraphile', 'package.json')) &&
    existsSync(join(copy, 'yoga', 'node_modules', 'graphql-yoga', 'package.json'));
  if (installed) return;
  log(`peer: npm ci in ${copy} (once)`);
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: copy, stdio: 'ignore', timeout: 600_000 });
}

/** Imports the harness module from the copy. */
export async function importHarness(copy: string): Promise<PeerHarness> {
  const url = pathToFileURL(join(copy, 'postgraphile-peer.mjs')).href;
  return (await import(url)) as PeerHarness;
}

/**
 * The harness ready to start a peer, or why it cannot run here: the shared folder is missing, or
 * PostgreSQL is not installed and cannot be (the harness installs it with apt-get as root).
 */
export async function loadHarness(
  log: (message: string) => void,
): Promise<{ harness: PeerHarness } | { skip: string }> {
  const source = join(SHARED_DIR, 'peer');
  if (!existsSync(join(source, 'postgraphile-peer.mjs'))) {
    return { skip: `no peer harness at ${source}` };
  }
  const copy = copyHarness(source);
  const harness = await importHarness(copy);
  if (harness.findPgBin() === null) {
    try {
      harness.ensurePostgres(log);
    } catch (error) {
      return { skip: `no PostgreSQL: ${error instanceof Error ? error.message : error}` };
    }
  }
  installHarness(copy, log);
  return { harness };
}
