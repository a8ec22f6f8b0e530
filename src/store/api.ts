/**
 * The store's API: the `Store` interface, how a store is opened and bounded, and what its writes of
 * relationships return. The data model it speaks is in types.ts.
 */

import type { Steps } from './steps.ts';
import type {
  DeleteOptions,
  DeleteResult,
  ListQuery,
  LoadBatch,
  LoadResult,
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
  ResourceRefInput,
  TransactionOptions,
  TransactionResult,
  TraversalStep,
  TraverseOptions,
  TypeCount,
  Watch,
  WatchOptions,
  WriteResult,
} from './types.ts';

/** JSON Schemas that validate `data` of resources of a kind and of predicates of a type. */
export interface TypeRegistration {
  /** Resource schemas, matched by group and kind (and version, when given). */
  readonly resources?: ReadonlyArray<{
    readonly group?: string;
    readonly version?: string;
    readonly kind: string;
    readonly schema: object;
  }>;
  /** Predicate schemas by predicate type. */
  readonly predicates?: ReadonlyArray<{ readonly type: string; readonly schema: object }>;
}

export interface RetentionOptions {
  /** Keep at least this many of the newest revisions in the change log (default 100,000). */
  readonly minRevisions?: number;
  /** Keep every revision younger than this many milliseconds (default one hour). */
  readonly minAgeMs?: number;
  /** How often compaction runs, in milliseconds (default 30 s); 0 disables the timer. */
  readonly intervalMs?: number;
}

/** Free space of the store's file system, as the store last read it. */
export interface StorageStatus {
  /** Bytes available to the store's process. */
  readonly freeBytes: number;
  /** Writes fail with STORAGE_FULL below this many free bytes. */
  readonly minFreeBytes: number;
  /** True while writes are refused. */
  readonly full: boolean;
}

export interface StoreOptions {
  /** Directory of the LMDB environment (created if missing). */
  readonly path?: string;
  /** Use a temporary directory, removed on close. */
  readonly inMemory?: boolean;
  readonly types?: TypeRegistration;
  readonly retention?: RetentionOptions;
  /** Largest page a listing returns (default 10,000). */
  readonly maxPageSize?: number;
  /** A traversal that reaches more nodes than this fails with LIMIT_EXCEEDED (default 10,000). */
  readonly maxTraversalNodes?: number;
  /** Largest `maxDepth` a traversal may ask for (default 50). */
  readonly maxTraversalDepth?: number;
  /** Default bound of a watcher's queue (default 10,000 events). */
  readonly maxQueuedEvents?: number;
  /**
   * Writes fail with STORAGE_FULL while the store's file system has fewer free bytes than this
   * (default 64 MiB), so LMDB never runs out of disk mid-commit. Reads keep working.
   */
  readonly minFreeDiskBytes?: number;
  /** LMDB map size in bytes (lmdb's default when omitted; the file grows as needed). */
  readonly mapSize?: number;
  /**
   * Opens the store for reading alone, beside the process that writes it (`export` of a store a
   * server is using): no writer lock is taken, the log is never compacted, and writes fail with
   * READ_ONLY. Each read sees what was committed when it started; watches see no later writes (their
   * events belong to the writing process). A store of an older format is refused (READ_ONLY): open
   * it for writing once to migrate it. Without it, opening a store takes its writer lock: while
   * another live process holds it, `openStore` fails with STORE_LOCKED naming that process.
   */
  readonly readOnly?: boolean;
  /** Called with failures of background work (log compaction); ignored by default. */
  readonly onBackgroundError?: (error: unknown) => void;
}

/** The bounds a store was opened with (see {@link StoreOptions}), for views that walk it themselves. */
export interface StoreLimits {
  /** Largest page a listing returns. */
  readonly maxPageSize: number;
  /** A traversal that reaches more nodes than this fails with LIMIT_EXCEEDED. */
  readonly maxTraversalNodes: number;
  /** Largest `maxDepth` a traversal or path may ask for. */
  readonly maxTraversalDepth: number;
}

/** The result of `addRelationships`. */
export interface AddRelationshipsResult {
  relationships: Relationship[];
  revision: number;
}

/** The result of `deleteRelationships`. */
export interface DeleteRelationshipsResult {
  /** How many of the given relationships existed and were removed. */
  deleted: number;
  revision: number;
}

/**
 * The store. Reads are synchronous (LMDB is memory-mapped: a read never waits for I/O, and awaiting
 * a read works as well); writes are asynchronous and resolve once their commit is durable. Concurrent
 * writes share commits. Every error the store throws on purpose is a {@link StoreError}.
 */
export interface Store {
  /** Directory of the environment. */
  readonly path: string;
  /** The newest revision whose events have been published (every write acknowledged so far). */
  readonly revision: number;
  /** Oldest revision a watcher or a cursor may resume from. */
  readonly compactedRevision: number;
  /** The page and traversal bounds it was opened with. */
  readonly limits: StoreLimits;

