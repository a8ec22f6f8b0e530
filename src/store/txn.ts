/**
 * The write path. A `WriteTxn` lives inside one LMDB child transaction: it checks preconditions, keeps
 * every index exact, and records each change for the log. If anything throws, LMDB rolls the child
 * transaction back whole — data, indexes, the revision counter and the log entry alike.
 */
import { randomUUID } from 'node:crypto';
import { type Databases, type LogEntry, readCounter, type StoredLogEntry, type Terms } from './db.ts';
import { StoreError } from './errors.ts';
import { cascadeDependents } from './graph.ts';
import { labelKey, META, nsTypeKey, refKey, revisionKey, typeCountKey } from './keys.ts';
import { withData, withLazyData } from './records.ts';
import type { TypeRegistry } from './registry.ts';
import { type ResourceState, ResourceWrites } from './txn-resources.ts';
import { TxnTerms } from './txn-terms.ts';
import { type RelationshipContent, TripleWrites } from './txn-triples.ts';
import type {
  DeletePropagation,
  JsonObject,
  JsonValue,
  Relationship,
  Resource,
  ResourcePatch,
  ResourceRef,
} from './types.ts';
import { jsonEqual, mergePatch, normalizeResourceInput, type ResourceContent } from './validate.ts';

/** How a resource write treats an existing resource. */
type WriteMode = 'add' | 'update' | 'apply';

const EMPTY = Buffer.alloc(0);

/** One atomic write: every change it makes shares one revision. */
export class WriteTxn {
  readonly #dbs: Databases;
  readonly #terms: Terms;
  readonly #registry: TypeRegistry;
  readonly #maxDependents: number;
  /** Net changes of the type counters, applied at commit. */
  readonly #counters = new Map<string, { db: Databases['types']; key: Buffer; delta: number }>();
  readonly #nowMs = Date.now();
  readonly #now = new Date(this.#nowMs).toISOString();
  #revision = 0;
  readonly #resources: ResourceWrites;
  readonly #triples: TripleWrites;
  readonly #termIds: TxnTerms;

