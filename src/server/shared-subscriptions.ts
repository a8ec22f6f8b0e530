/**
 * Shared subscriptions: websocket subscribers of the same live subscription — the same query text,
 * operation name and variables, under the same permission scope — share one source execution. The
 * first one's operation runs through the pipeline as usual (one store watch, each event executed
 * once); every result goes to each subscriber's own bounded queue ({@link SharedSubscriber}) and is
 * serialized once ({@link SharedSubscriptions.payloadOf}). The source ends when its last subscriber
 * leaves. A subscriber gets only the events of revisions after the one current when it joined.
 *
 * Operations that replay (`since`) or start with the current state (`initialState`) are not shared:
 * what they receive depends on when they start.
 */
import {
  type ExecutionArgs,
  type ExecutionResult,
  GraphQLError,
  getArgumentValues,
  getOperationAST,
  Kind,
} from 'graphql';
import type { SchemaContext } from '../schema/index.ts';
import type { Store, Watch } from '../store/index.ts';
import { type SharedItem, SharedSubscriber } from './shared-subscriber.ts';

/** The subscribe function of an operation's pipeline. */
type Subscribe = (
  args: ExecutionArgs,
) =>
  | Promise<AsyncIterable<ExecutionResult> | ExecutionResult>
  | AsyncIterable<ExecutionResult>
  | ExecutionResult;

/** What a subscribe message asks for. */
interface OperationPayload {
  readonly query: string;
  readonly operationName?: string | null | undefined;
  readonly variables?: Readonly<Record<string, unknown>> | null | undefined;
}

/** JSON with object keys sorted, so equal variables give equal keys. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const entries = Object.keys(value)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(',')}}`;
}

/** Whether the operation is a live subscription: one root field, neither `since` nor `initialState`. */
function isLive(args: ExecutionArgs): boolean {
  const operation = getOperationAST(args.document, args.operationName);
  const root = args.schema.getSubscriptionType();
  const selections = operation?.selectionSet.selections ?? [];
  const [field] = selections;
  if (operation?.operation !== 'subscription' || !root || selections.length !== 1) return false;
  if (field?.kind !== Kind.FIELD || (field.directives?.length ?? 0) > 0) return false;
  const definition = root.getFields()[field.name.value];
  if (!definition) return false;
  try {
    const values = getArgumentValues(definition, field, args.variableValues ?? undefined);
    return (values.since ?? null) === null && values.initialState !== true;
  } catch {
    return false;
  }
}

/**
 * The key under which `args` may share a source with other operations, or null when it may not.
 * `scope` names the permissions it runs with (subscribers in one scope see the same events).
 */
export function shareKeyOf(args: ExecutionArgs, payload: OperationPayload, scope: string): string | null {
  if (!isLive(args)) return null;
  return canonicalJson([scope, payload.query, payload.operationName ?? null, payload.variables ?? null]);
}

/** Follows the revision of each event the source's watch yields. */
class RevisionTracker {
  events = 0;
  revision = 0;
  completes = false;

