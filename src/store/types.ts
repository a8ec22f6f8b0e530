/**
 * Public data model of the store. Nothing here knows about LMDB keys or GraphQL.
 *
 * Revisions are global, strictly increasing integers: one per committed write (a single mutation, a
 * delete with its cascade of relationship removals, or a whole `transaction`). They are JavaScript
 * numbers; they stay exact up to 2^53, which is ~285 years at a million commits per second.
 */

/** A JSON value as stored in `Resource.data` and predicate data. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/**
 * Identifies a resource. The core Kubernetes group is `""`; cluster-scoped resources have namespace `""`.
 */
export interface ResourceRef {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** A ref as accepted from callers: group and namespace default to `""`. */
export interface ResourceRefInput {
  readonly group?: string | null | undefined;
  readonly version: string;
  readonly kind: string;
  readonly namespace?: string | null | undefined;
  readonly name: string;
}

/** Any subset of group/version/kind; an omitted part matches every value. */
export interface TypeFilter {
  readonly group?: string | null | undefined;
  readonly version?: string | null | undefined;
  readonly kind?: string | null | undefined;
}

/**
 * A stored resource without its payload: what reads with `{ data: false }` return (see
 * {@link ReadOptions}). Objects returned by the store are fresh copies: callers may mutate them.
 */
export interface ResourceMetadata {
  ref: ResourceRef;
  uid: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** A type URL for `data`, like a protobuf `Any` (`k8s.io/api/core/v1.Pod`); null when untyped. */
  dataType: string | null;
  /** ISO-8601 timestamps. */
  createdAt: string;
  updatedAt: string;
  /** Set only on the final state carried by a DELETED event. */
  deletedAt: string | null;
  /** Per-resource version: 1 on creation, +1 on every change. */
  version: number;
  /** Global revision of the commit that last changed this resource. */
  revision: number;
}

/** A stored resource with its payload. Objects returned by the store are fresh copies: callers may mutate them. */
export interface Resource extends ResourceMetadata {
  data: JsonValue;
}

/** What a read decodes of each resource. */
export interface ReadOptions {
  /**
   * `false` reads each resource's metadata alone ({@link ResourceMetadata}): its payload is neither
   * read nor parsed — for a listing, most of the cost — and `Store.storedJson` reads it when wanted.
   * Default true.
   */
  readonly data?: boolean | null | undefined;
}

/**
 * The read options of a read of metadata alone; reads are overloaded on it. (A paging loop that feeds
 * a page's cursor into the next call must then name the page's type: `const page: Page<Resource>`.)
 */
export type MetadataOnly = { readonly data: false };

/** What a caller writes for a resource. Omitted fields are empty (`update` and `apply` replace). */
export interface ResourceInput {
  readonly ref: ResourceRefInput;
  /** Generated (a UUID) when omitted on creation; immutable afterwards. */
  readonly uid?: string | null | undefined;
  readonly labels?: Readonly<Record<string, string>> | null | undefined;
  readonly annotations?: Readonly<Record<string, string>> | null | undefined;
  readonly data?: JsonValue | undefined;
  readonly dataType?: string | null | undefined;
}

/**
 * A JSON Merge Patch (RFC 7386) of a resource's document `{ labels, annotations, dataType, data }`:
 * each member given is merged into the stored one, a null member removes that key (a label, an
 * annotation, a field of `data`; `data: null` and `dataType: null` clear them), and members left out
 * stay as they are. The patched resource must still be valid (labels, annotations, the kind's schema).
 */
export interface ResourcePatch {
  readonly labels?: Readonly<Record<string, string | null>> | null | undefined;
  readonly annotations?: Readonly<Record<string, string | null>> | null | undefined;
  readonly dataType?: string | null | undefined;
  readonly data?: JsonValue | undefined;
}

/** The typed edge label of a triplet. `data` is validated when the type has a registered schema. */
export interface Predicate {
  type: string;
  data: JsonObject | null;
}

/** A stored triplet. Its identity is (subject, predicate.type, object). */
export interface Relationship {
  subject: ResourceRef;
  predicate: Predicate;
  object: ResourceRef;
  createdAt: string;
  updatedAt: string;
  revision: number;
}

export interface RelationshipInput {
  readonly subject: ResourceRefInput;
  readonly predicate: { readonly type: string; readonly data?: JsonObject | null | undefined };
  readonly object: ResourceRefInput;
}

/** A relationship pattern: each bound term narrows the match; none bound matches every triplet. */
export interface RelationshipPattern {
  readonly subject?: ResourceRefInput | null | undefined;
  readonly predicateType?: string | null | undefined;
  readonly object?: ResourceRefInput | null | undefined;
}

/** Paging for listings. `after` is an opaque cursor from a previous page. */
export interface PageOptions {
  /** Maximum items on the page (default 100, at most `maxPageSize`). */
  readonly limit?: number | null | undefined;
  readonly after?: string | null | undefined;
  /**
   * Read the listing as it was at this revision (at least the compacted revision, else
   * REVISION_COMPACTED). Later pages follow their cursor's revision.
   */
  readonly atRevision?: number | null | undefined;
}

export interface ListQuery extends PageOptions {
  readonly type?: TypeFilter | null | undefined;
  readonly namespace?: string | null | undefined;
  /** Kubernetes selector syntax: `a=b, c!=d, e in (x,y), f notin (z), g, !h`. */
  readonly labelSelector?: string | null | undefined;
}

/** One page of a listing, read at one snapshot. */
export interface Page<T> {
  items: T[];
  /** The cursor of `items[index]` (made on demand). */
  cursorAt(index: number): string;
  /** Cursor to pass as `after` for the next page; null on the last page. */
  endCursor: string | null;
  hasNextPage: boolean;
  /** The revision the page was read at; every page of one listing is read at the first page's revision. */
  revision: number;
}

/** One write inside {@link Store.transaction}. */
export type Operation =
  | { readonly op: 'add'; readonly resource: ResourceInput }
  | { readonly op: 'update'; readonly resource: ResourceInput; readonly expectedVersion: number }
  | { readonly op: 'apply'; readonly resource: ResourceInput; readonly expectedVersion?: number | null }
  | {
      readonly op: 'patch';
      readonly ref: ResourceRefInput;
      readonly patch: ResourcePatch;
      readonly expectedVersion?: number | null;
    }
  | {
      readonly op: 'delete';
      readonly ref: ResourceRefInput;
      readonly expectedVersion?: number | null;
      readonly propagation?: DeletePropagation | null;
    }
  | { readonly op: 'addRelationship'; readonly relationship: RelationshipInput }
  | { readonly op: 'deleteRelationship'; readonly relationship: RelationshipInput };

/** The effect of one operation of a transaction, in order. */
export type OperationResult =
  | { op: 'add' | 'update' | 'apply' | 'patch'; resource: Resource; changed: boolean }
  | { op: 'delete'; deleted: Resource; dependents: Resource[]; removedRelationships: Relationship[] }
  | { op: 'addRelationship'; relationship: Relationship; changed: boolean }
  | { op: 'deleteRelationship'; deleted: boolean };

/**
 * What a view that decorates a store lets a cascading delete remove (an authorizing view passes what
 * its caller may see and delete); GraphQL arguments never set it.
 */
export interface CascadeOptions {
  /**
   * The dependents a cascading delete may remove. One for which it is false is neither deleted nor
   * walked through: it stays, as if it had another live owner, and so do the dependents it owns
   * (unless another deleted owner reaches them). Asked once per dependent met; the deleted resource
   * itself is not asked about.
   */
  readonly passable?: ((ref: ResourceRef) => boolean) | null | undefined;
}

/** Options of {@link Store.transaction}; `passable` applies to each cascading delete of it. */
export interface TransactionOptions extends CascadeOptions {
  /**
   * Ties transactions that are queued back to back, without awaiting each other, into one ordered
   * sequence (any object serves as one; the store remembers it weakly): once one of them fails, every
   * later transaction of the same sequence fails too and writes nothing, while the earlier ones stay
   * committed. Lets a bulk writer keep several transactions in flight and still stop at the first
   * failure, as if it had awaited each before queuing the next. (A failed commit — a full disk — is
   * known only once it returns; later transactions of the sequence already committed by then stay.)
   */
  readonly sequence?: object;
}

export interface TransactionResult {
  results: OperationResult[];
  /** The commit's revision; the current revision when nothing changed. */
  revision: number;
}

/**
 * A batch of {@link Store.load}: resources to apply (each created, or replaced when its content
 * differs, without a version precondition) and relationships to add (or whose data to update).
 */
export interface LoadBatch {
  readonly resources?: readonly ResourceInput[];
  readonly relationships?: readonly RelationshipInput[];
}

/** What a {@link Store.load} changed. */
export interface LoadResult {
  /** The commit's revision; the current revision when nothing changed. */
  revision: number;
  /** Resources of the batch created or replaced (the others were stored as they are). */
  changedResources: number;
  /** Relationships of the batch added or given new data. */
  changedRelationships: number;
}

export interface DeleteResult {
  /** The resource asked for, in its final state (`deletedAt` set). */
  deleted: Resource;
  /** Dependents removed by a cascading delete, in the order they were deleted (empty for ORPHAN). */
  dependents: Resource[];
  /** Relationships removed with them (where a deleted resource was subject or object). */
  removedRelationships: Relationship[];
  /** The commit's revision; for a dry run, the revision the plan was computed at. */
  revision: number;
  /** True when nothing was deleted because the call was a dry run. */
  dryRun: boolean;
}

/**
 * Kubernetes deletion propagation over OwnerReference edges. ORPHAN deletes only the resource (and
 * its edges). BACKGROUND and FOREGROUND also delete every transitive dependent that has no other live
 * owner, in the same commit; BACKGROUND deletes (and emits events for) the owner first, FOREGROUND the
 * deepest dependents first.
 */
export type DeletePropagation = 'ORPHAN' | 'BACKGROUND' | 'FOREGROUND';

export interface DeleteOptions extends CascadeOptions {
  readonly propagation?: DeletePropagation | null | undefined;
  /** Compute what would be deleted and change nothing. */
  readonly dryRun?: boolean | null | undefined;
}

/** Which edges a traversal follows from a node. */
export type Direction = 'OUTGOING' | 'INCOMING' | 'BOTH';

/**
 * A filter of the graph a walk sees, for views that decorate a store (an authorizing view passes the
 * resources its caller may see); GraphQL arguments never set it.
 */
export interface PassableOptions {
  /**
   * The refs a walk may enter. One for which it is false is neither reported nor walked through, so
   * what is reachable only through it is not reached either; from a start for which it is false
   * nothing is reached, and a path to or from such a ref is null. It is asked about each ref a walk
   * meets, once, dangling refs included. Every page of a traversal walks again: give the same
   * predicate for every page, since a cursor is a position in the walk the predicate shapes. The
   * node limit counts only the refs entered.
   */
  readonly passable?: ((ref: ResourceRef) => boolean) | null | undefined;
}

export interface TraverseOptions extends PageOptions, PassableOptions {
  readonly direction?: Direction | null | undefined;
  /** Predicate types to follow (default: every type). */
  readonly predicates?: readonly string[] | null | undefined;
  /** Only report resources of these kinds (the walk still passes through every kind). */
  readonly kinds?: readonly string[] | null | undefined;
  /** Hops from the start (default 10, at most the store's `maxTraversalDepth`). */
  readonly maxDepth?: number | null | undefined;
}

/** One resource reached by a traversal (`R`: metadata alone when walked with `{ data: false }`). */
export interface TraversalStep<R extends ResourceMetadata = Resource> {
  ref: ResourceRef;
  /** Null for a dangling ref: an edge names it but it is not stored. */
  resource: R | null;
  /** Hops from the start. */
  depth: number;
  /** The relationship that first reached it. */
  via: Relationship;
}

export interface PathOptions extends PassableOptions {
  readonly direction?: Direction | null | undefined;
  readonly predicates?: readonly string[] | null | undefined;
  readonly maxDepth?: number | null | undefined;
}

/** The result of a write that may have been a no-op. */
export interface WriteResult {
  resource: Resource;
  /** False when the write changed nothing: no new version, no revision, no event. */
  changed: boolean;
  revision: number;
}

export type ChangeType = 'ADDED' | 'UPDATED' | 'DELETED';

/** A committed change to one resource, as stored in the change log. */
export interface ResourceChange {
  type: ChangeType;
  revision: number;
  /** New state; for DELETED, the final state with `deletedAt` set. */
  resource: Resource;
  /** State before the change (UPDATED, DELETED); null for ADDED. */
  previous: Resource | null;
}

/** A committed change to one relationship, as stored in the change log. */
export interface RelationshipChange {
  type: ChangeType;
  revision: number;
  relationship: Relationship;
  previous: Relationship | null;
}

/**
 * An event delivered to a resource watcher. Label-selector transitions are translated per watcher: a
 * resource that starts matching arrives as ADDED, one that stops matching as DELETED (with `resource`
 * its new state and `previous` the last state that matched).
 *
 * Events are shared by every watcher that receives them: they and their resources are frozen, and
 * their JSON payloads (`labels`, `annotations`, `data`) must be treated as read-only.
 */
export type ResourceEvent =
  | { type: ChangeType; revision: number; resource: Resource; previous: Resource | null }
  | { type: 'SYNCED'; revision: number; resource: null; previous: null };

export type RelationshipEvent = RelationshipChange;

export interface WatchOptions {
  readonly type?: TypeFilter | null | undefined;
  readonly namespace?: string | null | undefined;
  readonly labelSelector?: string | null | undefined;
  /** Replay every matching change after this revision, then continue live. */
  readonly since?: number | null | undefined;
  /** First yield ADDED for every current match, then SYNCED, then live changes. */
  readonly initialState?: boolean | null | undefined;
  /** Events that may wait undelivered before the watcher ends with SLOW_CONSUMER. */
  readonly maxQueuedEvents?: number | undefined;
}

export interface RelationshipWatchOptions {
  readonly subject?: ResourceRefInput | null | undefined;
  readonly object?: ResourceRefInput | null | undefined;
  readonly predicateType?: string | null | undefined;
  readonly since?: number | null | undefined;
  readonly maxQueuedEvents?: number | undefined;
}

/**
 * A live stream of events. Iterate it with `for await`; `return()` (or `break`) unsubscribes and frees
 * everything. It ends with a `StoreError` whose code is SLOW_CONSUMER when the consumer falls behind,
 * or REVISION_COMPACTED when `since` is older than the retained log.
 */
export interface Watch<T> extends AsyncIterableIterator<T> {
  /** Last revision whose events were all delivered to the consumer. */
  readonly lastRevision: number;
  return(): Promise<IteratorResult<T, undefined>>;
}

/** Count of stored resources of one group/version/kind. */
export interface TypeCount {
  group: string;
  version: string;
  kind: string;
  count: number;
}
