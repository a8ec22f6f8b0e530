/**
 * Input validation. Everything a caller hands the store passes through here before any LMDB call, so
 * that no input can produce a key LMDB cannot take or a value the store cannot read back. Each check
 * fails with a BAD_USER_INPUT error naming the field; the validated values are fresh copies.
 */
import { badInput } from './errors.ts';
import { validateLabels } from './labels.ts';
import type {
  JsonObject,
  JsonValue,
  ResourceInput,
  ResourcePatch,
  ResourceRef,
  ResourceRefInput,
} from './types.ts';

/** Byte limits of ref parts; together they keep the longest key (a label index key) under 1,978 bytes. */
export const REF_LIMITS = { group: 253, version: 128, kind: 128, namespace: 253, name: 253 } as const;

const MAX_UID_BYTES = 128;
const MAX_DATA_TYPE_BYTES = 512;
const MAX_PREDICATE_TYPE_BYTES = 128;
/** Kubernetes' limit on the total size of annotations. */
const MAX_ANNOTATION_BYTES = 256 * 1024;
const MAX_DATA_BYTES = 16 * 1024 * 1024;
const MAX_DATA_DEPTH = 100;
const PREDICATE_TYPE = /^[A-Za-z_][A-Za-z0-9_.:/-]*$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/** Validates one string part of a key: a string, within `maxBytes`, without control characters. */
function keyString(value: unknown, field: string, maxBytes: number, allowEmpty: boolean): string {
  if (typeof value !== 'string') throw badInput(field, 'must be a string');
  if (!allowEmpty && value.length === 0) throw badInput(field, 'must not be empty');
  if (CONTROL_CHARACTERS.test(value)) throw badInput(field, 'must not contain control characters');
  if (!value.isWellFormed()) throw badInput(field, 'must be well-formed Unicode');
  const bytes = Buffer.byteLength(value);
  if (bytes > maxBytes) throw badInput(field, `must be at most ${maxBytes} bytes (got ${bytes})`);
  return value;
}

/** Validates a ref; `group` and `namespace` default to `""`. */
export function normalizeRef(input: ResourceRefInput | null | undefined, field = 'ref'): ResourceRef {
  if (input === null || typeof input !== 'object') throw badInput(field, 'must be an object');
  return {
    group: keyString(input.group ?? '', `${field}.group`, REF_LIMITS.group, true),
    version: keyString(input.version, `${field}.version`, REF_LIMITS.version, false),
    kind: keyString(input.kind, `${field}.kind`, REF_LIMITS.kind, false),
    namespace: keyString(input.namespace ?? '', `${field}.namespace`, REF_LIMITS.namespace, true),
    name: keyString(input.name, `${field}.name`, REF_LIMITS.name, false),
  };
}

/** Validates an optional string filter value (a type part or a namespace). */
export function optionalKeyString(value: unknown, field: string, maxBytes: number): string | undefined {
  return value === null || value === undefined ? undefined : keyString(value, field, maxBytes, true);
}

/** Validates a uid. */
export function normalizeUid(value: unknown, field = 'uid'): string {
  return keyString(value, field, MAX_UID_BYTES, false);
}

/** Validates a predicate type name. */
export function normalizePredicateType(value: unknown, field = 'predicate.type'): string {
  const type = keyString(value, field, MAX_PREDICATE_TYPE_BYTES, false);
  if (!PREDICATE_TYPE.test(type)) {
    throw badInput(field, 'must start with a letter or _ and contain only letters, digits and _ . : / -');
  }
  return type;
}

/** Validates a version precondition. */
export function normalizeVersion(value: unknown, field = 'expectedVersion'): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw badInput(field, 'must be a positive integer');
  }
  return value;
}

