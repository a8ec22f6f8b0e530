/**
 * How a resource is stored (format 5), and the objects reads make of it.
 *
 * A resource is two records: its metadata — everything but its ref (the key) and its payload — in
 * `resources`, and its payload (`data`) as JSON text in `payloads`, under the revision that wrote it
 * and its ref. A read of metadata alone decodes one small record; the payload's text can go to a
 * client as it is, without a parse and a re-encode.
 *
 * Payloads are immutable once written. The payload of a resource's state at revision R stays at
 * (R, ref) until log compaction removes the log entry that replaced that state, so a resource read
 * now finds its own payload later, whatever was written in between. The log keeps no payload of its
 * own: each logged state points at the one in `payloads` (see {@link StoredResourceChange}).
 */
import { asBinary } from 'lmdb';
import type { Databases, LogEntry, StoredLogEntry } from './db.ts';
import { StoreError } from './errors.ts';
import { decodeRefKey, payloadKey } from './keys.ts';
import type { JsonValue, Resource, ResourceChange, ResourceMetadata, ResourceRef } from './types.ts';

/** A resource's metadata as `resources` stores it: the resource without its ref (the key) and payload. */
export type StoredResource = Omit<ResourceMetadata, 'ref'>;

/**
 * One resource change of a stored log entry. Its states are metadata records (the bytes `resources`
 * stores, so a write encodes them once); their payloads are in `payloads`: the new state's at
 * (ref, its revision) — a DELETED state's is its previous state's — and the previous state's at
 * (ref, the previous revision). Where a transaction wrote one resource twice, the payload it
 * overwrote travels in the entry itself (`payload`, `previousPayload`); null means "in `payloads`".
 */
export interface StoredResourceChange {
  type: 'ADDED' | 'UPDATED' | 'DELETED';
  revision: number;
  /** The resource's ref key. */
  ref: Uint8Array;
  resource: Uint8Array;
  previous: Uint8Array | null;
  payload: Uint8Array | null;
  previousPayload: Uint8Array | null;
}

/** The msgpack codec lmdb-js gives each structured database (untyped in its declarations). */
interface Codec {
  encoder: { encode(value: unknown): Uint8Array };
  decoder: { decode(bytes: Uint8Array): unknown };
}

const codecOf = (dbs: Databases) => dbs.resources as unknown as Codec;

/** The metadata record of a resource. */
export function storedResourceOf(resource: ResourceMetadata): StoredResource {
  return {
    uid: resource.uid,
    labels: resource.labels,
    annotations: resource.annotations,
    dataType: resource.dataType,
    createdAt: resource.createdAt,
    updatedAt: resource.updatedAt,
    deletedAt: resource.deletedAt,
    version: resource.version,
    revision: resource.revision,
  };
}

/** Encodes a metadata record as `resources` stores it (a copy: the encoder reuses its buffer). */
export function encodeStoredResource(dbs: Databases, record: StoredResource): Buffer {
  return Buffer.from(codecOf(dbs).encoder.encode(record));
}

/** Decodes bytes made by {@link encodeStoredResource} (or read with `resources.getBinary`). */
export function decodeStoredResource(dbs: Databases, bytes: Uint8Array): StoredResource {
  return codecOf(dbs).decoder.decode(bytes) as StoredResource;
}

/** Stores an encoded metadata record as it is. */
export function putStoredResource(dbs: Databases, key: Buffer, bytes: Buffer): void {
  dbs.resources.put(key, asBinary(bytes) as unknown as StoredResource);
}

/** A payload as stored: the JSON text of `data` (`null` for null data: every state has one). */
export function encodePayload(data: JsonValue): Buffer {
  return Buffer.from(JSON.stringify(data));
}

/** Stores the payload of the state of `refKey` at `revision`. */
export function putPayload(dbs: Databases, refKey: Buffer, revision: number, payload: Buffer): void {
  dbs.payloads.put(payloadKey(refKey, revision), payload);
}

/** Removes the payload of the state of `refKey` at `revision`. */
export function removePayload(dbs: Databases, refKey: Buffer, revision: number): void {
  dbs.payloads.remove(payloadKey(refKey, revision));
}

