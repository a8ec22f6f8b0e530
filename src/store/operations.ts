/**
 * Argument checking for the store API, and transaction operations: each is planned (validated and
 * normalized) before the write transaction starts, then run inside it.
 */
import { badInput, StoreError } from './errors.ts';
import { sameRef } from './reads.ts';
import type { TriplePattern } from './triple-reads.ts';
import type { WriteTxn } from './txn.ts';
import type { RelationshipContent } from './txn-triples.ts';
import type {
  DeletePropagation,
  Operation,
  OperationResult,
  RelationshipInput,
  RelationshipPattern,
  RelationshipWatchOptions,
  ResourcePatch,
  ResourceRef,
  ResourceRefInput,
  TransactionOptions,
} from './types.ts';
import {
  copyJson,
  isPlainObject,
  normalizePatch,
  normalizePredicateType,
  normalizeRef,
  normalizeResourceInput,
  normalizeVersion,
  type ResourceContent,
} from './validate.ts';

const PROPAGATIONS: readonly DeletePropagation[] = ['ORPHAN', 'BACKGROUND', 'FOREGROUND'];

/** A validated write, ready to run inside a transaction. */
export type PlannedOperation =
  | { op: 'add' | 'update' | 'apply'; content: ResourceContent; expectedVersion: number | null }
  | { op: 'patch'; ref: ResourceContent['ref']; patch: ResourcePatch; expectedVersion: number | null }
  | {
      op: 'delete';
      ref: ResourceContent['ref'];
      expectedVersion: number | null;
      propagation: DeletePropagation;
    }
  | { op: 'addRelationship'; content: RelationshipContent }
  | { op: 'deleteRelationship'; content: RelationshipContent };

/** A page's `after` argument: null, or a cursor-shaped string (its contents are checked on use). */
export function cursorOf(after: string | null | undefined): string | null {
  if (after === null || after === undefined) return null;
  if (typeof after !== 'string' || after.length === 0 || after.length > 4096) {
    throw badInput('after', 'is not a cursor this store issued');
  }
  return after;
}

/** Checks that an options argument is a plain object. */
export function optionsObject<T extends object>(options: T): T {
  if (!isPlainObject(options)) throw badInput('options', 'must be an object');
  return options;
}

/** A delete's propagation: ORPHAN when absent. */
export function propagationOf(value: DeletePropagation | null | undefined, field: string): DeletePropagation {
  if (value === null || value === undefined) return 'ORPHAN';
  if (!PROPAGATIONS.includes(value)) throw badInput(field, `must be one of ${PROPAGATIONS.join(', ')}`);
  return value;
}

/** A list of strings, each checked by `check`, or null when absent. */
export function optionalStringList(
  value: readonly string[] | null | undefined,
  field: string,
  check: (item: string, field: string) => string | undefined,
): string[] | null {
  if (value === null || value === undefined) return null;
  if (!Array.isArray(value)) throw badInput(field, 'must be a list of strings');
  return value.map((item, i) => {
    const checked = check(item, `${field}[${i}]`);
    if (checked === undefined) throw badInput(`${field}[${i}]`, 'must be a string');
    return checked;
  });
}

/** An optional expected version: null when absent, else a checked version number. */
export function optionalVersion(value: number | null | undefined): number | null {
  return value === null || value === undefined ? null : normalizeVersion(value);
}

/** Checks that a list argument is an array. */
export function listOf<T>(value: readonly T[], field: string): readonly T[] {
  if (!Array.isArray(value)) throw badInput(field, 'must be a list');
  return value;
}

/** A relationship pattern or watch filter with each bound term normalized. */
export function triplePattern(
  pattern: RelationshipPattern | RelationshipWatchOptions,
  field = 'pattern',
): TriplePattern {
  if (!isPlainObject(pattern)) throw badInput(field, 'must be an object');
  const { subject, object, predicateType } = pattern as RelationshipPattern;
  return {
    subject:
      subject === null || subject === undefined ? undefined : normalizeRef(subject, `${field}.subject`),
    predicateType:
      predicateType === null || predicateType === undefined
        ? undefined
        : normalizePredicateType(predicateType, `${field}.predicateType`),
    object: object === null || object === undefined ? undefined : normalizeRef(object, `${field}.object`),
  };
}