/** Validates a map of annotations: well-formed string keys and values, at most 256 KiB in all. */
function normalizeAnnotations(value: unknown, field = 'annotations'): Record<string, string> {
  if (value === null || value === undefined) return {};
  if (!isPlainObject(value)) throw badInput(field, 'must be an object of strings');
  const copy: Record<string, string> = {};
  let bytes = 0;
  for (const [key, entry] of Object.entries(value)) {
    if (key.length === 0) throw badInput(field, 'keys must not be empty');
    if (typeof entry !== 'string') throw badInput(`${field}.${key}`, 'must be a string');
    if (!key.isWellFormed() || !entry.isWellFormed())
      throw badInput(`${field}.${key}`, 'must be well-formed Unicode');
    bytes += Buffer.byteLength(key) + Buffer.byteLength(entry);
    copy[key] = entry;
  }
  if (bytes > MAX_ANNOTATION_BYTES)
    throw badInput(field, `must be at most ${MAX_ANNOTATION_BYTES} bytes in all`);
  return copy;
}

/** The validated content of a resource write, before versions and timestamps are assigned. */
export interface ResourceContent {
  ref: ResourceRef;
  uid: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  data: JsonValue;
  dataType: string | null;
}

/** Validates a whole resource input. */
export function normalizeResourceInput(
  input: ResourceInput | null | undefined,
  field = 'resource',
): ResourceContent {
  const content = normalizeResourceFields(input, field) as ResourceContent;
  content.data = copyJson(input!.data ?? null, `${field}.data`);
  return content;
}

/**
 * Validates a resource input as {@link normalizeResourceInput} does, its data given back as checked
 * JSON text (`content.data` is null): for bulk loads, which store that text and keep no copy.
 */
export function normalizeLoadedResource(
  input: ResourceInput | null | undefined,
  field: string,
): { content: ResourceContent; json: string } {
  const content = normalizeResourceFields(input, field) as ResourceContent;
  const json = jsonText(input!.data ?? null, `${field}.data`);
  content.data = null;
  return { content, json };
}

/** Validates every field of a resource input but its data. */
function normalizeResourceFields(
  input: ResourceInput | null | undefined,
  field: string,
): Omit<ResourceContent, 'data'> {
  if (input === null || typeof input !== 'object') throw badInput(field, 'must be an object');
  const dataType = input.dataType ?? null;
  return {
    ref: normalizeRef(input.ref, `${field}.ref`),
    uid: input.uid === null || input.uid === undefined ? null : normalizeUid(input.uid, `${field}.uid`),
    labels: validateLabels(input.labels, `${field}.labels`),
    annotations: normalizeAnnotations(input.annotations, `${field}.annotations`),
    dataType: dataType === null ? null : keyString(dataType, `${field}.dataType`, MAX_DATA_TYPE_BYTES, false),
  };
}

/** True for `{}`-like objects (not arrays, dates, buffers or class instances). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Returns a deep copy of a JSON value, checking that it is one: finite numbers, well-formed strings (keys too), booleans,
 * null, arrays and plain objects, at most 100 levels deep and 16 MiB.
 */
export function copyJson(value: unknown, field: string): JsonValue {
  return new JsonCopier(field, true).copy(value, 0);
}

/**
 * The JSON text of a value checked as {@link copyJson} checks it, without a copy: for bulk loads,
 * whose values are stored as this text and never kept as they were given.
 */
export function jsonText(value: unknown, field: string): string {
  return JSON.stringify(new JsonCopier(field, false).copy(value, 0));
}

/**
 * One deep check, copying (or, with `copying` false, returning the value itself once checked). The
 * path to the value being checked is kept as a stack of keys and spelled out only for an error:
 * building every nested field name up front cost more than the copy itself.
 */
class JsonCopier {
  readonly #field: string;
  readonly #copying: boolean;
  readonly #path: (string | number)[] = [];
  #bytes = 0;

  constructor(field: string, copying: boolean) {
    this.#field = field;
    this.#copying = copying;
  }

