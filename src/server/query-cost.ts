/**
 * The cost of an operation: an estimate of how many objects its answer holds, from its document and
 * its coerced variables. A field of an object type counts 1 and what it selects; a connection counts
 * its page size (`first`, literal or variable, the default when absent) times what each edge
 * selects, once for its page info; a list counts its estimated length (the field's `extensions.cost`
 * from the schema, else {@link DEFAULT_LIST_SIZE}) times what each item selects. Scalars, `__typename`
 * and introspection count nothing. On an abstract type the costliest possible type counts.
 *
 * graphql-query-complexity's estimators see a field's own arguments and its children's total, so a
 * connection's `first` could only multiply everything under it (page info and counts included), and
 * it throws a single uncoded error for bad variables; this walk is small enough to own.
 */
import {
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  GraphQLError,
  type GraphQLField,
  GraphQLIncludeDirective,
  type GraphQLObjectType,
  type GraphQLSchema,
  GraphQLSkipDirective,
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  getNullableType,
  isAbstractType,
  isCompositeType,
  isListType,
  Kind,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import { type FieldCost, MAX_PAGE_SIZE, pageSizeError } from '../schema/index.ts';

/** The length a list field is counted as when its schema gives no estimate. */
export const DEFAULT_LIST_SIZE = 10;

/** What a walk needs: the schema, the document's fragments, the variables, and what went wrong. */
interface Walk {
  readonly schema: GraphQLSchema;
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  readonly variables: Readonly<Record<string, unknown>>;
  /** The cost of a fragment on a type within a page (or not), computed once. */
  readonly memo: Map<string, number>;
  readonly errors: GraphQLError[];
}

/** The estimated cost of an operation, or the errors of its arguments (a `first` out of range). */
export type OperationCost = { readonly requested: number } | { readonly errors: readonly GraphQLError[] };

/**
 * The cost of `operation` of a valid document with `variables` coerced (graphql-js's
 * `getVariableValues`): its estimated number of objects, or the errors of arguments no resolver
 * would accept.
 */
export function operationCost(
  schema: GraphQLSchema,
  fragments: readonly FragmentDefinitionNode[],
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>>,
): OperationCost {
  const root = schema.getRootType(operation.operation);
  if (!root) return { requested: 0 };
  const walk: Walk = {
    schema,
    fragments: new Map(fragments.map((fragment) => [fragment.name.value, fragment])),
    variables,
    memo: new Map(),
    errors: [],
  };
  const requested = objectCost(walk, operation.selectionSet, root, null);
  return walk.errors.length > 0 ? { errors: walk.errors } : { requested };
}

/** The cost of a selection on a composite type: on an abstract one, its costliest possible type's. */
function selectionCost(
  walk: Walk,
  selectionSet: SelectionSetNode,
  type: GraphQLCompositeType,
  pageSize: number | null,
): number {
  if (!isAbstractType(type)) return objectCost(walk, selectionSet, type, pageSize);
  let most = 0;
  for (const possible of walk.schema.getPossibleTypes(type)) {
    most = Math.max(most, objectCost(walk, selectionSet, possible, pageSize));
  }
  return most;
}

/**
 * The cost of a selection on an object type. Inside a connection, `pageSize` is its page size: the
 * length of its list fields (`edges`).
 */
function objectCost(
  walk: Walk,
  selectionSet: SelectionSetNode,
  type: GraphQLObjectType,
  pageSize: number | null,
): number {
  let total = 0;
  for (const selection of selectionSet.selections) {
    if (!included(walk, selection)) continue;
    if (selection.kind === Kind.FIELD) total += fieldCost(walk, selection, type, pageSize);
    else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const condition = selection.typeCondition?.name.value;
      if (condition === undefined || applies(walk, condition, type))
        total += objectCost(walk, selection.selectionSet, type, pageSize);
    } else total += fragmentCost(walk, selection.name.value, type, pageSize);
  }
  return total;
}

