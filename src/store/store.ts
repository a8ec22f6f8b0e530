/**
 * `openStore`: the store's entry point, tying together validation, the write path (txn.ts), the read
 * path (reads.ts), change notification (watch.ts) and log retention (compaction.ts).
 *
 * Writes run as LMDB child transactions: lmdb-js queues every write of an event turn into one shared
 * commit (group commit), while each write's callback still commits or rolls back on its own. A write
 * resolves once its commit is flushed to disk, and only then are its events published.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compactLog, type Retention, retentionOf } from './compaction.ts';
import { type Databases, forgetUnsavedStructures, type LogEntry, openDatabases, Terms } from './db.ts';
import { commitFailureOf, DiskGuard, isDiskFull } from './disk.ts';
import { badInput, StoreError } from './errors.ts';
import type { WalkOptions } from './graph.ts';
import { checkIntegrity } from './integrity.ts';
import { parseLabelSelector } from './labels.ts';
import { migrateStore } from './migrate.ts';
import {
  cursorOf,
  listOf,
  optionalStringList,
  optionalVersion,
  optionsObject,
  planOperation,
  propagationOf,
  relationshipContent,
  runPlanned,
  sequenceFailed,
  sequenceOf,
  triplePattern,
} from './operations.ts';
import { matchesPattern, matchesQuery, Reader, type ResourceQuery, sameRef } from './reads.ts';
import { TypeRegistry } from './registry.ts';
import { WriteTxn } from './txn.ts';
import type {
  AddRelationshipsResult,
  DeleteOptions,
  DeleteRelationshipsResult,
  DeleteResult,
  Direction,
  ListQuery,
  MetadataOnly,
  Operation,
  Page,
  PageOptions,
  PathOptions,
  ReadOptions,
  Relationship,
  RelationshipEvent,
  RelationshipInput,
  RelationshipPattern,
  RelationshipWatchOptions,
  Resource,
  ResourceEvent,
  ResourceInput,
  ResourceMetadata,
  ResourcePatch,
  ResourceRef,
  ResourceRefInput,
  StorageStatus,
  Store,
  StoreLimits,
  StoreOptions,
  TransactionOptions,
  TransactionResult,
  TraversalStep,
  TraverseOptions,
  TypeCount,
  Watch,
  WatchOptions,
  WriteResult,
} from './types.ts';
import {
  isPlainObject,
  normalizePatch,
  normalizePredicateType,
  normalizeRef,
  normalizeResourceInput,
  normalizeUid,
  normalizeVersion,
  optionalKeyString,
  REF_LIMITS,
} from './validate.ts';
import { EventHub, type InitialState, Watcher } from './watch.ts';

const DEFAULT_PAGE_SIZE = 100;
const DEFAULT_TRAVERSAL_DEPTH = 10;
const DEFAULT_MIN_FREE_DISK_BYTES = 64 * 1024 * 1024;
const DIRECTIONS: readonly Direction[] = ['OUTGOING', 'INCOMING', 'BOTH'];
/** Thrown inside a dry run's transaction to roll it back. */
const ROLL_BACK = Symbol('roll back');
const INITIAL_STATE_PAGE = 500;

/** Opens (or creates) a store. With `inMemory`, the data lives in a temporary directory removed on close. */
export async function openStore(options: StoreOptions = {}): Promise<Store> {
  if (!options.inMemory && !options.path) throw badInput('path', 'is required unless inMemory is set');
  const path = options.inMemory ? mkdtempSync(join(tmpdir(), 'resource-store-')) : resolve(options.path!);
  mkdirSync(path, { recursive: true });
  const dbs = openDatabases(path, options.mapSize);
  try {
    await migrateStore(dbs);
  } catch (error) {
    await dbs.env.close();
    throw error;
  }
  return new LmdbStore(dbs, path, options);
}