  /** `context` whose store's watches report to this tracker. */
  contextOf(context: SchemaContext): SchemaContext {
    const track = <E extends { revision: number }>(watch: Watch<E>): Watch<E> => {
      const tracked: Watch<E> = {
        [Symbol.asyncIterator]: () => tracked,
        get lastRevision() {
          return watch.lastRevision;
        },
        next: async () => {
          const result = await watch.next();
          if (!result.done) this.#saw(result.value.revision, watch.lastRevision >= result.value.revision);
          return result;
        },
        return: () => watch.return(),
        throw: (error?: unknown) => (watch.throw ? watch.throw(error) : watch.return()),
      };
      return tracked;
    };
    const { store } = context;
    const overrides: Partial<Store> = {
      watch: (options) => track(store.watch(options)),
      watchRelationships: (options) => track(store.watchRelationships(options)),
    };
    const view = new Proxy(store, {
      get(target, key) {
        if (Object.hasOwn(overrides, key)) return overrides[key as keyof Store];
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    return { ...context, store: view };
  }

  #saw(revision: number, completes: boolean): void {
    this.events++;
    this.revision = revision;
    this.completes = completes;
  }
}

/** Options of {@link SharedSubscriptions}. */
export interface SharedSubscriptionsOptions {
  /** Results one subscriber may have waiting; past it, it is ended with SLOW_CONSUMER. */
  readonly maxQueued: number;
  /** The store's newest published revision. */
  readonly revision: () => number;
  /** Called when a subscriber is ended for falling behind. */
  readonly onSlowConsumer?: () => void;
}

/** One source execution and its subscribers. */
class SharedSource {
  readonly subscribers = new Set<SharedSubscriber>();
  readonly #tracker = new RevisionTracker();
  readonly #release: () => void;
  readonly #broadcast: (result: ExecutionResult) => void;
  #iterator: AsyncIterator<ExecutionResult> | null = null;
  #closed = false;
  /** Resolves once the operation runs: to null while it streams, to its only result otherwise. */
  readonly started: Promise<ExecutionResult | null>;

  constructor(
    subscribe: Subscribe,
    args: ExecutionArgs,
    hooks: { release: () => void; broadcast: (result: ExecutionResult) => void },
  ) {
    this.#release = hooks.release;
    this.#broadcast = hooks.broadcast;
    const contextValue = this.#tracker.contextOf(args.contextValue as SchemaContext);
    this.started = this.#start(subscribe, { ...args, contextValue });
  }

  /** Removes a subscriber; the last one to leave ends the source. */
  leave(subscriber: SharedSubscriber): void {
    if (!this.subscribers.delete(subscriber) || this.subscribers.size > 0) return;
    this.#close();
  }

  async #start(subscribe: Subscribe, args: ExecutionArgs): Promise<ExecutionResult | null> {
    try {
      const result = await subscribe(args);
      if (!(Symbol.asyncIterator in result)) {
        this.#close();
        return result;
      }
      this.#iterator = result[Symbol.asyncIterator]();
      if (this.subscribers.size === 0) this.#close();
      else void this.#pump(this.#iterator);
      return null;
    } catch (error) {
      this.#close();
      throw error;
    }
  }

  async #pump(iterator: AsyncIterator<ExecutionResult>): Promise<void> {
    let last: SharedItem | null = null;
    let failure: unknown = null;
    try {
      for (;;) {
        const seen = this.#tracker.events;
        const step = await iterator.next();
        if (step.done) break;
        this.#broadcast(step.value);
        if (this.#tracker.events === seen) {
          // Not an event: the stream's last item, the error that ended its watch.
          last = { result: step.value, revision: 0, completes: true };
          continue;
        }
        const { revision, completes } = this.#tracker;
        for (const subscriber of this.subscribers)
          subscriber.offer({ result: step.value, revision, completes });
      }
    } catch (error) {
      failure = error instanceof GraphQLError ? error : new GraphQLError('Unexpected error.');
    }
    this.#close();
    for (const subscriber of this.subscribers) subscriber.finish(last, failure);
    this.subscribers.clear();
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#release();
    void this.#iterator?.return?.();
  }
}

/** The shared subscriptions of one websocket endpoint. */
export class SharedSubscriptions {
  readonly #options: SharedSubscriptionsOptions;
  readonly #sources = new Map<string, SharedSource>();
  readonly #payloads = new WeakMap<ExecutionResult, Buffer | null>();

  constructor(options: SharedSubscriptionsOptions) {
    this.#options = options;
  }

  /** Sources running, and the subscribers they serve. */
  stats(): { sources: number; subscribers: number } {
    let subscribers = 0;
    for (const source of this.#sources.values()) subscribers += source.subscribers.size;
    return { sources: this.#sources.size, subscribers };
  }

  /**
   * Subscribes `args` (an operation whose key is `key`) to the source of its key, starting the
   * source through `subscribe` when there is none. Resolves to the subscriber's stream, or to the
   * operation's only result when it did not start streaming.
   */
  async join(
    key: string,
    args: ExecutionArgs,
    subscribe: Subscribe,
  ): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
    let source = this.#sources.get(key);
    if (!source) {
      const created: SharedSource = new SharedSource(subscribe, args, {
        release: () => {
          if (this.#sources.get(key) === created) this.#sources.delete(key);
        },
        broadcast: (result) => this.#payloads.set(result, null),
      });
      source = created;
      this.#sources.set(key, source);
    }
    const joined = source;
    const subscriber = new SharedSubscriber({
      args,
      joinedAt: this.#options.revision(),
      maxQueued: this.#options.maxQueued,
      leave: (one) => joined.leave(one),
      onSlow: () => this.#options.onSlowConsumer?.(),
    });
    joined.subscribers.add(subscriber);
    const only = await joined.started.catch((error: unknown) => {
      joined.subscribers.delete(subscriber);
      throw error;
    });
    if (only === null) return subscriber;
    joined.subscribers.delete(subscriber);
    return only;
  }

  /**
   * The JSON of a result a source produced, serialized once for every subscriber as graphql-ws
   * would (errors in their `toJSON` form); null for any other result.
   */
  payloadOf(result: ExecutionResult): Buffer | null {
    const cached = this.#payloads.get(result);
    if (cached !== null) return cached ?? null;
    const { errors, ...rest } = result;
    const payload = errors ? { ...rest, errors: errors.map((error) => error.toJSON()) } : rest;
    const json = Buffer.from(JSON.stringify(payload));
    this.#payloads.set(result, json);
    return json;
  }
}