/** The cost of a named fragment spread on `type` (nothing when its type condition does not apply). */
function fragmentCost(walk: Walk, name: string, type: GraphQLObjectType, pageSize: number | null): number {
  const fragment = walk.fragments.get(name);
  if (!fragment || !applies(walk, fragment.typeCondition.name.value, type)) return 0;
  const key = `${name}\u0000${type.name}\u0000${pageSize}`;
  let cost = walk.memo.get(key);
  if (cost === undefined) {
    // A valid document has no fragment cycles; the entry also stops one should it meet one.
    walk.memo.set(key, 0);
    cost = objectCost(walk, fragment.selectionSet, type, pageSize);
    walk.memo.set(key, cost);
  }
  return cost;
}

/** Whether a type condition holds for objects of `type`. */
function applies(walk: Walk, condition: string, type: GraphQLObjectType): boolean {
  if (condition === type.name) return true;
  const named = walk.schema.getType(condition);
  return named !== undefined && isAbstractType(named) && walk.schema.isSubType(named, type);
}

/** Whether `@skip` and `@include` keep a selection. */
function included(walk: Walk, selection: SelectionNode): boolean {
  if (!selection.directives?.length) return true;
  const skip = getDirectiveValues(GraphQLSkipDirective, selection, walk.variables);
  if (skip?.if === true) return false;
  const include = getDirectiveValues(GraphQLIncludeDirective, selection, walk.variables);
  return include?.if !== false;
}

/** The cost of one field selected on an object of `parent`. */
function fieldCost(walk: Walk, node: FieldNode, parent: GraphQLObjectType, pageSize: number | null): number {
  const name = node.name.value;
  if (name.startsWith('__')) return 0;
  const field = parent.getFields()[name];
  if (!field || !node.selectionSet) return 0;
  const type = getNamedType(field.type);
  if (!isCompositeType(type)) return 0;
  const args = argumentsOf(walk, field, node);
  const cost = costOf(field);
  if (cost.pageSize !== undefined) {
    const size = checkedPageSize(walk, node, args.first, cost.pageSize);
    return 1 + selectionCost(walk, node.selectionSet, type, size);
  }
  const each = 1 + selectionCost(walk, node.selectionSet, type, null);
  if (!isListType(getNullableType(field.type))) return each;
  return (pageSize ?? listLength(cost, args)) * each;
}

/**
 * A field's arguments with the variables in (a valid document's, with coerced variables, always
 * are); an argument that is not is the client's error.
 */
function argumentsOf(
  walk: Walk,
  field: GraphQLField<unknown, unknown>,
  node: FieldNode,
): Record<string, unknown> {
  try {
    return getArgumentValues(field, node, walk.variables);
  } catch (error) {
    walk.errors.push(userError(error, node));
    return {};
  }
}

/** A thrown error as a BAD_USER_INPUT error at `node`. */
function userError(error: unknown, node: FieldNode): GraphQLError {
  const message = error instanceof Error ? error.message : String(error);
  return new GraphQLError(message, { nodes: node, extensions: { code: 'BAD_USER_INPUT' } });
}

/** A field's {@link FieldCost}, from its `extensions.cost` (none: an empty one). */
function costOf(field: GraphQLField<unknown, unknown>): FieldCost {
  return (field.extensions as { cost?: FieldCost }).cost ?? {};
}

/** The estimated length of a list field: its argument's, its estimate, or the default. */
function listLength(cost: FieldCost, args: Record<string, unknown>): number {
  const { listSize } = cost;
  if (typeof listSize === 'number') return listSize;
  if (listSize === undefined) return DEFAULT_LIST_SIZE;
  const given = args[listSize];
  if (Array.isArray(given)) return given.length;
  return typeof given === 'number' && given > 0 ? given : DEFAULT_LIST_SIZE;
}

/** A connection's page size: `first`, or the default; out of range, an error (and 0). */
function checkedPageSize(walk: Walk, node: FieldNode, first: unknown, fallback: number): number {
  if (first === undefined || first === null) return fallback;
  if (typeof first === 'number' && Number.isSafeInteger(first) && first >= 0 && first <= MAX_PAGE_SIZE) {
    return first;
  }
  walk.errors.push(pageSizeError(first, node));
  return 0;
}
