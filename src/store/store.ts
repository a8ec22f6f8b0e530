/**
 * The store (opened by open.ts): the entry point tying together validation, the write path (txn.ts), the read
 * path (reads.ts), change notification (watch.ts) and log retention (compaction.ts).
 *
 * Writes run as LMDB child transactions: lmdb-js queues every write of an event turn into one shared
 * commit (group commit), while each write's callback still commits or rolls back on its own. A write
 * resolves once its commit is flushed to disk, and only then are its events published.
 */
import { rmSync } from 'node:fs';
import type {
  AddRelationshipsResult,
  DeleteRelationshipsResult,
  StorageStatus,
  Store,
  StoreLimits,
  StoreOptions,
} from './api.ts';
import { CommitQueue } from './commits.ts';
import { compactLog, type Retention, retentionOf } from './compaction.ts';
import { type Databases, Terms } from './db.ts';
import { DiskGuard } from './disk.ts';
import { badInput, StoreError } from './errors.ts';
import { checkIntegrity } from './integrity.ts';
import type { WriterLock } from './lock.ts';
import {
  cursorOf,
  listOf,
  optionalStringList,
  optionalVersion,
  optionsObject,
  propagationOf,
  relationshipContent,
  triplePattern,
} from './operations.ts';
import { passableOf, QueryInput, withData } from './query-input.ts';
import { Reader, sameRef } from './reads.ts';
import { TypeRegistry } from './registry.ts';
import { doneSteps, runSteps, type Steps } from './steps.ts';
import { TripleReader } from './triple-reads.ts';
import { WriteTxn } from './txn.ts';
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
import {
  isPlainObject,
  normalizePatch,
  normalizeRef,
  normalizeResourceInput,
  normalizeUid,
  normalizeVersion,
  optionalKeyString,
  REF_LIMITS,
} from './validate.ts';
import { WalkReader } from './walk-reads.ts';
import { EventHub } from './watch.ts';
import { WatchSources } from './watch-sources.ts';

const DEFAULT_MIN_FREE_DISK_BYTES = 64 * 1024 * 1024;

/** The store over an open LMDB environment (opened by `open.ts`). */
export class LmdbStore implements Store {
  readonly path: string;
  readonly #dbs: Databases;
  readonly #terms: Terms;
  readonly #reader: Reader;
  readonly #triples: TripleReader;
  readonly #walks: WalkReader;
  readonly #registry: TypeRegistry;
  readonly #hub: EventHub;
  readonly #retention: Retention;
  readonly #maxPageSize: number;
  readonly #maxTraversalNodes: number;
  readonly #maxTraversalDepth: number;
  readonly #input: QueryInput;
  readonly #commits: CommitQueue;
  readonly #watches: WatchSources;
  readonly #disk: DiskGuard;
  readonly #temporary: boolean;
  readonly #readOnly: boolean;
  /** The writer lock this store holds (none when read-only or in memory). */
  readonly #lock: WriterLock | null;
  readonly #onBackgroundError: (error: unknown) => void;
  readonly #timer: NodeJS.Timeout | null;
  #compacting: Promise<number> | null = null;
  #closing: Promise<void> | null = null;