/** The JSON text of the payload of the state of `refKey` at `revision`; REVISION_COMPACTED when gone. */
export function readPayload(dbs: Databases, refKey: Buffer, revision: number): string {
  const bytes = dbs.payloads.getBinaryFast(payloadKey(refKey, revision));
  if (bytes === undefined) {
    throw new StoreError(
      'REVISION_COMPACTED',
      `the payload written at revision ${revision} is no longer retained`,
    );
  }
  // The range is explicit: lmdb-js hands out its shared read buffer with a shortened `length`, and
  // Node 24's `toString()` without one reads the whole buffer beneath.
  return bytes.toString('utf8', 0, bytes.length);
}

/** The text of UTF-8 bytes, without copying them first. */
function utf8(bytes: Uint8Array): string {
  return asBuffer(bytes).toString('utf8');
}

/**
 * A resource's metadata, as reads with `{ data: false }` return it: the freshly decoded record itself,
 * given its ref (a listing makes thousands; a copy would be as many objects more to collect).
 */
export function metadataOf(ref: ResourceRef, record: StoredResource): ResourceMetadata {
  (record as ResourceMetadata).ref = ref;
  return record as ResourceMetadata;
}

/** A whole resource: its metadata and its payload, from `payloads` at (ref, `at`) or from `inline` bytes. */
export function resourceOf(
  dbs: Databases,
  ref: ResourceRef,
  refKey: Buffer,
  record: StoredResource,
  at: number,
  inline: Uint8Array | null,
): Resource {
  const text = inline === null ? readPayload(dbs, refKey, at) : utf8(inline);
  return withData(ref, record, JSON.parse(text) as JsonValue);
}

/** A resource of a metadata record and its data (fields in the order of the `Resource` type). */
export function withData(ref: ResourceRef, record: StoredResource, data: JsonValue): Resource {
  return {
    ref,
    uid: record.uid,
    labels: record.labels,
    annotations: record.annotations,
    data,
    dataType: record.dataType,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    deletedAt: record.deletedAt,
    version: record.version,
    revision: record.revision,
  };
}

/**
 * A resource whose `data` is parsed from `text` the first time it is used. The accessor costs about a
 * microsecond to make, so only the write path makes these: the state it replaces, which watchers may
 * never look into, and a deleted resource's final state.
 */
export function withLazyData(ref: ResourceRef, record: StoredResource, text: string): Resource {
  let data: JsonValue | undefined;
  return {
    ref,
    uid: record.uid,
    labels: record.labels,
    annotations: record.annotations,
    get data(): JsonValue {
      data ??= JSON.parse(text) as JsonValue;
      return data;
    },
    set data(value: JsonValue) {
      data = value;
    },
    dataType: record.dataType,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    deletedAt: record.deletedAt,
    version: record.version,
    revision: record.revision,
  };
}

/** The current resource of a metadata record (its payload is at its own revision), or its metadata alone. */
export function currentResource(
  dbs: Databases,
  ref: ResourceRef,
  refKey: Buffer,
  record: StoredResource,
  data: boolean,
): Resource | ResourceMetadata {
  return data ? resourceOf(dbs, ref, refKey, record, record.revision, null) : metadataOf(ref, record);
}

/** The current resource stored under `refKey` (or its metadata alone), or null. */
export function readResource(
  dbs: Databases,
  ref: ResourceRef,
  refKey: Buffer,
  data: boolean,
): Resource | ResourceMetadata | null {
  const record = dbs.resources.get(refKey);
  return record === undefined ? null : currentResource(dbs, ref, refKey, record, data);
}

/** The in-memory entry a stored one stands for; its resources' payloads are read on first use. */
export function decodeLogEntry(dbs: Databases, stored: StoredLogEntry): LogEntry {
  return {
    revision: stored.revision,
    time: stored.time,
    resources: stored.resources.map((change) => decodeResourceChange(dbs, change)),
    relationships: stored.relationships,
  };
}

function decodeResourceChange(dbs: Databases, change: StoredResourceChange): ResourceChange {
  const refKey = asBuffer(change.ref);
  const ref = decodeRefKey(refKey);
  const record = decodeStoredResource(dbs, change.resource);
  const previousRecord = change.previous && decodeStoredResource(dbs, change.previous);
  const previous =
    previousRecord &&
    resourceOf(dbs, ref, refKey, previousRecord, previousRecord.revision, change.previousPayload);
  // A deleted state's payload is its previous state's.
  const resource =
    change.type === 'DELETED' && previous && change.payload === null
      ? withData(ref, record, previous.data)
      : resourceOf(dbs, ref, refKey, record, record.revision, change.payload);
  return { type: change.type, revision: change.revision, resource, previous };
}

/** Bytes as a Buffer, without a copy. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
