/**
 * resource-store's side of the peer comparison: the dump imported with the project's own importer
 * into a fresh store, served by the real `resource-store serve` in its own process (PostGraphile runs
 * in its own process too), and plain GraphQL-over-HTTP requests to it.
 */
import { importFiles } from '../../src/k8s/import.ts';
import { openStore } from '../../src/store/index.ts';
import type { JsonObject, JsonValue, ResourceRef } from '../../src/store/types.ts';
import { removeDir, tempDir } from './fixtures.ts';
import { type ServeProcess, startServeProcess } from './serve-process.ts';

/** A served store holding one dump. */
export interface ServedDump {
  readonly server: ServeProcess;
  readonly objects: number;
  readonly relationships: number;
  readonly importMs: number;
  /** Stops the server and removes the store's directory. */
  close(): Promise<void>;
}

/** Imports `dumpPath` into a new store in a temporary directory and serves it from a child process. */
export async function serveDump(dumpPath: string): Promise<ServedDump> {
  const dir = tempDir('peer-store');
  try {
    const store = await openStore({ path: dir });
    const started = performance.now();
    const summary = await importFiles(store, [dumpPath]).finally(() => store.close());
    const importMs = performance.now() - started;
    const server = await startServeProcess(dir);
    return {
      server,
      objects: summary.objects,
      relationships: summary.relationships,
      importMs,
      async close() {
        try {
          await server.stop();
        } finally {
          removeDir(dir);
        }
      },
    };
  } catch (error) {
    removeDir(dir);
    throw error;
  }
}

/** A GraphQL answer's `data`, typed loosely: the checks read it field by field. */
export type Data = { readonly [field: string]: JsonValue };

/** POSTs a GraphQL request body; resolves to `data`, or throws on a non-2xx status or any `errors`. */
export async function postGraphQL(url: string, body: string): Promise<Data> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body,
  });
  const text = await response.text();
  const answer = JSON.parse(text) as { data?: Data; errors?: unknown[] };
  if (response.status < 200 || response.status >= 300 || answer.errors !== undefined || !answer.data) {
    throw new Error(`${url} answered ${response.status}: ${text.slice(0, 400)}`);
  }
  return answer.data;
}

/** A request body with variables (the document stays the same from request to request). */
export function requestBody(query: string, variables: JsonObject): string {
  return JSON.stringify({ query, variables });
}

/** A stored resource as the write fallback needs it: everything `applyResource` takes. */
export interface StoredResource {
  readonly ref: ResourceRef;
  readonly uid: string;
  readonly labels: JsonObject;
  readonly annotations: JsonObject;
  readonly dataType: string | null;
  readonly data: JsonValue;
}

const BY_UID_QUERY = `query ByUid($uid: String!) {
  resourceByUid(uid: $uid) { ref { group version kind namespace name } uid labels annotations dataType data }
}`;

/** Reads one resource by uid from the server; throws when it is not stored. */
export async function resourceByUid(url: string, uid: string): Promise<StoredResource> {
  const data = await postGraphQL(url, requestBody(BY_UID_QUERY, { uid }));
  const resource = data.resourceByUid as unknown as StoredResource | null;
  if (!resource) throw new Error(`resource-store has no resource with uid ${uid}`);
  return resource;
}

/** Reads resources by uid, `parallel` requests at a time, in the order of `uids`. */
export async function resourcesByUid(
  url: string,
  uids: readonly string[],
  parallel = 10,
): Promise<StoredResource[]> {
  const resources: StoredResource[] = new Array(uids.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < uids.length; i = next++) resources[i] = await resourceByUid(url, uids[i]!);
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return resources;
}

/** The mutation fields of the served schema, by introspection. */
export async function mutationFields(url: string): Promise<Set<string>> {
  const data = await postGraphQL(
    url,
    JSON.stringify({ query: '{ __type(name: "Mutation") { fields { name } } }' }),
  );
  const type = data.__type as { fields: { name: string }[] } | null;
  return new Set(type?.fields.map((field) => field.name) ?? []);
}