/** A checked, normalized relationship to write; subject and object must differ. */
export function relationshipContent(input: RelationshipInput, field: string): RelationshipContent {
  if (!isPlainObject(input)) throw badInput(field, 'must be an object');
  const subject = normalizeRef(input.subject as ResourceRefInput, `${field}.subject`);
  const object = normalizeRef(input.object as ResourceRefInput, `${field}.object`);
  if (!isPlainObject(input.predicate)) throw badInput(`${field}.predicate`, 'must be an object');
  const type = normalizePredicateType(input.predicate.type, `${field}.predicate.type`);
  const rawData = input.predicate.data ?? null;
  if (rawData !== null && !isPlainObject(rawData))
    throw badInput(`${field}.predicate.data`, 'must be an object');
  const data =
    rawData === null ? null : (copyJson(rawData, `${field}.predicate.data`) as RelationshipContent['data']);
  if (sameRef(subject, object)) {
    throw badInput(field, 'a relationship cannot have the same subject and object');
  }
  return { subject, type, data, object };
}

/** Checks and normalizes one transaction operation before the transaction starts. */
export function planOperation(operation: Operation, field: string): PlannedOperation {
  if (!isPlainObject(operation)) throw badInput(field, 'must be an object');
  switch (operation.op) {
    case 'add':
      return {
        op: 'add',
        content: normalizeResourceInput(operation.resource, `${field}.resource`),
        expectedVersion: null,
      };
    case 'update':
      return {
        op: 'update',
        content: normalizeResourceInput(operation.resource, `${field}.resource`),
        expectedVersion: normalizeVersion(operation.expectedVersion, `${field}.expectedVersion`),
      };
    case 'apply':
      return {
        op: 'apply',
        content: normalizeResourceInput(operation.resource, `${field}.resource`),
        expectedVersion: optionalVersion(operation.expectedVersion),
      };
    case 'patch':
      return {
        op: 'patch',
        ref: normalizeRef(operation.ref, `${field}.ref`),
        patch: normalizePatch(operation.patch, `${field}.patch`),
        expectedVersion: optionalVersion(operation.expectedVersion),
      };
    case 'delete':
      return {
        op: 'delete',
        ref: normalizeRef(operation.ref, `${field}.ref`),
        expectedVersion: optionalVersion(operation.expectedVersion),
        propagation: propagationOf(operation.propagation, `${field}.propagation`),
      };
    case 'addRelationship':
    case 'deleteRelationship':
      return {
        op: operation.op,
        content: relationshipContent(operation.relationship, `${field}.relationship`),
      };
    default:
      throw badInput(
        `${field}.op`,
        'must be one of add, update, apply, patch, delete, addRelationship, deleteRelationship',
      );
  }
}

/** Runs one planned operation inside the write transaction. */
export function runOperation(
  txn: WriteTxn,
  operation: PlannedOperation,
  field: string,
  passable: ((ref: ResourceRef) => boolean) | null = null,
): OperationResult {
  switch (operation.op) {
    case 'add':
    case 'update':
    case 'apply': {
      const { resource, changed } = txn.writeResource(
        operation.op,
        operation.content,
        operation.expectedVersion,
        `${field}.resource`,
      );
      return { op: operation.op, resource, changed };
    }
    case 'patch': {
      const { resource, changed } = txn.patchResource(
        operation.ref,
        operation.patch,
        operation.expectedVersion,
        `${field}.patch`,
      );
      return { op: 'patch', resource, changed };
    }
    case 'delete': {
      return {
        op: 'delete',
        ...txn.deleteCascade(
          operation.ref,
          operation.expectedVersion,
          operation.propagation,
          'deleted',
          passable,
        ),
      };
    }
    case 'addRelationship':
      return { op: 'addRelationship', ...txn.link(operation.content, `${field}.relationship`) };
    case 'deleteRelationship':
      return { op: 'deleteRelationship', deleted: txn.unlink(operation.content) };
  }
}

/** The `sequence` of transaction options, or null. */
export function sequenceOf(options: TransactionOptions): object | null {
  if (!isPlainObject(options)) throw badInput('options', 'must be an object');
  const { sequence } = options;
  if (sequence === undefined || sequence === null) return null;
  if (typeof sequence !== 'object') throw badInput('options.sequence', 'must be an object');
  return sequence;
}

/** The error of a transaction refused because an earlier one of its sequence failed with `cause`. */
export function sequenceFailed(cause: unknown): unknown {
  if (!(cause instanceof StoreError)) return cause;
  return new StoreError(
    cause.code,
    `not written: an earlier transaction of its sequence failed (${cause.message})`,
  );
}

/** Runs one planned operation of a transaction; a store error names the operation. */
export function runPlanned(
  txn: WriteTxn,
  operation: PlannedOperation,
  i: number,
  passable: ((ref: ResourceRef) => boolean) | null = null,
): OperationResult {
  try {
    return runOperation(txn, operation, `operations[${i}]`, passable);
  } catch (error) {
    if (error instanceof StoreError) {
      throw new StoreError(error.code, `operations[${i}]: ${error.message}`, {
        ...error.details,
        operationIndex: i,
      });
    }
    throw error;
  }
}
