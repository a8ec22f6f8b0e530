/**
 * Checks the import graph of `src/` against the layering the README describes, and exits non-zero
 * on a problem (`npm run check-layers`; `test/scripts/check-layers.test.ts` runs it on every test run).
 *
 * - Layers, lowest first: store < auth < schema < server < cli. A layer imports only itself and
 *   lower layers (`src/cli.ts`, the command's entry point, belongs to cli).
 * - Adapters: ingest, k8s and transfer. Only cli imports them; k8s and transfer import ingest, and
 *   no adapter imports another (so neither k8s nor transfer imports the other) or any layer but store.
 * - Outside `src/store/` and `src/ingest/`, their modules are imported through their `index.ts` only.
 * - No cycle between directories (type-only imports count: a type is a dependency too).
 * - Library code (everything but cli) never reads `process.env` or touches the standard streams
 *   (`process.stdin`, `process.stdout`, `process.stderr`, `console`): the CLI does, and passes what
 *   it read as options and prints what the library reports.
 *
 * A directory of `src/` this script does not know is a problem too, so a new one gets placed. `auth`
 * is known even before it exists.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** The layers, lowest first. */
export const LAYERS = ['store', 'auth', 'schema', 'server', 'cli'] as const;

/** Each adapter and the other adapters it may import. */
export const ADAPTERS: Readonly<Record<string, readonly string[]>> = {
  ingest: [],
  k8s: ['ingest'],
  transfer: ['ingest'],
};

/** Directories whose modules others import through `index.ts` only. */
const INDEX_ONLY = ['store', 'ingest'];

/** `process` members library code must not use. */
const PROCESS_MEMBERS = new Set(['env', 'stdin', 'stdout', 'stderr']);

/** One import statement of a module. */
export interface ImportEdge {
  /** Relative to the source directory, with `/` separators. */
  readonly from: string;
  readonly to: string;
  readonly line: number;
}

/** A broken rule, with where. */
export interface Problem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

/** Every `.ts` file below `dir`, relative to it with `/` separators. */
function sourceFiles(dir: string, under = ''): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(join(dir, under), { withFileTypes: true })) {
    const path = under === '' ? entry.name : `${under}/${entry.name}`;
    if (entry.isDirectory()) files.push(...sourceFiles(dir, path));
    else if (entry.name.endsWith('.ts')) files.push(path);
  }
  return files.sort();
}

/** The directory of `src/` a file belongs to (`cli.ts` is cli's); '' for another top-level file. */
export function packageOf(file: string): string {
  const slash = file.indexOf('/');
  if (slash >= 0) return file.slice(0, slash);
  return file === 'cli.ts' ? 'cli' : '';
}

