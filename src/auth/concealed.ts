/**
 * Write errors that would tell the caller of a resource it may not see, rewritten to tell it nothing
 * of it. The store's own errors describe what is stored: a uid clash says another resource holds the
 * uid, a clash of refs that the resource exists, a failed precondition its version. A view answers
 * those, about a resource its caller may not `get`, with FORBIDDEN naming only what the caller gave:
 *
 * - a uid another resource holds: ALREADY_EXISTS when the caller may see that resource, else
 *   FORBIDDEN `<principal> may not use uid <uid>` (that the uid is taken is what any refusal of it
 *   says, as long as uids are unique across the store; nothing else of the holder is told);
 * - ALREADY_EXISTS, NOT_FOUND or VERSION_CONFLICT on a ref the caller may write but not get: the
 *   FORBIDDEN of `get` on it, without `currentVersion`.
 *
 * Errors keep `operationIndex` (the failing operation of a transaction) and the transaction's prefix.
 */
import {
  isStoreError,
  type ResourceRef,
  type ResourceRefInput,
  type Store,
  StoreError,
} from '../store/index.ts';
import type { Permissions, Target } from './permissions.ts';

/** What an operation wrote: its ref, and the uid it gave (if any). */
export interface WriteTarget {
  readonly ref: Target;
  readonly uid?: string | null | undefined;
}

/** What concealment works with. */
export interface ConcealScope {
  readonly store: Store;
  readonly can: Permissions;
  readonly visible: (ref: Target) => boolean;
}

/** The codes whose errors describe the stored resource they are about. */
const DESCRIBING = new Set(['ALREADY_EXISTS', 'NOT_FOUND', 'VERSION_CONFLICT']);

/** The `operations[i]: ` prefix of a transaction's error, or ''. */
function prefixOf(error: StoreError): string {
  const index = error.details.operationIndex;
  return index === undefined ? '' : `operations[${index}]: `;
}

/** A FORBIDDEN error in place of `error`, with its operation index. */
function refusal(error: StoreError, message: string): StoreError {
  const { operationIndex } = error.details;
  return new StoreError('FORBIDDEN', `${prefixOf(error)}${message}`, {
    ...(operationIndex === undefined ? {} : { operationIndex }),
  });
}

/** Whether the error is a uid clash (its field is a `.uid`). */
function isUidClash(error: StoreError): boolean {
  return error.code === 'ALREADY_EXISTS' && (error.details.field?.endsWith('.uid') ?? false);
}

/** `error` as the caller may be told it, about a write of `target` (null: not known). */
export function concealed(scope: ConcealScope, error: unknown, target: WriteTarget | null): unknown {
  if (!isStoreError(error) || target === null || !DESCRIBING.has(error.code)) return error;
  const { store, can, visible } = scope;
  if (isUidClash(error) && typeof target.uid === 'string') {
    const holder = store.getByUid(target.uid, { data: false });
    if (holder !== null && visible(holder.ref)) return error;
    return refusal(error, `${can.principal.name} may not use uid ${target.uid}`);
  }
  if (visible(target.ref)) return error;
  return refusal(error, can.refusal('get', target.ref).message);
}

/**
 * Runs a write, its errors {@link concealed}; `targetOf` names what the failing operation wrote
 * (given the error, for a transaction or a batch of many).
 */
export async function concealing<T>(
  scope: ConcealScope,
  targetOf: (error: StoreError) => WriteTarget | null,
  write: () => Promise<T>,
): Promise<T> {
  try {
    return await write();
  } catch (error) {
    throw isStoreError(error) ? concealed(scope, error, targetOf(error)) : error;
  }
}

/** A ref as callers give it, with group and namespace defaulted as the store does. */
export function normalized(ref: ResourceRefInput): ResourceRef {
  return {
    group: ref.group ?? '',
    version: ref.version,
    kind: ref.kind,
    namespace: ref.namespace ?? '',
    name: ref.name,
  };
}