class LmdbStore implements Store {
  readonly path: string;
  readonly #dbs: Databases;
  readonly #terms: Terms;
  readonly #reader: Reader;
  readonly #registry: TypeRegistry;
  readonly #hub: EventHub;
  readonly #retention: Retention;
  readonly #maxPageSize: number;
  readonly #maxTraversalNodes: number;
  readonly #maxTraversalDepth: number;
  readonly #maxQueued: number;
  readonly #disk: DiskGuard;
  readonly #temporary: boolean;
  readonly #onBackgroundError: (error: unknown) => void;
  readonly #inflight = new Set<Promise<unknown>>();
  readonly #timer: NodeJS.Timeout | null;
  #compacting: Promise<number> | null = null;
  /** The last write queued while free space is near the floor. */
  #nearFloor: Promise<unknown> = Promise.resolve();
  #closing: Promise<void> | null = null;
  /** Transaction sequences (see {@link TransactionOptions.sequence}), held weakly. */
  readonly #sequences = new WeakMap<object, SequenceState>();

  constructor(dbs: Databases, path: string, options: StoreOptions) {
    this.path = path;
    this.#dbs = dbs;
    this.#terms = new Terms(dbs);
    this.#reader = new Reader(dbs, this.#terms);
    this.#registry = new TypeRegistry(options.types);
    this.#hub = new EventHub(this.#reader.committedRevision());
    this.#retention = retentionOf(options.retention);
    this.#maxPageSize = options.maxPageSize ?? 10_000;
    this.#maxTraversalNodes = options.maxTraversalNodes ?? 10_000;
    this.#maxTraversalDepth = options.maxTraversalDepth ?? 50;
    this.#maxQueued = options.maxQueuedEvents ?? 10_000;
    this.#disk = new DiskGuard(path, options.minFreeDiskBytes ?? DEFAULT_MIN_FREE_DISK_BYTES);
    this.#temporary = options.inMemory === true;
    this.#onBackgroundError = options.onBackgroundError ?? (() => {});
    this.#timer =
      this.#retention.intervalMs > 0
        ? setInterval(() => this.#compactInBackground(), this.#retention.intervalMs)
        : null;
    this.#timer?.unref();
  }

  get revision(): number {
    return this.#hub.published;
  }

  get compactedRevision(): number {
    this.#checkOpen();
    return this.#reader.compactedRevision();
  }

  get limits(): StoreLimits {
    return {
      maxPageSize: this.#maxPageSize,
      maxTraversalNodes: this.#maxTraversalNodes,
      maxTraversalDepth: this.#maxTraversalDepth,
    };
  }

  // --- reads --------------------------------------------------------------------------------------

  get(ref: ResourceRefInput, read: MetadataOnly): ResourceMetadata | null;
  get(ref: ResourceRefInput, read?: ReadOptions): Resource | null;
  get(ref: ResourceRefInput, read?: ReadOptions): ResourceMetadata | null {
    this.#checkOpen();
    return this.#reader.get(normalizeRef(ref), withData(read));
  }

  getByUid(uid: string, read: MetadataOnly): ResourceMetadata | null;
  getByUid(uid: string, read?: ReadOptions): Resource | null;
  getByUid(uid: string, read?: ReadOptions): ResourceMetadata | null {
    this.#checkOpen();
    return this.#reader.getByUid(normalizeUid(uid), withData(read));
  }

  getMany(refs: readonly ResourceRefInput[], read: MetadataOnly): (ResourceMetadata | null)[];
  getMany(refs: readonly ResourceRefInput[], read?: ReadOptions): (Resource | null)[];
  getMany(refs: readonly ResourceRefInput[], read?: ReadOptions): (ResourceMetadata | null)[] {
    this.#checkOpen();
    const data = withData(read);
    const normalized = refs.map((ref, i) => normalizeRef(ref, `refs[${i}]`));
    return normalized.map((ref) => this.#reader.get(ref, data));
  }

  list(query: ListQuery, read: MetadataOnly): Page<ResourceMetadata>;
  list(query?: ListQuery, read?: ReadOptions): Page<Resource>;
  list(query: ListQuery = {}, read?: ReadOptions): Page<ResourceMetadata> {
    this.#checkOpen();
    return this.#reader.listResources(
      this.#resourceQuery(query),
      this.#limit(query.limit),
      cursorOf(query.after),
      this.#atRevision(query.atRevision),
      withData(read),
    );
  }

  storedJson(resource: ResourceMetadata): string | null {
    this.#checkOpen();
    return this.#reader.payload(normalizeRef(resource.ref), resource.revision);
  }

  count(query: Omit<ListQuery, keyof PageOptions> = {}): number {
    this.#checkOpen();
    return this.#reader.countResources(this.#resourceQuery(query));
  }

  types(): TypeCount[] {
    this.#checkOpen();
    return this.#reader.types();
  }

  relationships(pattern: RelationshipPattern = {}, page: PageOptions = {}): Page<Relationship> {
    this.#checkOpen();
    return this.#reader.listRelationships(
      triplePattern(pattern),
      this.#limit(page.limit),
      cursorOf(page.after),
      this.#atRevision(page.atRevision),
    );
  }