  /** `maxDependents` bounds the dependents one cascading delete may remove (LIMIT_EXCEEDED beyond). */
  constructor(dbs: Databases, terms: Terms, registry: TypeRegistry, maxDependents: number) {
    this.#dbs = dbs;
    this.#terms = terms;
    this.#termIds = new TxnTerms(dbs, terms);
    this.#resources = new ResourceWrites(dbs);
    this.#triples = new TripleWrites({
      dbs,
      terms,
      termIds: this.#termIds,
      registry,
      now: this.#now,
      nextRevision: () => this.#nextRevision(),
    });
    this.#registry = registry;
    this.#maxDependents = maxDependents;
  }

  /** The revision this transaction commits at, or the current one while it has changed nothing. */
  get revision(): number {
    return this.#revision || readCounter(this.#dbs, META.revision);
  }

  /**
   * Creates, replaces or upserts a resource (`mode`), under an optional version precondition. Its data
   * is `content.data`, or `payload` when given (JSON text the store already holds).
   */
  writeResource(
    mode: WriteMode,
    content: ResourceContent,
    expectedVersion: number | null,
    field: string,
    payload: Payload = payloadOf(content.data),
  ) {
    const key = refKey(content.ref);
    const stored = this.#resources.read(key, content.ref);
    const previous = stored?.resource ?? null;
    checkPrecondition(mode, content.ref, previous, expectedVersion);
    this.#registry.checkResource(content.ref, payload.value, `${field}.data`);
    if (previous) {
      if (content.uid !== null && content.uid !== previous.uid) {
        throw new StoreError('BAD_USER_INPUT', `${field}.uid: a resource's uid cannot change`, {
          field: `${field}.uid`,
        });
      }
      if (stored && sameContent(stored, content, payload)) return { resource: previous, changed: false };
    }
    const state = stored
      ? this.#replace(key, stored, content, payload)
      : this.#create(key, content, payload, field);
    this.#resources.log(stored ? 'UPDATED' : 'ADDED', key, state, stored);
    return { resource: state.resource, changed: true };
  }

  /** Merges a validated patch into a stored resource, under an optional version precondition. */
  patchResource(ref: ResourceRef, patch: ResourcePatch, expectedVersion: number | null, field: string) {
    const stored = this.#resources.read(refKey(ref), ref);
    if (!stored) throw new StoreError('NOT_FOUND', `${describe(ref)} does not exist`);
    const previous = stored.resource;
    if (expectedVersion !== null && expectedVersion !== previous.version)
      throw versionConflict(ref, previous);
    const keepsData = patch.data === undefined;
    const document = mergePatch(
      {
        labels: previous.labels,
        annotations: previous.annotations,
        dataType: previous.dataType,
        ...(keepsData ? {} : { data: previous.data }),
      },
      patch as JsonObject,
    ) as { labels?: JsonObject; annotations?: JsonObject; dataType?: string; data?: JsonValue };
    const content = normalizeResourceInput(
      {
        ref,
        uid: previous.uid,
        labels: document.labels as Record<string, string> | undefined,
        annotations: document.annotations as Record<string, string> | undefined,
        dataType: document.dataType,
        data: keepsData ? null : (document.data ?? null),
      },
      field,
    );
    // Data the patch leaves alone is written as the text it is stored as, never parsed nor copied.
    const payload: Payload | undefined = keepsData
      ? { json: stored.text, value: () => previous.data, lazy: true }
      : undefined;
    return this.writeResource('update', content, null, field, payload);
  }

  /** Deletes a resource and every relationship where it is subject or object. */
  deleteResource(ref: ResourceRef, expectedVersion: number | null) {
    const key = refKey(ref);
    const stored = this.#resources.read(key, ref);
    if (!stored) throw new StoreError('NOT_FOUND', `${describe(ref)} does not exist`);
    const previous = stored.resource;
    if (expectedVersion !== null && expectedVersion !== previous.version)
      throw versionConflict(ref, previous);
    const revision = this.#nextRevision();
    this.#dbs.resources.remove(key);
    this.#dbs.uids.remove(Buffer.from(previous.uid));
    this.#countType(previous.ref, -1);
    for (const [label, value] of Object.entries(previous.labels))
      this.#dbs.labels.remove(labelKey(label, value, key));
    const removedRelationships = this.#triples.unlinkAll(ref);
    const deleted = this.#resources.deletedState(key, stored, this.#now, revision);
    this.#resources.log('DELETED', key, deleted, stored);
    return { deleted: deleted.resource, previous, removedRelationships };
  }

  /**
   * Deletes a resource and, unless `propagation` is ORPHAN, its transitive dependents without another
   * live owner (LIMIT_EXCEEDED past the transaction's bound); every deleted resource takes its
   * relationships with it. With `report: 'previous'` the resources are reported as they were before
   * (for dry runs, whose transaction is rolled back). Dependents `passable` rejects stay (see
   * {@link cascadeDependents}).
   */
  deleteCascade(
    ref: ResourceRef,
    expectedVersion: number | null,
    propagation: DeletePropagation,
    report: 'deleted' | 'previous' = 'deleted',
    passable: ((ref: ResourceRef) => boolean) | null = null,
  ): { deleted: Resource; dependents: Resource[]; removedRelationships: Relationship[] } {
    const view = { dbs: this.#dbs, terms: this.#terms, inTxn: true };
    const dependents =
      propagation === 'ORPHAN' ? [] : cascadeDependents(view, ref, this.#maxDependents, passable);
    const removedRelationships: Relationship[] = [];
    const deleteOne = (target: ResourceRef, version: number | null) => {
      const result = this.deleteResource(target, version);
      removedRelationships.push(...result.removedRelationships);
      return result[report];
    };
    if (propagation === 'FOREGROUND') {
      // The root's precondition is checked first, so a conflict is reported before any dependent.
      const root = this.#dbs.resources.get(refKey(ref));
      if (root && expectedVersion !== null && root.version !== expectedVersion)
        throw versionConflict(ref, root);
      const deletedDependents = dependents.reverse().map((dependent) => deleteOne(dependent, null));
      return {
        deleted: deleteOne(ref, expectedVersion),
        dependents: deletedDependents,
        removedRelationships,
      };
    }
    const deleted = deleteOne(ref, expectedVersion);
    return {
      deleted,
      dependents: dependents.map((dependent) => deleteOne(dependent, null)),
      removedRelationships,
    };
  }

  /** Adds a triplet, or updates its data; identical data changes nothing. */
  link(content: RelationshipContent, field: string): { relationship: Relationship; changed: boolean } {
    return this.#triples.link(content, field);
  }

  /** Adds many triplets (as {@link WriteTxn.link} each), in key order; returns how many changed. */
  linkMany(contents: readonly RelationshipContent[], fields: readonly string[]): number {
    return this.#triples.linkMany(contents, fields);
  }

  /** Removes a triplet by identity; false when it does not exist. */
  unlink(content: Omit<RelationshipContent, 'data'>): boolean {
    return this.#triples.unlink(content);
  }

  /** Writes the revision counter and the log entry; returns the entry, or null when nothing changed. */
  commit(): LogEntry | null {
    this.#termIds.commit();
    if (this.#revision === 0) return null;
    const entry: LogEntry = {
      revision: this.#revision,
      time: this.#nowMs,
      resources: this.#resources.changes,
      relationships: this.#triples.changes,
    };
    const stored: StoredLogEntry = { ...entry, resources: this.#resources.stored };
    for (const { db, key, delta } of this.#counters.values()) {
      if (delta === 0) continue;
      const count = (db.get(key) ?? 0) + delta;
      if (count > 0) db.put(key, count);
      else db.remove(key);
    }
    this.#dbs.meta.put(META.revision, this.#revision);
    this.#dbs.log.put(revisionKey(this.#revision), stored);
    return entry;
  }

  #nextRevision(): number {
    if (this.#revision === 0) this.#revision = readCounter(this.#dbs, META.revision) + 1;
    return this.#revision;
  }

  #create(key: Buffer, content: ResourceContent, payload: Payload, field: string): ResourceState {
    const uid = content.uid ?? randomUUID();
    const uidKey = Buffer.from(uid);
    const owner = this.#dbs.uids.get(uidKey);
    if (owner)
      throw new StoreError('ALREADY_EXISTS', `${field}.uid: uid ${uid} is already used by another resource`, {
        field: `${field}.uid`,
      });
    const resource = this.#stamp(content, uid, 1, this.#now, payload);
    const state = this.#resources.store(key, resource, payload.json);
    this.#dbs.uids.put(uidKey, key);
    this.#countType(resource.ref, 1);
    for (const [label, value] of Object.entries(resource.labels))
      this.#dbs.labels.put(labelKey(label, value, key), EMPTY);
    return state;
  }

  #replace(key: Buffer, stored: ResourceState, content: ResourceContent, payload: Payload): ResourceState {
    const previous = stored.resource;
    const resource = this.#stamp(content, previous.uid, previous.version + 1, previous.createdAt, payload);
    const state = this.#resources.store(key, resource, payload.json);
    for (const [label, value] of Object.entries(previous.labels)) {
      if (resource.labels[label] !== value) this.#dbs.labels.remove(labelKey(label, value, key));
    }
    for (const [label, value] of Object.entries(resource.labels)) {
      if (previous.labels[label] !== value) this.#dbs.labels.put(labelKey(label, value, key), EMPTY);
    }
    return state;
  }

  #stamp(
    content: ResourceContent,
    uid: string,
    version: number,
    createdAt: string,
    payload: Payload,
  ): Resource {
    const record = {
      uid,
      labels: content.labels,
      annotations: content.annotations,
      dataType: content.dataType,
      createdAt,
      updatedAt: this.#now,
      deletedAt: null,
      version,
      revision: this.#nextRevision(),
    };
    return payload.lazy
      ? withLazyData(content.ref, record, payload.json)
      : withData(content.ref, record, payload.value());
  }

  /** Counts a resource of `ref`'s type in or out; the counters are written once, at commit. */
  #countType(ref: ResourceRef, delta: number): void {
    this.#bump(this.#dbs.types, typeCountKey(ref.group, ref.version, ref.kind), delta);
    this.#bump(this.#dbs.nsTypes, nsTypeKey(ref.namespace, ref.group, ref.version, ref.kind), delta);
  }

  #bump(db: Databases['types'], key: Buffer, delta: number): void {
    const id = `${db === this.#dbs.types ? 't' : 'n'}${key.toString('latin1')}`;
    const counter = this.#counters.get(id);
    if (counter) counter.delta += delta;
    else this.#counters.set(id, { db, key, delta });
  }
}