/** The module specifiers a file imports or re-exports (statically or with `import()`), with lines. */
function specifiersOf(path: string, text: string): { specifier: string; line: number }[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const found: { specifier: string; line: number }[] = [];
  const add = (node: ts.Node, specifier: ts.Expression | undefined) => {
    if (specifier && ts.isStringLiteralLike(specifier)) {
      const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
      found.push({ specifier: specifier.text, line });
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node, node.moduleSpecifier);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node, node.arguments[0]);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, node.argument.literal);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Where library code uses `process.env`, a standard stream, or `console`. */
function streamUses(path: string, text: string): { what: string; line: number }[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const found: { what: string; line: number }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression)) {
      const [object, member] = [node.expression.text, node.name.text];
      if ((object === 'process' && PROCESS_MEMBERS.has(member)) || object === 'console') {
        const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
        found.push({ what: `${object}.${member}`, line });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The imports between files of `srcDir` (imports of packages are left out). */
export function importEdges(srcDir: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const from of sourceFiles(srcDir)) {
    const text = readFileSync(join(srcDir, from), 'utf8');
    for (const { specifier, line } of specifiersOf(from, text)) {
      if (!specifier.startsWith('.')) continue;
      const target = relative(srcDir, resolve(srcDir, dirname(from), specifier))
        .split(sep)
        .join('/');
      edges.push({ from, to: target, line });
    }
  }
  return edges;
}

/** What is wrong with one import, or null. */
export function edgeProblem(from: string, to: string): string | null {
  const [source, target] = [packageOf(from), packageOf(to)];
  if (to.startsWith('..')) return `imports ${to}, outside src/`;
  if (source === target) return null;
  if (INDEX_ONLY.includes(target) && to !== `${target}/index.ts`) {
    return `imports ${to}: outside src/${target}/, import src/${target}/index.ts`;
  }
  if (target in ADAPTERS) {
    const allowed = source === 'cli' || (ADAPTERS[source] ?? []).includes(target);
    return allowed ? null : `imports ${to}: only cli${importersOf(target)} may import src/${target}/`;
  }
  if (source in ADAPTERS) {
    return target === 'store' ? null : `imports ${to}: an adapter imports only store among the layers`;
  }
  const [rank, targetRank] = [layerRank(source), layerRank(target)];
  return targetRank > rank ? `imports ${to}: ${source} is below ${target}` : null;
}

/** ` and k8s, transfer`: the adapters that may import `adapter`, for a message. */
function importersOf(adapter: string): string {
  const importers = Object.keys(ADAPTERS).filter((name) => ADAPTERS[name]!.includes(adapter));
  return importers.length === 0 ? '' : ` and ${importers.join(', ')}`;
}

function layerRank(name: string): number {
  return (LAYERS as readonly string[]).indexOf(name);
}

/** A problem for every file of a directory the rules do not name. */
function unknownPackages(files: readonly string[]): Problem[] {
  const known = new Set<string>([...LAYERS, ...Object.keys(ADAPTERS)]);
  return files
    .filter((file) => !known.has(packageOf(file)))
    .map((file) => ({
      file,
      line: 1,
      message: 'is in no known layer or adapter: place it in scripts/check-layers.ts',
    }));
}

/** Every cycle between directories, each once, as `a -> b -> a`. */
export function packageCycles(edges: readonly ImportEdge[]): string[][] {
  const graph = new Map<string, Set<string>>();
  for (const { from, to } of edges) {
    const [source, target] = [packageOf(from), packageOf(to)];
    if (source === target) continue;
    graph.set(source, (graph.get(source) ?? new Set()).add(target));
  }
  const cycles = new Map<string, string[]>();
  const walk = (path: string[]): void => {
    for (const next of graph.get(path.at(-1)!) ?? []) {
      const start = path.indexOf(next);
      if (start >= 0) {
        const cycle = rotated(path.slice(start));
        cycles.set(cycle.join(' '), [...cycle, cycle[0]!]);
      } else walk([...path, next]);
    }
  };
  for (const name of graph.keys()) walk([name]);
  return [...cycles.values()].sort((a, b) => a.join(' ').localeCompare(b.join(' ')));
}

/** A cycle's members starting with the first in alphabetical order, so each cycle has one spelling. */
function rotated(cycle: readonly string[]): string[] {
  const first = cycle.indexOf([...cycle].sort()[0]!);
  return [...cycle.slice(first), ...cycle.slice(0, first)];
}

/** Every problem of the tree at `srcDir`. */
export function checkLayers(srcDir: string): Problem[] {
  const files = sourceFiles(srcDir);
  const edges = importEdges(srcDir);
  const problems = unknownPackages(files);
  for (const { from, to, line } of edges) {
    const message = edgeProblem(from, to);
    if (message !== null) problems.push({ file: from, line, message });
  }
  for (const cycle of packageCycles(edges)) {
    const at = edges.find((edge) => packageOf(edge.from) === cycle[0] && packageOf(edge.to) === cycle[1])!;
    problems.push({ file: at.from, line: at.line, message: `import cycle: ${cycle.join(' -> ')}` });
  }
  for (const file of files.filter((name) => packageOf(name) !== 'cli')) {
    for (const { what, line } of streamUses(file, readFileSync(join(srcDir, file), 'utf8'))) {
      problems.push({ file, line, message: `library code uses ${what}: leave it to src/cli/` });
    }
  }
  return problems;
}

/** Checks `src/` (or the directory given) and prints what is wrong; the exit code says whether anything is. */
function main(argv: readonly string[]): number {
  const srcDir = resolve(argv[0] ?? fileURLToPath(new URL('../src', import.meta.url)));
  const problems = checkLayers(srcDir);
  for (const { file, line, message } of problems) process.stderr.write(`src/${file}:${line}: ${message}\n`);
  if (problems.length > 0) return 1;
  const edges = importEdges(srcDir).length;
  process.stdout.write(`layers: ${sourceFiles(srcDir).length} files, ${edges} imports, no problem\n`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