  relationshipsMany(patterns: readonly RelationshipPattern[], limit = this.#maxPageSize): Relationship[][] {
    this.#checkOpen();
    return this.#reader.relationshipsOf(
      patterns.map((p, i) => triplePattern(p, `patterns[${i}]`)),
      this.#limit(limit),
    );
  }

  traverse(
    start: ResourceRefInput,
    options: TraverseOptions,
    read: MetadataOnly,
  ): Page<TraversalStep<ResourceMetadata>>;
  traverse(start: ResourceRefInput, options?: TraverseOptions, read?: ReadOptions): Page<TraversalStep>;
  traverse(
    start: ResourceRefInput,
    traverseOptions: TraverseOptions = {},
    read?: ReadOptions,
  ): Page<TraversalStep<ResourceMetadata>> {
    this.#checkOpen();
    const options = optionsObject(traverseOptions);
    const kinds = optionalStringList(options.kinds, 'kinds', (kind, field) =>
      optionalKeyString(kind, field, REF_LIMITS.kind),
    );
    return this.#reader.traverse(
      normalizeRef(start, 'start'),
      this.#walkOptions(options),
      kinds && new Set(kinds),
      this.#limit(options.limit),
      cursorOf(options.after),
      withData(read),
    );
  }

  shortestPath(
    from: ResourceRefInput,
    to: ResourceRefInput,
    options: PathOptions = {},
  ): Relationship[] | null {
    this.#checkOpen();
    if (!isPlainObject(options)) throw badInput('options', 'must be an object');
    const [start, target] = [normalizeRef(from, 'from'), normalizeRef(to, 'to')];
    const walkOptions = this.#walkOptions(options);
    // A path to the start itself walks nothing, so no walk asks whether that ref is passable.
    if (sameRef(start, target)) return passableOf(options)?.(target) === false ? null : [];
    return this.#reader.path(start, target, walkOptions);
  }

  #walkOptions(options: PathOptions): WalkOptions {
    const direction = options.direction ?? 'OUTGOING';
    if (!DIRECTIONS.includes(direction))
      throw badInput('direction', `must be one of ${DIRECTIONS.join(', ')}`);
    const maxDepth = options.maxDepth ?? Math.min(DEFAULT_TRAVERSAL_DEPTH, this.#maxTraversalDepth);
    if (!Number.isSafeInteger(maxDepth) || maxDepth < 1 || maxDepth > this.#maxTraversalDepth) {
      throw badInput('maxDepth', `must be an integer from 1 to ${this.#maxTraversalDepth}`);
    }
    const predicates = optionalStringList(options.predicates, 'predicates', normalizePredicateType);
    return {
      direction,
      predicates,
      maxDepth,
      maxNodes: this.#maxTraversalNodes,
      passable: this.#passableIds(passableOf(options)),
    };
  }

  /** A walk's `passable` on refs as a predicate on term ids (undefined: every node). */
  #passableIds(passable: ((ref: ResourceRef) => boolean) | undefined): WalkOptions['passable'] {
    if (passable === undefined) return undefined;
    const terms = this.#terms;
    return (id) => passable(terms.ref(id));
  }

  // --- writes -------------------------------------------------------------------------------------

  async add(input: ResourceInput): Promise<WriteResult> {
    return this.#writeResource('add', input, null);
  }

  async update(input: ResourceInput, expectedVersion: number): Promise<WriteResult> {
    return this.#writeResource('update', input, normalizeVersion(expectedVersion));
  }

  async apply(input: ResourceInput, expectedVersion?: number | null): Promise<WriteResult> {
    return this.#writeResource('apply', input, optionalVersion(expectedVersion));
  }

  async patch(ref: ResourceRefInput, patch: ResourcePatch, expectedVersion?: number | null) {
    const target = normalizeRef(ref);
    const checked = normalizePatch(patch);
    const expected = optionalVersion(expectedVersion);
    const { value, revision } = await this.#write((txn) =>
      txn.patchResource(target, checked, expected, 'patch'),
    );
    return { resource: value.resource, changed: value.changed, revision };
  }

  async delete(
    ref: ResourceRefInput,
    expectedVersion?: number | null,
    deleteOptions: DeleteOptions = {},
  ): Promise<DeleteResult> {
    const target = normalizeRef(ref);
    const version = optionalVersion(expectedVersion);
    const options = optionsObject(deleteOptions);
    const propagation = propagationOf(options.propagation, 'propagation');
    const dryRun = options.dryRun ?? false;
    if (typeof dryRun !== 'boolean') throw badInput('dryRun', 'must be a boolean');
    if (dryRun) {
      const { value, revision } = await this.#dryRun((txn) =>
        txn.deleteCascade(target, version, propagation, 'previous'),
      );
      return { ...value, revision, dryRun };
    }
    const { value, revision } = await this.#write((txn) => txn.deleteCascade(target, version, propagation));
    return { ...value, revision, dryRun };
  }

  async addRelationships(inputs: readonly RelationshipInput[]): Promise<AddRelationshipsResult> {
    const contents = listOf(inputs, 'relationships').map((input, i) =>
      relationshipContent(input, `relationships[${i}]`),
    );
    const { value, revision } = await this.#write((txn) =>
      contents.map((content, i) => txn.link(content, `relationships[${i}]`).relationship),
    );
    return { relationships: value, revision };
  }

  async deleteRelationships(inputs: readonly RelationshipInput[]): Promise<DeleteRelationshipsResult> {
    const contents = listOf(inputs, 'relationships').map((input, i) =>
      relationshipContent(input, `relationships[${i}]`),
    );
    const { value, revision } = await this.#write(
      (txn) => contents.filter((content) => txn.unlink(content)).length,
    );
    return { deleted: value, revision };
  }

  async transaction(
    operations: readonly Operation[],
    options: TransactionOptions = {},
  ): Promise<TransactionResult> {
    const sequence = this.#sequencePosition(sequenceOf(options));
    // Planning runs at call time, so a sequence is marked failed before its next transaction is called.
    const planned = this.#inSequence(sequence, () =>
      listOf(operations, 'operations').map((operation, i) => planOperation(operation, `operations[${i}]`)),
    );
    const write = this.#write((txn) =>
      // Runs in commit order: a failure marks the sequence before its next transaction's work runs.
      this.#inSequence(sequence, () => planned.map((operation, i) => runPlanned(txn, operation, i))),
    );
    const { value, revision } = await write.catch((error: unknown) => {
      markFailed(sequence, error);
      throw error;
    });
    return { results: value, revision };
  }

  /** The state of a transaction sequence with the next position in it, or null without one. */
  #sequencePosition(sequence: object | null): SequencePosition | null {
    if (sequence === null) return null;
    let state = this.#sequences.get(sequence);
    if (state === undefined) {
      state = { next: 0, failedAt: Number.POSITIVE_INFINITY, cause: null };
      this.#sequences.set(sequence, state);
    }
    return { state, position: state.next++ };
  }

  /** Runs `work` unless an earlier transaction of the sequence failed; marks the sequence if it throws. */
  #inSequence<T>(sequence: SequencePosition | null, work: () => T): T {
    if (sequence && sequence.state.failedAt < sequence.position) throw sequenceFailed(sequence.state.cause);
    try {
      return work();
    } catch (error) {
      markFailed(sequence, error);
      throw error;
    }
  }

  async #writeResource(mode: 'add' | 'update' | 'apply', input: ResourceInput, expected: number | null) {
    const content = normalizeResourceInput(input);
    const { value, revision } = await this.#write((txn) =>
      txn.writeResource(mode, content, expected, 'resource'),
    );
    return { resource: value.resource, changed: value.changed, revision };
  }

  /** Runs `work` in its own child transaction of the next group commit; resolves once durable. */
  #write<T>(work: (txn: WriteTxn) => T): Promise<{ value: T; revision: number }> {
    this.#checkOpen();
    if (!this.#disk.check().close) return this.#track(this.#commit(work));
    // Near the free-space floor: one write at a time, each checked against fresh free space.
    const write = this.#nearFloor.then(() => {
      this.#checkOpen();
      this.#disk.check();
      return this.#commit(work);
    });
    this.#nearFloor = write.catch(() => {});
    return this.#track(write);
  }

  async #commit<T>(work: (txn: WriteTxn) => T): Promise<{ value: T; revision: number }> {
    let entry: LogEntry | null = null;
    let result!: { value: T; revision: number };
    try {
      await this.#dbs.env.childTransaction(() => {
        try {
          const txn = this.#newTxn();
          const value = work(txn);
          entry = txn.commit();
          result = { value, revision: txn.revision };
        } catch (error) {
          // Synchronously, before the next write of the same commit encodes anything.
          forgetUnsavedStructures(this.#dbs);
          throw error;
        }
      });
    } catch (error) {
      if (error instanceof StoreError) throw error;
      forgetUnsavedStructures(this.#dbs);
      const cause = await commitFailureOf(error);
      throw isDiskFull(cause) ? new StoreError('STORAGE_FULL', "the store's disk is full") : cause;
    }
    try {
      await this.#dbs.env.flushed;
    } finally {
      // Committed and visible: watchers see it even if the flush failed and the write is not acknowledged.
      if (entry) this.#hub.publish(freezeEntry(entry));
    }
    return result;
  }

  #newTxn(): WriteTxn {
    return new WriteTxn(this.#dbs, this.#terms, this.#registry, this.#maxTraversalNodes);
  }

  /**
   * Runs `work` in a child transaction that is always rolled back: the result is exactly what the
   * write would do, and nothing changes. The revision is the one the work saw.
   */
  async #dryRun<T>(work: (txn: WriteTxn) => T): Promise<{ value: T; revision: number }> {
    this.#checkOpen();
    let result!: { value: T; revision: number };
    try {
      await this.#track(
        this.#dbs.env.childTransaction(() => {
          try {
            const revision = this.#reader.committedRevision();
            result = { value: work(this.#newTxn()), revision };
          } finally {
            forgetUnsavedStructures(this.#dbs);
          }
          throw ROLL_BACK;
        }),
      );
    } catch (error) {
      if (error !== ROLL_BACK) throw await commitFailureOf(error);
    }
    return result;
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    this.#inflight.add(promise);
    const forget = () => this.#inflight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  // --- watches ------------------------------------------------------------------------------------

  watch(options: WatchOptions = {}): Watch<ResourceEvent> {
    this.#checkOpen();
    const query = this.#resourceQuery(options);
    const source = this.#watchSource((entry) => resourceEventsOf(query, entry));
    const maxQueued = this.#maxQueuedOf(options.maxQueuedEvents);
    if (options.initialState) {
      if (options.since !== null && options.since !== undefined) {
        throw badInput('since', 'cannot be combined with initialState');
      }
      return new Watcher(source, { since: 0, maxQueued, initial: this.#initialState(query) });
    }
    return new Watcher(source, { since: this.#since(options.since), maxQueued });
  }

  watchRelationships(options: RelationshipWatchOptions = {}): Watch<RelationshipEvent> {
    this.#checkOpen();
    const pattern = triplePattern(options);
    const source = this.#watchSource((entry) =>
      entry.relationships.filter((c) => matchesPattern(pattern, c.relationship)),
    );
    return new Watcher(source, {
      since: this.#since(options.since),
      maxQueued: this.#maxQueuedOf(options.maxQueuedEvents),
    });
  }

  #watchSource<E>(select: (entry: LogEntry) => E[]) {
    return {
      hub: this.#hub,
      select,
      readLog: (after: number, upTo: number, limit: number) => {
        this.#checkOpen();
        return this.#reader.readLog(after, upTo, limit);
      },
      compactedRevision: () => {
        this.#checkOpen();
        return this.#reader.compactedRevision();
      },
    };
  }

  /** The current matches as ADDED events, read page by page at the first page's snapshot. */
  #initialState(query: ResourceQuery): InitialState<ResourceEvent> {
    let revision = 0;
    const reader = this.#reader;
    const checkOpen = () => this.#checkOpen();
    function* pages(): Generator<ResourceEvent[]> {
      let cursor: string | null = null;
      do {
        checkOpen();
        const page = reader.listResources(query, INITIAL_STATE_PAGE, cursor, null, true) as Page<Resource>;
        revision = page.revision;
        cursor = page.endCursor;
        yield page.items.map((resource) => ({ type: 'ADDED' as const, revision, resource, previous: null }));
      } while (cursor !== null);
    }
    return {
      pages: pages(),
      revision: () => revision,
      synced: (at) => ({ type: 'SYNCED', revision: at, resource: null, previous: null }),
    };
  }

  #since(since: number | null | undefined): number {
    if (since === null || since === undefined) return this.#hub.published;
    if (typeof since !== 'number' || !Number.isSafeInteger(since) || since < 0) {
      throw badInput('since', 'must be a non-negative integer revision');
    }
    const committed = this.#reader.committedRevision();
    if (since > committed)
      throw badInput('since', `revision ${since} is newer than the store (${committed})`);
    const compacted = this.#reader.compactedRevision();
    if (since < compacted) {
      throw new StoreError(
        'REVISION_COMPACTED',
        `revision ${since} is older than the retained log (${compacted})`,
        {
          compactedRevision: compacted,
        },
      );
    }
    return since;
  }

  #atRevision(value: number | null | undefined): number | null {
    if (value === null || value === undefined) return null;
    if (!Number.isSafeInteger(value) || value < 0)
      throw badInput('atRevision', 'must be a non-negative integer');
    const committed = this.#reader.committedRevision();
    if (value > committed)
      throw badInput('atRevision', `revision ${value} is newer than the store (${committed})`);
    return value;
  }

  #maxQueuedOf(value: number | undefined): number {
    if (value === undefined) return this.#maxQueued;
    if (!Number.isSafeInteger(value) || value < 1)
      throw badInput('maxQueuedEvents', 'must be a positive integer');
    return value;
  }

  // --- lifecycle ----------------------------------------------------------------------------------

  storage(): StorageStatus {
    this.#checkOpen();
    return this.#disk.status();
  }

  checkIntegrity(): string[] {
    this.#checkOpen();
    return checkIntegrity(this.#dbs);
  }

  compact(): Promise<number> {
    this.#checkOpen();
    this.#compacting ??= this.#track(compactLog(this.#dbs, this.#retention)).finally(() => {
      this.#compacting = null;
    });
    return this.#compacting;
  }

  #compactInBackground(): void {
    if (this.#closing || this.#compacting) return;
    this.compact().catch(this.#onBackgroundError);
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutDown();
    return this.#closing;
  }

  async #shutDown(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await Promise.allSettled([...this.#inflight]);
    this.#hub.endAll(new StoreError('STORE_CLOSED', 'the store was closed'));
    await this.#dbs.env.close();
    if (this.#temporary) rmSync(this.path, { recursive: true, force: true });
  }

  #checkOpen(): void {
    if (this.#closing) throw new StoreError('STORE_CLOSED', 'the store is closed');
  }

  // --- input ----------------------------------------------------------------------------------------

  #resourceQuery(query: Omit<ListQuery, 'limit' | 'after'>): ResourceQuery {
    const type = query.type ?? {};
    if (!isPlainObject(type)) throw badInput('type', 'must be an object');
    const selector = query.labelSelector ?? '';
    if (typeof selector !== 'string') throw badInput('labelSelector', 'must be a string');
    return {
      group: optionalKeyString(type.group, 'type.group', REF_LIMITS.group),
      version: optionalKeyString(type.version, 'type.version', REF_LIMITS.version),
      kind: optionalKeyString(type.kind, 'type.kind', REF_LIMITS.kind),
      namespace: optionalKeyString(query.namespace, 'namespace', REF_LIMITS.namespace),
      selector: parseLabelSelector(selector),
    };
  }

  #limit(limit: number | null | undefined): number {
    if (limit === null || limit === undefined) return Math.min(DEFAULT_PAGE_SIZE, this.#maxPageSize);
    if (!Number.isSafeInteger(limit) || limit < 0 || limit > this.#maxPageSize) {
      throw badInput('limit', `must be an integer from 0 to ${this.#maxPageSize}`);
    }
    return limit;
  }
}

