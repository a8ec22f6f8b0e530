/**
 * Every argument of the schema, fuzzed (fast-check, fixed seed) over real HTTP: for each field with
 * arguments, of the query and mutation roots and of `Resource` (reached nested in a listing and in a
 * walk), values made from the argument's own type, as variables and as literals. Whatever an answer
 * holds, each of its errors is a client's error with a code: never INTERNAL_SERVER_ERROR, never a
 * masked "Unexpected error.", never a 5xx. Lone UTF-16 surrogates in any string field written are
 * refused with BAD_USER_INPUT and never stored.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import {
  astFromValue,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  print,
} from 'graphql';
import { schema } from '../../src/schema/index.ts';
import { type Response, startServer, type TestServer } from '../schema/helpers.ts';

const SEED = 20_260_113;
const RUNS = 300;
const REF = { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'fuzz', name: 'web' };

/** Strings a client may send anywhere: some good, most not. */
const strings = fc.oneof(
  fc.constantFrom('', 'web', 'Pod', 'v1', 'apps', 'fuzz', 'OwnerReference', 'app=web', 'a in (', '!!a'),
  fc.constantFrom('\ud800', 'a\udc00b', '\u0000', 'x'.repeat(3000), '🦀'.repeat(600)),
  fc.string({ maxLength: 12 }),
);
const ints = fc.oneof(
  fc.constantFrom(-1, 0, 1, 2, 50, 51, 999, 1000, 1001, 10_000, 100_000, 2 ** 31 - 1, -(2 ** 31)),
  fc.integer(),
);
const json: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, {}, { a: '\ud800' }, { '\udfff': 1 }, [1, 'x'], 'text', 1.5),
  fc.dictionary(strings, fc.oneof(strings, ints, fc.boolean()), { maxKeys: 3 }),
);

/** Values of an input type: of its own shape (required input fields present), mostly. */
function inputValue(type: GraphQLInputType, depth = 0): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return inputValue(type.ofType, depth);
  if (isListType(type)) return fc.array(inputValue(type.ofType, depth + 1), { maxLength: depth > 1 ? 1 : 3 });
  if (isEnumType(type)) return fc.constantFrom(...type.getValues().map((value) => value.value as string));
  if (isInputObjectType(type)) {
    if (depth > 3) return fc.constant(null);
    if (type.name === 'ResourceRefInput') return fc.oneof(fc.constant(REF), refWith(depth));
    const fields = Object.values(type.getFields());
    const required = fields.filter((field) => isNonNullType(field.type) && field.defaultValue === undefined);
    const record = Object.fromEntries(fields.map((field) => [field.name, inputValue(field.type, depth + 1)]));
    const requiredKeys = required.map((field) => field.name);
    return fc.record(record, { requiredKeys }) as fc.Arbitrary<unknown>;
  }
  switch (type.name) {
    case 'Int':
      return ints;
    case 'Boolean':
      return fc.boolean();
    case 'Revision':
      return fc.oneof(ints, fc.constantFrom('0', '1', '-1', '1.5', 'abc', '9007199254740993'));
    case 'JSON':
    case 'JSONObject':
      return json;
    default:
      return strings;
  }
}

/** A ref with one part from the fuzzed strings. */
function refWith(depth: number): fc.Arbitrary<unknown> {
  return fc
    .tuple(
      fc.constantFrom('group', 'version', 'kind', 'namespace', 'name'),
      inputValue(schema.getType('String') as GraphQLInputType, depth),
    )
    .map(([part, value]) => ({ ...REF, [part]: value }));
}

/** Where a field is selected: at the root, or on resources reached by a listing or a walk. */
const PLACES: Record<string, ((field: string) => string)[]> = {
  Query: [(field) => `query Q__VARS__ { ${field} }`],
  Mutation: [(field) => `mutation M__VARS__ { ${field} }`],
  Resource: [
    (field) => `query Q__VARS__ { resources(first: 2) { edges { node { ${field} } } } }`,
    (field) =>
      `query Q__VARS__ { resource(ref: { group: "apps", version: "v1", kind: "Deployment", namespace: "fuzz", name: "web" }) { traverse(first: 3) { edges { node { resource { ${field} } } } } } }`,
  ],
};

