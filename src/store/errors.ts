/**
 * Errors the store raises on purpose. Each carries a stable `code` that the API layer maps to
 * `extensions.code`; anything that is not a `StoreError` is an internal failure.
 */

/**
 * The code of a {@link StoreError}. `FORBIDDEN` is never raised by the store itself: views of it that
 * apply a caller's permissions (`src/auth/`) raise it for a write the caller may not make, so it
 * reaches clients like every other code.
 */
export type StoreErrorCode =
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'VERSION_CONFLICT'
  | 'BAD_USER_INPUT'
  | 'REVISION_COMPACTED'
  | 'SLOW_CONSUMER'
  | 'STORE_CLOSED'
  | 'LIMIT_EXCEEDED'
  | 'STORAGE_FULL'
  | 'STORE_LOCKED'
  | 'READ_ONLY'
  | 'FORBIDDEN';

/** Structured details that accompany some codes. */
export interface StoreErrorDetails {
  /** VERSION_CONFLICT: the version the resource has now (null when it does not exist). */
  currentVersion?: number | null;
  /** SLOW_CONSUMER: the last revision fully delivered, to resume from. */
  lastRevision?: number;
  /** REVISION_COMPACTED: the oldest revision that can still be resumed from. */
  compactedRevision?: number;
  /** BAD_USER_INPUT: the offending field, as a path. */
  field?: string;
  /** BAD_USER_INPUT from schema validation: the validator's messages. */
  validationErrors?: string[];
  /** STORAGE_FULL: free bytes on the store's disk, and the floor below which writes are refused. */
  freeBytes?: number;
  minFreeBytes?: number;
  /** Index of the failing operation inside a transaction. */
  operationIndex?: number;
}

/** An expected failure with a machine-readable code. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code: StoreErrorCode;
  readonly details: StoreErrorDetails;

  constructor(code: StoreErrorCode, message: string, details: StoreErrorDetails = {}) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

/** True when `error` is a {@link StoreError}, optionally of the given code. */
export function isStoreError(error: unknown, code?: StoreErrorCode): error is StoreError {
  return error instanceof StoreError && (code === undefined || error.code === code);
}

/** A BAD_USER_INPUT error about one field. */
export function badInput(field: string, message: string, extra: StoreErrorDetails = {}): StoreError {
  return new StoreError('BAD_USER_INPUT', `${field}: ${message}`, { field, ...extra });
}

/** Throws an internal error when an impossible state is reached. */
export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`Invariant violation: ${message}`);
}