  get(ref: ResourceRefInput, read: MetadataOnly): ResourceMetadata | null;
  get(ref: ResourceRefInput, read?: ReadOptions): Resource | null;
  getByUid(uid: string, read: MetadataOnly): ResourceMetadata | null;
  getByUid(uid: string, read?: ReadOptions): Resource | null;
  /** Point reads of many refs at one snapshot, in order. */
  getMany(refs: readonly ResourceRefInput[], read: MetadataOnly): (ResourceMetadata | null)[];
  getMany(refs: readonly ResourceRefInput[], read?: ReadOptions): (Resource | null)[];
  list(query: ListQuery, read: MetadataOnly): Page<ResourceMetadata>;
  list(query?: ListQuery, read?: ReadOptions): Page<Resource>;
  /**
   * The JSON text of the payload of a resource a read returned (`get`, `list`, `traverse`, ...), as
   * stored: exactly `JSON.stringify(data)` (`"null"` for null data). It is found by the resource's ref
   * and revision, so it is not for the states events and write results carry (they hold their data):
   * several states of one commit share a revision. REVISION_COMPACTED once the log no longer holds the
   * state. Null from a view that does not show the resource (an authorized store).
   */
  storedJson(resource: ResourceMetadata): string | null;
  /** Number of current resources matching the query (ignores paging). */
  count(query?: Omit<ListQuery, 'limit' | 'after'>): number;
  /** Every stored group/version/kind with its number of resources. */
  types(): TypeCount[];
  relationships(pattern?: RelationshipPattern, page?: PageOptions): Page<Relationship>;
  /** Relationships of many patterns at one snapshot, each unpaged up to `limit` (for batched loads). */
  relationshipsMany(patterns: readonly RelationshipPattern[], limit?: number): Relationship[][];
  /**
   * Breadth-first walk from `start`: each distinct reachable resource once with its depth and the
   * edge that first reached it, in a stable order, paged. Cycle-safe; bounded by `maxDepth` and the
   * store's node limit (LIMIT_EXCEEDED). Every page walks the graph as it was at the first page's
   * revision; `passable` narrows the graph walked.
   */
  traverse(
    start: ResourceRefInput,
    options: TraverseOptions,
    read: MetadataOnly,
  ): Page<TraversalStep<ResourceMetadata>>;
  traverse(start: ResourceRefInput, options?: TraverseOptions, read?: ReadOptions): Page<TraversalStep>;
  /**
   * `traverse` as resumable work (steps.ts): it yields after each resource whose edges it has read,
   * and returns the page. A caller that must not hold the thread for a whole walk runs it a few steps
   * at a time; writes committed meanwhile do not show in it (it reads the graph as it was at its first
   * step). Its arguments are checked when it is called; a failure of the walk is thrown by a step.
   */
  traverseSteps(
    start: ResourceRefInput,
    options: TraverseOptions,
    read: MetadataOnly,
  ): Steps<Page<TraversalStep<ResourceMetadata>>>;
  traverseSteps(
    start: ResourceRefInput,
    options?: TraverseOptions,
    read?: ReadOptions,
  ): Steps<Page<TraversalStep>>;
  /**
   * A shortest path of relationships from `from` to `to`; [] when they are equal, null when
   * unreachable (through the refs `passable` lets it enter, when given).
   */
  shortestPath(from: ResourceRefInput, to: ResourceRefInput, options?: PathOptions): Relationship[] | null;
  /** `shortestPath` as resumable work, as {@link Store.traverseSteps}. */
  shortestPathSteps(
    from: ResourceRefInput,
    to: ResourceRefInput,
    options?: PathOptions,
  ): Steps<Relationship[] | null>;

  add(input: ResourceInput): Promise<WriteResult>;
  update(input: ResourceInput, expectedVersion: number): Promise<WriteResult>;
  apply(input: ResourceInput, expectedVersion?: number | null): Promise<WriteResult>;
  /** Merges a patch into a stored resource (NOT_FOUND when absent), at `expectedVersion` when given. */
  patch(ref: ResourceRefInput, patch: ResourcePatch, expectedVersion?: number | null): Promise<WriteResult>;
  delete(
    ref: ResourceRefInput,
    expectedVersion?: number | null,
    options?: DeleteOptions,
  ): Promise<DeleteResult>;
  addRelationships(inputs: readonly RelationshipInput[]): Promise<AddRelationshipsResult>;
  deleteRelationships(inputs: readonly RelationshipInput[]): Promise<DeleteRelationshipsResult>;
  /**
   * Runs the operations as one atomic write (all or nothing, one revision); resolves once durable.
   * Transactions are applied in the order they are called.
   */
  transaction(operations: readonly Operation[], options?: TransactionOptions): Promise<TransactionResult>;
  /**
   * Writes a batch the way large imports need it: as one atomic write at one revision, like a
   * `transaction` of `apply` operations followed by `addRelationship` operations, but sorted into key
   * order, with the data stored as checked JSON text and never copied, and the results counted
   * instead of returned. Watchers and the log see its changes as they see any write's. A failed batch
   * writes nothing; in a sequence (`options.sequence`), later batches then write nothing either.
   */
  load(batch: LoadBatch, options?: TransactionOptions): Promise<LoadResult>;

  watch(options?: WatchOptions): Watch<ResourceEvent>;
  watchRelationships(options?: RelationshipWatchOptions): Watch<RelationshipEvent>;

  /** Free space of the store's disk and whether writes are refused for lack of it. */
  storage(): StorageStatus;
  /**
   * Recomputes every index from the primary data and returns each inconsistency found (none when the
   * store is sound). Reads the whole store: for tests and maintenance, not request paths.
   */
  checkIntegrity(): string[];
  /** Runs log compaction now; resolves to the number of revisions removed. */
  compact(): Promise<number>;
  /** Idempotent: waits for in-flight writes, ends watchers, closes LMDB. */
  close(): Promise<void>;
}