/** One field with arguments, where it is selected, and the selection of its type. */
interface Target {
  readonly field: GraphQLField<unknown, unknown>;
  readonly place: (field: string) => string;
}

const targets: Target[] = Object.entries(PLACES).flatMap(([typeName, places]) => {
  const type = schema.getType(typeName);
  if (!isObjectType(type)) return [];
  return Object.values(type.getFields())
    .filter((field) => field.args.length > 0)
    .flatMap((field) => places.map((place) => ({ field, place })));
});

/** The request of one target with argument values, each a variable or written in as a literal. */
function requestOf(target: Target, values: Record<string, unknown>, literal: boolean) {
  const variables: Record<string, unknown> = {};
  const declared: string[] = [];
  const args: string[] = [];
  for (const arg of target.field.args as readonly GraphQLArgument[]) {
    if (!(arg.name in values)) continue;
    const value = values[arg.name];
    const ast = literal ? safeAst(value, arg.type) : null;
    if (ast !== null) args.push(`${arg.name}: ${ast}`);
    else {
      declared.push(`$${arg.name}: ${String(arg.type)}`);
      args.push(`${arg.name}: $${arg.name}`);
      variables[arg.name] = value;
    }
  }
  const selection = isObjectType(getNamedType(target.field.type)) ? ' { __typename }' : '';
  const field = `${target.field.name}${args.length ? `(${args.join(', ')})` : ''}${selection}`;
  const query = target.place(field).replace('__VARS__', declared.length ? `(${declared.join(', ')})` : '');
  return { query, variables };
}

/** A value as a literal of its type, or null when it has none (then it goes as a variable). */
function safeAst(value: unknown, type: GraphQLInputType): string | null {
  try {
    const ast = astFromValue(value, type);
    return ast ? print(ast) : null;
  } catch {
    return null;
  }
}

/** Argument values of a target: every required argument, any optional one. */
function argumentsOf(target: Target): fc.Arbitrary<Record<string, unknown>> {
  const args = target.field.args;
  const record = Object.fromEntries(args.map((arg) => [arg.name, inputValue(arg.type)]));
  const requiredKeys = args.filter((arg) => isNonNullType(arg.type)).map((arg) => arg.name);
  return fc.record(record, { requiredKeys }) as fc.Arbitrary<Record<string, unknown>>;
}

describe('every argument of the schema, fuzzed', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
    await server.store.add({ ref: REF, labels: { app: 'web' } });
    await server.store.add({ ref: { ...REF, kind: 'ReplicaSet', name: 'web-1' } });
    await server.store.addRelationships([
      {
        subject: REF,
        predicate: { type: 'DependsOn' },
        object: { ...REF, kind: 'ReplicaSet', name: 'web-1' },
      },
    ]);
  });
  after(() => server.close());

  async function post(query: string, variables: Record<string, unknown>) {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as Response<unknown> };
  }

  it('should answer every bad argument of every field, at any depth, with a coded user error', async (t) => {
    assert.ok(targets.length > 20, `${targets.length} places of fields with arguments`);
    const seen = new Map<string, number>();
    // Targets by index, so that a counterexample reads as a number, not a schema field.
    const arbitrary = fc
      .nat(targets.length - 1)
      .chain((index) => fc.tuple(fc.constant(index), argumentsOf(targets[index]!), fc.boolean()));
    await fc.assert(
      fc.asyncProperty(arbitrary, async ([index, values, literal]) => {
        const { query, variables } = requestOf(targets[index]!, values, literal);
        const { status, body } = await post(query, variables);
        const what = `${query} ${JSON.stringify(variables).slice(0, 200)}`;
        assert.ok(status < 500, `HTTP ${status}: ${what}`);
        for (const error of body.errors ?? []) {
          const code = String(error.extensions?.code);
          assert.notEqual(error.message, 'Unexpected error.', what);
          assert.ok(
            code !== 'undefined' && code !== 'INTERNAL_SERVER_ERROR',
            `${code} ${error.message}: ${what}`,
          );
          seen.set(code, (seen.get(code) ?? 0) + 1);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
    t.diagnostic(`codes: ${JSON.stringify(Object.fromEntries(seen))}`);
    assert.ok((seen.get('BAD_USER_INPUT') ?? 0) > 0, 'some arguments were refused');
  });
});