/** Whether a read decodes payloads: unless `{ data: false }`. */
/** The `passable` option of a walk, checked (undefined when absent). */
function passableOf(options: PathOptions): ((ref: ResourceRef) => boolean) | undefined {
  const { passable } = options;
  if (passable === undefined || passable === null) return undefined;
  if (typeof passable !== 'function') throw badInput('passable', 'must be a function');
  return passable;
}

function withData(options: ReadOptions | undefined): boolean {
  const data = options?.data;
  if (data !== undefined && data !== null && typeof data !== 'boolean')
    throw badInput('data', 'must be a boolean');
  return data !== false;
}

/** Where a transaction sequence stands: its transactions are numbered from 0 as they are called. */
interface SequenceState {
  next: number;
  /** The position of the earliest failed transaction (infinity while none failed), and its error. */
  failedAt: number;
  cause: unknown;
}

/** One transaction's place in its sequence. */
interface SequencePosition {
  readonly state: SequenceState;
  readonly position: number;
}

/** Records that the transaction at `sequence` failed (the earliest failure of a sequence is kept). */
function markFailed(sequence: SequencePosition | null, error: unknown): void {
  if (sequence === null || sequence.state.failedAt <= sequence.position) return;
  sequence.state.failedAt = sequence.position;
  sequence.state.cause = error;
}

