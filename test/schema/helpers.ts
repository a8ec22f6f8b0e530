/**
 * End-to-end helpers: a real server on a free port over an in-memory store, an HTTP client (fetch) and
 * a websocket client (graphql-ws over `ws`).
 */
import { Writable } from 'node:stream';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type DocumentNode, print } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import { pino } from 'pino';
import WebSocket from 'ws';
import { type App, type AppConfig, createApp, DEFAULT_LIMITS } from '../../src/server/index.ts';
import { openStore, type ReadOptions, type Store, type StoreOptions } from '../../src/store/index.ts';

/** A GraphQL error as it arrives over the wire. */
export interface WireError {
  message: string;
  path?: (string | number)[];
  extensions?: Record<string, unknown>;
}

/** A GraphQL response as it arrives over the wire. */
export interface Response<T> {
  data?: T | null;
  errors?: WireError[];
}

/** The `extensions` of an answer whose operation cost `requested`, under the default cost limit. */
export function costExtensions(requested: number) {
  return { cost: { requested, limit: DEFAULT_LIMITS.maxCost } };
}

/** A running server and clients for it. */
export interface TestServer {
  readonly app: App;
  readonly store: Store;
  readonly url: string;
  readonly wsUrl: string;
  /** POSTs an operation and returns the decoded response. */
  request<T, V>(document: TypedDocumentNode<T, V> | string, variables?: V): Promise<Response<T>>;
  /** POSTs an operation and returns its data, failing on any error. */
  data<T, V>(document: TypedDocumentNode<T, V>, variables?: V): Promise<T>;
  /** A connected websocket client; closed with the server. */
  connect(): Client;
  /** Stops the server, closes the clients and the store. */
  close(): Promise<void>;
}

/** Starts a server on port 0 over `store` (default: a fresh in-memory store, closed with the server). */
export async function startServer(
  options: { store?: Store; storeOptions?: StoreOptions; app?: Partial<AppConfig> } = {},
): Promise<TestServer> {
  const store = options.store ?? (await openStore({ inMemory: true, ...options.storeOptions }));
  const app = createApp({ store, port: 0, logging: false, ...options.app });
  await app.start();
  const url = app.url;
  const wsUrl = url.replace(/^http/, 'ws');
  const clients: Client[] = [];

  async function request<T, V>(document: TypedDocumentNode<T, V> | string, variables?: V) {
    const query = typeof document === 'string' ? document : print(document as DocumentNode);
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as Response<T>;
  }

  return {
    app,
    store,
    url,
    wsUrl,
    request,
    async data(document, variables) {
      const response = await request(document, variables);
      if (response.errors) throw new Error(`GraphQL errors: ${JSON.stringify(response.errors)}`);
      return response.data as NonNullable<typeof response.data>;
    },
    connect() {
      const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((client) => client.dispose()));
      await app.stop();
      if (!options.store) await store.close();
    },
  };
}

/** Results of one subscription, pulled one at a time with a deadline. */
export interface Subscription<T> {
  /** The next result; rejects if none arrives within `timeoutMs`. */
  next(timeoutMs?: number): Promise<Response<T>>;
  /** Resolves true once the server completed the operation, false if still open after `timeoutMs`. */
  completed(timeoutMs?: number): Promise<boolean>;
  /** The error message the server sent for the operation (an `error` message), if any. */
  readonly failure: readonly WireError[] | null;
  /** Unsubscribes. */
  stop(): void;
}

/** Subscribes through `client`, buffering every result until it is pulled. */
export function subscribe<T, V>(
  client: Client,
  document: TypedDocumentNode<T, V> | string,
  variables?: V,
): Subscription<T> {
  const query = typeof document === 'string' ? document : print(document as DocumentNode);
  const buffered: Response<T>[] = [];
  const waiting: ((result: Response<T>) => void)[] = [];
  let done = false;
  let failure: WireError[] | null = null;
  const onDone: (() => void)[] = [];
  const finish = () => {
    done = true;
    for (const notify of onDone.splice(0)) notify();
  };
  const stop = client.subscribe<T>(
    { query, variables: variables as Record<string, unknown> | undefined },
    {
      next: (result) => {
        const waiter = waiting.shift();
        if (waiter) waiter(result as Response<T>);
        else buffered.push(result as Response<T>);
      },
      error: (error) => {
        failure = Array.isArray(error) ? (error as WireError[]) : [{ message: String(error) }];
        finish();
      },
      complete: finish,
    },
  );
  return {
    next(timeoutMs = 5000) {
      const ready = buffered.shift();
      if (ready) return Promise.resolve(ready);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.splice(waiting.indexOf(waiter), 1);
          reject(new Error(`no subscription result within ${timeoutMs} ms`));
        }, timeoutMs);
        const waiter = (result: Response<T>) => {
          clearTimeout(timer);
          resolve(result);
        };
        waiting.push(waiter);
      });
    },
    completed(timeoutMs = 5000) {
      if (done) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        onDone.push(() => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    },
    get failure() {
      return failure;
    },
    stop,
  };
}

/** A ref input for tests. */
export function podRef(name: string, namespace = 'default') {
  return { group: '', version: 'v1', kind: 'Pod', namespace, name };
}

/** A ref of a cluster-scoped Node. */
export function nodeRef(name: string) {
  return { group: '', version: 'v1', kind: 'Node', namespace: '', name };
}

/** The `extensions.code` of the first error of a response. */
export function errorCode(response: Response<unknown>): unknown {
  return response.errors?.[0]?.extensions?.code;
}

/**
 * A view of `store` with some members replaced: lets a test count or fail store calls while every
 * other member keeps working (methods stay bound to the real store).
 */
export function instrument(store: Store, overrides: Partial<Store>): Store {
  return new Proxy(store, {
    get(target, key) {
      if (Object.hasOwn(overrides, key)) return overrides[key as keyof Store];
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Counts of the store reads that a batched load should make few of. */
export interface ReadCounts {
  relationshipsMany: number;
  relationships: number;
  getMany: number;
  get: number;
}

/** A view of `store` that counts its point and relationship reads in `calls` (reset it at will). */
export function countingReads(store: Store): { store: Store; calls: ReadCounts } {
  const calls: ReadCounts = { relationshipsMany: 0, relationships: 0, getMany: 0, get: 0 };
  const counted = instrument(store, {
    relationshipsMany: (patterns, limit) => {
      calls.relationshipsMany++;
      return store.relationshipsMany(patterns, limit);
    },
    relationships: (pattern, page) => {
      calls.relationships++;
      return store.relationships(pattern, page);
    },
    getMany: (refs, read?: ReadOptions) => {
      calls.getMany++;
      return store.getMany(refs, read);
    },
    get: (ref, read?: ReadOptions) => {
      calls.get++;
      return store.get(ref, read);
    },
  });
  return { store: counted, calls };
}

/** Resolves once `condition()` holds, polling every few milliseconds; rejects after `timeoutMs`. */
export async function eventually(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A JSON log line as pino writes it. */
export type LogLine = Record<string, unknown> & { msg: string; level: number };

/** A pino logger at `info` whose lines are kept, decoded, in `lines`. */
export function capturingLogger() {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line !== '') lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}