  copy(value: unknown, depth: number): JsonValue {
    if (depth > MAX_DATA_DEPTH) throw this.#error(`must be at most ${MAX_DATA_DEPTH} levels deep`);
    this.#bytes += 8;
    switch (typeof value) {
      case 'string':
        if (!value.isWellFormed()) throw this.#error('strings must be well-formed Unicode');
        this.#bytes += value.length;
        break;
      case 'boolean':
        return value;
      case 'number':
        if (!Number.isFinite(value)) throw this.#error('numbers must be finite');
        return value;
      case 'object':
        break;
      default:
        throw this.#error(`${typeof value} is not a JSON value`);
    }
    if (this.#bytes > MAX_DATA_BYTES) throw this.#error(`must be at most ${MAX_DATA_BYTES} bytes`);
    if (typeof value === 'string' || value === null) return value as string | null;
    if (Array.isArray(value)) return this.#copyArray(value, depth);
    if (!isPlainObject(value)) throw this.#error('must be a plain JSON object');
    const copy: JsonObject | null = this.#copying ? {} : null;
    for (const key of Object.keys(value)) {
      const entry = value[key];
      if (entry === undefined) continue;
      this.#bytes += key.length;
      if (!key.isWellFormed()) throw this.#error(`key ${JSON.stringify(key)} must be well-formed Unicode`);
      const checked = this.#copyAt(key, entry, depth);
      if (copy) setMember(copy, key, checked);
    }
    return copy ?? (value as JsonObject);
  }

  #copyArray(value: unknown[], depth: number): JsonValue[] {
    if (this.#copying) return value.map((item, i) => this.#copyAt(i, item, depth));
    for (let i = 0; i < value.length; i++) this.#copyAt(i, value[i], depth);
    return value as JsonValue[];
  }

  #copyAt(key: string | number, value: unknown, depth: number): JsonValue {
    this.#path.push(key);
    const copy = this.copy(value, depth + 1);
    this.#path.pop();
    return copy;
  }

  #error(message: string) {
    const path = this.#path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${key}`)).join('');
    return badInput(`${this.#field}${path}`, message);
  }
}

/** Sets `object[key]`, as an own member even for `__proto__` (which plain assignment would not make). */
function setMember(object: JsonObject, key: string, value: JsonValue): void {
  if (key === '__proto__') {
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  } else object[key] = value;
}

/** Validates a resource patch: only its known members, each of the right kind (copies of them). */
export function normalizePatch(input: ResourcePatch | null | undefined, field = 'patch'): ResourcePatch {
  if (!isPlainObject(input)) throw badInput(field, 'must be an object');
  const known = ['labels', 'annotations', 'dataType', 'data'];
  const unknown = Object.keys(input).find((key) => !known.includes(key));
  if (unknown !== undefined) throw badInput(`${field}.${unknown}`, `is not one of ${known.join(', ')}`);
  const patch: { -readonly [K in keyof ResourcePatch]: ResourcePatch[K] } = {};
  for (const member of ['labels', 'annotations'] as const) {
    const value = input[member];
    if (value === undefined) continue;
    if (value !== null && !isPlainObject(value)) throw badInput(`${field}.${member}`, 'must be an object');
    if (value !== null) {
      for (const [key, entry] of Object.entries(value)) {
        if (entry !== null && typeof entry !== 'string')
          throw badInput(`${field}.${member}.${key}`, 'must be a string or null');
      }
    }
    patch[member] = copyJson(value, `${field}.${member}`) as Record<string, string | null> | null;
  }
  if (input.dataType !== undefined) {
    if (input.dataType !== null && typeof input.dataType !== 'string')
      throw badInput(`${field}.dataType`, 'must be a string or null');
    patch.dataType = input.dataType;
  }
  if (input.data !== undefined) patch.data = copyJson(input.data, `${field}.data`);
  return patch;
}

/**
 * `target` with `patch` merged in (JSON Merge Patch, RFC 7386): objects merge member by member, a
 * null member removes its key, anything else replaces. Neither argument is changed.
 */
export function mergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isPlainObject(patch)) return patch;
  const merged: JsonObject = {};
  if (isPlainObject(target)) for (const key of Object.keys(target)) setMember(merged, key, target[key]!);
  for (const key of Object.keys(patch)) {
    const value = patch[key] as JsonValue;
    if (value === null) delete merged[key];
    else setMember(merged, key, mergePatch(Object.hasOwn(merged, key) ? merged[key] : undefined, value));
  }
  return merged;
}

/** Structural equality of JSON values; object key order does not matter. */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]));
}