/**
 * Freezes what every watcher of an entry shares: the entry, its changes, their resources and
 * relationships with their refs. JSON payloads (`data`, labels) are left as they are — freezing them
 * deeply cost as much as a tenth of a write — and are documented as read-only.
 */
function freezeEntry(entry: LogEntry): LogEntry {
  for (const change of entry.resources) {
    for (const resource of [change.resource, change.previous]) {
      if (resource) Object.freeze(Object.freeze(resource).ref);
    }
    Object.freeze(change);
  }
  for (const change of entry.relationships) {
    for (const relationship of [change.relationship, change.previous]) {
      if (relationship) Object.freeze(relationship);
    }
    Object.freeze(change);
  }
  Object.freeze(entry.resources);
  Object.freeze(entry.relationships);
  return Object.freeze(entry);
}

/** The events one resource watcher sees in a log entry, with label-selector transitions translated. */
function resourceEventsOf(query: ResourceQuery, entry: LogEntry): ResourceEvent[] {
  const events: ResourceEvent[] = [];
  for (const change of entry.resources) {
    const matched =
      change.type !== 'ADDED' && change.previous !== null && matchesQuery(query, change.previous);
    const matches = change.type !== 'DELETED' && matchesQuery(query, change.resource);
    const { revision, resource, previous } = change;
    if (matches) events.push({ type: matched ? 'UPDATED' : 'ADDED', revision, resource, previous });
    else if (matched) events.push({ type: 'DELETED', revision, resource, previous });
  }
  return events;
}