function checkPrecondition(
  mode: WriteMode,
  ref: ResourceRef,
  previous: Resource | null,
  expected: number | null,
) {
  if (mode === 'add' && previous) throw new StoreError('ALREADY_EXISTS', `${describe(ref)} already exists`);
  if (mode === 'update' && !previous) throw new StoreError('NOT_FOUND', `${describe(ref)} does not exist`);
  if (expected === null) return;
  if (!previous)
    throw new StoreError('NOT_FOUND', `${describe(ref)} does not exist (expected version ${expected})`);
  if (previous.version !== expected) throw versionConflict(ref, previous);
}

function versionConflict(ref: ResourceRef, current: { readonly version: number }): StoreError {
  return new StoreError('VERSION_CONFLICT', `${describe(ref)} is at version ${current.version}`, {
    currentVersion: current.version,
  });
}

/**
 * The data a write stores: its JSON text, and its value. `lazy` marks data known by its text alone
 * (a patch that leaves data alone, a bulk load): the states written then parse it only if something
 * reads their `data`.
 */
export interface Payload {
  readonly json: string;
  readonly value: () => JsonValue;
  readonly lazy: boolean;
}

/** The payload of data given as a value. */
function payloadOf(data: JsonValue): Payload {
  return { json: JSON.stringify(data), value: () => data, lazy: false };
}

/** The payload of data given as checked JSON text: parsed once, if ever needed. */
export function textPayload(json: string): Payload {
  let value: JsonValue | undefined;
  return {
    json,
    value: () => {
      value ??= JSON.parse(json) as JsonValue;
      return value;
    },
    lazy: true,
  };
}

/** Whether a write of `content` with `payload` would leave a stored state as it is. */
function sameContent(stored: ResourceState, content: ResourceContent, payload: Payload): boolean {
  const { resource } = stored;
  const { json } = payload;
  return (
    resource.dataType === content.dataType &&
    jsonEqual(resource.labels, content.labels) &&
    jsonEqual(resource.annotations, content.annotations) &&
    // The stored text first: equal text is equal data, and texts of other lengths cannot be the same
    // data with its keys in another order (what jsonEqual is left to rule out).
    (stored.text === json ||
      (stored.text.length === json.length && jsonEqual(resource.data, payload.value())))
  );
}

/** `group/version/Kind namespace/name`, for messages. */
export function describe(ref: ResourceRef): string {
  const type = ref.group ? `${ref.group}/${ref.version}/${ref.kind}` : `${ref.version}/${ref.kind}`;
  return `${type} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}
