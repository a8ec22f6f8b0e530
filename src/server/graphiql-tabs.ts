/**
 * The tabs GraphiQL opens with (until the browser has tabs of its own stored): a look at the store,
 * then operations of `examples/operations/*.graphql` — an ownership walk, a live subscription with
 * its initial state, and a version-checked update — with variables naming a Deployment of the demo
 * cluster (`resource-store serve --demo`).
 */
import { readFileSync } from 'node:fs';
import { type DefinitionNode, Kind, parse, visit } from 'graphql';

/** One GraphiQL tab: its document and its variables as JSON text. */
export interface GraphiQLTab {
  readonly query: string;
  readonly variables?: string;
}

/** The Deployment of the demo cluster the example tabs are about. */
export const DEMO_DEPLOYMENT = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  namespace: 'storefront',
  name: 'api',
} as const;

const OPERATIONS = new URL('../../examples/operations/', import.meta.url);

const OVERVIEW = `# What the store holds: its revision and its kinds.
# The other tabs: example operations
# (examples/operations/*.graphql). Explorer, on the
# left, builds a query from clicks on the schema.
query Overview {
  revision
  types {
    group
    kind
    count
  }
}
`;

/** The leading comment lines right above `start` in `source`. */
function commentAbove(source: string, start: number): string {
  const lines = source.slice(0, start).split('\n');
  lines.pop();
  const comments: string[] = [];
  while (lines.length > 0 && lines[lines.length - 1]?.startsWith('#')) comments.unshift(lines.pop()!);
  return comments.map((line) => `${line}\n`).join('');
}

/** The fragments `definition` spreads, directly or through other fragments. */
function fragmentsOf(definition: DefinitionNode, fragments: Map<string, DefinitionNode>): Set<string> {
  const found = new Set<string>();
  const walk = (node: DefinitionNode) =>
    visit(node, {
      FragmentSpread(spread) {
        const name = spread.name.value;
        const fragment = fragments.get(name);
        if (found.has(name) || fragment === undefined) return;
        found.add(name);
        walk(fragment);
      },
    });
  walk(definition);
  return found;
}

/**
 * The text of the named operations of an example file, each with the comment above it, and every
 * fragment they use; throws when one is missing.
 */
export function exampleOperations(file: string, operationNames: readonly string[]): string {
  const source = readFileSync(new URL(file, OPERATIONS), 'utf8');
  const definitions = parse(source).definitions;
  const fragments = new Map<string, DefinitionNode>();
  for (const definition of definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const chosen = operationNames.map((name) => {
    const operation = definitions.find(
      (definition) => definition.kind === Kind.OPERATION_DEFINITION && definition.name?.value === name,
    );
    if (operation === undefined) throw new Error(`${file} has no operation ${name}`);
    return operation;
  });
  const used = new Set(chosen.flatMap((operation) => [...fragmentsOf(operation, fragments)]));
  const texts = [...chosen, ...[...used].map((name) => fragments.get(name)!)].map((definition) => {
    const { start, end } = definition.loc!;
    return commentAbove(source, start) + source.slice(start, end);
  });
  return `${texts.join('\n\n')}\n`;
}

const VERSION_CHECK = `# Then run PatchResource with expectedVersion set to the version read: a stale one fails with
# VERSION_CONFLICT and changes nothing.
`;

const variables = (value: object) => JSON.stringify(value, null, 2);

/** The default tabs: the overview, a walk, a live subscription and a version-checked update. */
export function defaultTabs(): GraphiQLTab[] {
  const ref = DEMO_DEPLOYMENT;
  return [
    { query: OVERVIEW },
    {
      query: exampleOperations('ownership.graphql', ['Descendants']),
      variables: variables({ ref, maxDepth: 3, first: 20 }),
    },
    {
      query: exampleOperations('subscribe.graphql', ['ResourceEvents']),
      variables: variables({ namespace: ref.namespace, initialState: true }),
    },
    {
      query: `${exampleOperations('optimistic-update.graphql', ['ResourceVersion'])}\n${VERSION_CHECK}${exampleOperations('resources.graphql', ['PatchResource'])}`,
      variables: variables({ ref, patch: { labels: { tier: 'frontend' } }, expectedVersion: 1 }),
    },
  ];
}