  constructor(dbs: Databases, path: string, options: StoreOptions, lock: WriterLock | null) {
    this.path = path;
    this.#lock = lock;
    this.#readOnly = options.readOnly === true;
    this.#dbs = dbs;
    this.#terms = new Terms(dbs);
    this.#reader = new Reader(dbs);
    this.#triples = new TripleReader(dbs, this.#terms, this.#reader);
    this.#walks = new WalkReader(dbs, this.#terms, this.#reader);
    this.#registry = new TypeRegistry(options.types);
    this.#hub = new EventHub(this.#reader.committedRevision());
    this.#retention = retentionOf(options.retention);
    this.#maxPageSize = options.maxPageSize ?? 10_000;
    this.#maxTraversalNodes = options.maxTraversalNodes ?? 10_000;
    this.#maxTraversalDepth = options.maxTraversalDepth ?? 50;
    this.#input = new QueryInput(this.limits, this.#reader, this.#terms);
    const checkOpen = () => this.#checkOpen();
    const checkWritable = () => this.#checkWritable();
    this.#watches = new WatchSources(this.#reader, this.#hub, options.maxQueuedEvents ?? 10_000, checkOpen);
    this.#disk = new DiskGuard(path, options.minFreeDiskBytes ?? DEFAULT_MIN_FREE_DISK_BYTES);
    this.#commits = new CommitQueue({
      dbs,
      hub: this.#hub,
      disk: this.#disk,
      newTxn: () => this.#newTxn(),
      committedRevision: () => this.#reader.committedRevision(),
      checkOpen: checkWritable,
    });
    this.#temporary = options.inMemory === true;
    this.#onBackgroundError = options.onBackgroundError ?? (() => {});
    this.#timer =
      this.#retention.intervalMs > 0 && !this.#readOnly
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
      this.#input.resourceQuery(query),
      this.#input.limit(query.limit),
      cursorOf(query.after),
      this.#input.atRevision(query.atRevision),
      withData(read),
    );
  }

  storedJson(resource: ResourceMetadata): string | null {
    this.#checkOpen();
    return this.#reader.payload(normalizeRef(resource.ref), resource.revision);
  }

  count(query: Omit<ListQuery, keyof PageOptions> = {}): number {
    this.#checkOpen();
    return this.#reader.countResources(this.#input.resourceQuery(query));
  }

  types(): TypeCount[] {
    this.#checkOpen();
    return this.#reader.types();
  }

  relationships(pattern: RelationshipPattern = {}, page: PageOptions = {}): Page<Relationship> {
    this.#checkOpen();
    return this.#triples.listRelationships(
      triplePattern(pattern),
      this.#input.limit(page.limit),
      cursorOf(page.after),
      this.#input.atRevision(page.atRevision),
    );
  }

  relationshipsMany(patterns: readonly RelationshipPattern[], limit = this.#maxPageSize): Relationship[][] {
    this.#checkOpen();
    return this.#triples.relationshipsOf(
      patterns.map((p, i) => triplePattern(p, `patterns[${i}]`)),
      this.#input.limit(limit),
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
    options: TraverseOptions = {},
    read?: ReadOptions,
  ): Page<TraversalStep<ResourceMetadata>> {
    return runSteps(this.traverseSteps(start, options, read));
  }

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
  traverseSteps(
    start: ResourceRefInput,
    traverseOptions: TraverseOptions = {},
    read?: ReadOptions,
  ): Steps<Page<TraversalStep<ResourceMetadata>>> {
    this.#checkOpen();
    const options = optionsObject(traverseOptions);
    const kinds = optionalStringList(options.kinds, 'kinds', (kind, field) =>
      optionalKeyString(kind, field, REF_LIMITS.kind),
    );
    return this.#walks.traverse(
      normalizeRef(start, 'start'),
      this.#input.walkOptions(options),
      kinds && new Set(kinds),
      this.#input.limit(options.limit),
      cursorOf(options.after),
      withData(read),
    );
  }

  shortestPath(
    from: ResourceRefInput,
    to: ResourceRefInput,
    options: PathOptions = {},
  ): Relationship[] | null {
    return runSteps(this.shortestPathSteps(from, to, options));
  }

  shortestPathSteps(
    from: ResourceRefInput,
    to: ResourceRefInput,
    options: PathOptions = {},
  ): Steps<Relationship[] | null> {
    this.#checkOpen();
    if (!isPlainObject(options)) throw badInput('options', 'must be an object');
    const [start, target] = [normalizeRef(from, 'from'), normalizeRef(to, 'to')];
    const walkOptions = this.#input.walkOptions(options);
    // A path to the start itself walks nothing, so no walk asks whether that ref is passable.
    if (sameRef(start, target)) return doneSteps(passableOf(options)?.(target) === false ? null : []);
    return this.#walks.path(start, target, walkOptions);
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
    const { value, revision } = await this.#commits.write((txn) =>
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
    const passable = passableOf(options) ?? null;
    if (dryRun) {
      const { value, revision } = await this.#commits.dryRun((txn) =>
        txn.deleteCascade(target, version, propagation, 'previous', passable),
      );
      return { ...value, revision, dryRun };
    }
    const { value, revision } = await this.#commits.write((txn) =>
      txn.deleteCascade(target, version, propagation, 'deleted', passable),
    );
    return { ...value, revision, dryRun };
  }

  async addRelationships(inputs: readonly RelationshipInput[]): Promise<AddRelationshipsResult> {
    const contents = listOf(inputs, 'relationships').map((input, i) =>
      relationshipContent(input, `relationships[${i}]`),
    );
    const { value, revision } = await this.#commits.write((txn) =>
      contents.map((content, i) => txn.link(content, `relationships[${i}]`).relationship),
    );
    return { relationships: value, revision };
  }

  async deleteRelationships(inputs: readonly RelationshipInput[]): Promise<DeleteRelationshipsResult> {
    const contents = listOf(inputs, 'relationships').map((input, i) =>
      relationshipContent(input, `relationships[${i}]`),
    );
    const { value, revision } = await this.#commits.write(
      (txn) => contents.filter((content) => txn.unlink(content)).length,
    );
    return { deleted: value, revision };
  }

  transaction(
    operations: readonly Operation[],
    options: TransactionOptions = {},
  ): Promise<TransactionResult> {
    return this.#commits.transaction(operations, options);
  }

  load(batch: LoadBatch, options: TransactionOptions = {}): Promise<LoadResult> {
    return this.#commits.load(batch, options);
  }

  async #writeResource(mode: 'add' | 'update' | 'apply', input: ResourceInput, expected: number | null) {
    const content = normalizeResourceInput(input);
    const { value, revision } = await this.#commits.write((txn) =>
      txn.writeResource(mode, content, expected, 'resource'),
    );
    return { resource: value.resource, changed: value.changed, revision };
  }

  #newTxn(): WriteTxn {
    return new WriteTxn(this.#dbs, this.#terms, this.#registry, this.#maxTraversalNodes);
  }

  // --- watches ------------------------------------------------------------------------------------

  watch(options: WatchOptions = {}): Watch<ResourceEvent> {
    this.#checkOpen();
    return this.#watches.resources(this.#input.resourceQuery(options), options);
  }

  watchRelationships(options: RelationshipWatchOptions = {}): Watch<RelationshipEvent> {
    this.#checkOpen();
    return this.#watches.relationships(triplePattern(options), options);
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
    this.#checkWritable();
    this.#compacting ??= this.#commits.track(compactLog(this.#dbs, this.#retention)).finally(() => {
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
    await this.#commits.settled();
    this.#hub.endAll(new StoreError('STORE_CLOSED', 'the store was closed'));
    await this.#dbs.env.close();
    this.#lock?.release();
    if (this.#temporary) rmSync(this.path, { recursive: true, force: true });
  }

  #checkOpen(): void {
    if (this.#closing) throw new StoreError('STORE_CLOSED', 'the store is closed');
  }

  #checkWritable(): void {
    this.#checkOpen();
    if (this.#readOnly) throw new StoreError('READ_ONLY', `the store at ${this.path} was opened read-only`);
  }
}
