/**
 * The resource records of one write transaction: a resource as the transaction sees it, each state
 * it stores (metadata and payload, each encoded once, records.ts), and each change it logs with
 * where its payloads stay.
 *
 * A logged state's payload normally stays in `payloads` at (ref, its revision). A transaction that
 * writes one resource twice overwrites the payload it stored at (ref, its revision) the first time;
 * every change of the entry that pointed there then carries those bytes itself, so each logged state
 * keeps its own payload.
 */
import { type Databases, putLast } from './db.ts';
import { invariant } from './errors.ts';
import { payloadKey } from './keys.ts';
import {
  decodeStoredResource,
  encodeStoredResource,
  putStoredResource,
  readPayload,
  type StoredResourceChange,
  storedResourceOf,
  withLazyData,
} from './records.ts';
import type { ChangeType, Resource, ResourceChange, ResourceRef } from './types.ts';

/** A resource as the transaction reads it. */
export interface ResourceState {
  readonly resource: Resource;
  /** The JSON text of its data, as stored. */
  readonly text: string;
  /** Its metadata record as stored. */
  readonly bytes: Buffer;
  /** True when this transaction wrote the state: its payload is at (ref, this revision). */
  readonly writtenHere: boolean;
  /** The payload a state written here was stored with (null otherwise). */
  readonly payload: Buffer | null;
}

/** A field of a stored change that points at the payload at (ref, this transaction's revision). */
interface Pointer {
  readonly change: StoredResourceChange;
  readonly field: 'payload' | 'previousPayload';
}

/** What this transaction stored at (ref, its revision), by ref key. */
interface Here {
  /** The state written, while it is the current one. */
  state: ResourceState | null;
  /** The payload last stored at (ref, this revision). */
  payload: Buffer | null;
  /** Logged states whose payload is that one. */
  readonly pointers: Pointer[];
}

/** The resource records of one write transaction at one revision. */
export class ResourceWrites {
  readonly #dbs: Databases;
  readonly #here = new Map<string, Here>();
  /** The changes, as watchers get them and as the log stores them. */
  readonly changes: ResourceChange[] = [];
  readonly stored: StoredResourceChange[] = [];
  /**
   * The greatest payload key this transaction stored. Its payloads are keyed by its own revision,
   * past every payload stored before it, so one past this key is past every key of `payloads`.
   */
  #lastPayloadKey: Buffer | null = null;

  constructor(dbs: Databases) {
    this.#dbs = dbs;
  }

  /** The resource stored under `key` as this transaction sees it, or null. */
  read(key: Buffer, ref: ResourceRef): ResourceState | null {
    const written = this.#here.get(idOf(key))?.state;
    if (written) return written;
    const bytes = this.#dbs.resources.getBinary(key);
    if (bytes === undefined) return null;
    const record = decodeStoredResource(this.#dbs, bytes);
    const text = readPayload(this.#dbs, key, record.revision);
    return { resource: withLazyData(ref, record, text), text, bytes, writtenHere: false, payload: null };
  }

  /** Stores a new state of the resource at `key` (`json`: the JSON text of its `data`). */
  store(key: Buffer, resource: Resource, json: string): ResourceState {
    const payload = Buffer.from(json);
    const bytes = encodeStoredResource(this.#dbs, storedResourceOf(resource));
    putStoredResource(this.#dbs, key, bytes);
    const here = this.#hereOf(key);
    for (const { change, field } of here.pointers.splice(0)) change[field] = here.payload;
    this.#putPayload(payloadKey(key, resource.revision), payload);
    here.payload = payload;
    here.state = { resource, text: json, bytes, writtenHere: true, payload };
    return here.state;
  }

  /** The final state of a deleted resource, at `revision`: its payload is its last state's. */
  deletedState(key: Buffer, previous: ResourceState, deletedAt: string, revision: number): ResourceState {
    const { resource } = previous;
    const record = { ...storedResourceOf(resource), deletedAt, revision };
    const deleted = withLazyData(resource.ref, record, previous.text);
    const here = this.#here.get(idOf(key));
    if (here) here.state = null;
    const bytes = encodeStoredResource(this.#dbs, record);
    return { ...previous, resource: deleted, bytes };
  }

  /** Records a change of the resource at `key` from `previous` (null when added) to `state`. */
  log(type: ChangeType, key: Buffer, state: ResourceState, previous: ResourceState | null): void {
    const { resource } = state;
    const change: StoredResourceChange = {
      type,
      revision: resource.revision,
      ref: key,
      resource: state.bytes,
      previous: previous?.bytes ?? null,
      payload: null,
      previousPayload: null,
    };
    const here = this.#here.get(idOf(key));
    if (type !== 'DELETED') {
      invariant(here, 'a logged state was stored first');
      here.pointers.push({ change, field: 'payload' });
      // A previous state written here had its payload overwritten by this one: it goes along.
      if (previous?.writtenHere) change.previousPayload = previous.payload;
    } else if (previous?.writtenHere) {
      invariant(here, 'a state written here has a record');
      here.pointers.push({ change, field: 'payload' }, { change, field: 'previousPayload' });
    }
    this.changes.push({ type, revision: resource.revision, resource, previous: previous?.resource ?? null });
    this.stored.push(change);
  }

  /** Appends a payload past the greatest this transaction stored (see `putLast`), or else puts it. */
  #putPayload(key: Buffer, payload: Buffer): void {
    if (this.#lastPayloadKey === null || Buffer.compare(key, this.#lastPayloadKey) > 0) {
      putLast(this.#dbs.payloads, key, payload);
      this.#lastPayloadKey = key;
    } else this.#dbs.payloads.put(key, payload);
  }

  #hereOf(key: Buffer): Here {
    const id = idOf(key);
    let here = this.#here.get(id);
    if (here === undefined) {
      here = { state: null, payload: null, pointers: [] };
      this.#here.set(id, here);
    }
    return here;
  }
}

/** A ref key as a map key (latin1 keeps every byte, and is cheap). */
const idOf = (key: Buffer): string => key.toString('latin1');
