/**
 * A small typed client that runs the example operations against a running server:
 *
 *   npm start                      # in one terminal
 *   npx tsx examples/client.ts     # in another (or pass the GraphQL URL as an argument)
 *
 * Every document comes from `examples/generated/` (`npm run codegen`), so variables and results are typed.
 */
import { pathToFileURL } from 'node:url';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import {
  AddResourceDocument,
  AncestorsDocument,
  CreateWorkloadDocument,
  DescendantsDocument,
  LinkDocument,
  PreviewDeleteDocument,
  ResourceEventsDocument,
  type ResourceEventsSubscription,
  type ResourceRefInput,
  ResourceVersionDocument,
  StoreOverviewDocument,
  TraverseDocument,
  UpdateResourceDocument,
} from './generated/graphql.ts';

/** A response that carried GraphQL errors; `code` is the first error's `extensions.code`. */
export class GraphQLRequestError extends Error {
  constructor(
    readonly errors: { message: string; extensions?: { code?: string } }[],
    readonly code = errors[0]?.extensions?.code,
  ) {
    super(errors.map((error) => error.message).join('; '));
  }
}

/** Runs one query or mutation over HTTP and returns its data. */
export async function execute<R, V>(
  url: string,
  document: TypedDocumentNode<R, V>,
  variables: V,
): Promise<R> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const body = (await response.json()) as { data?: R; errors?: GraphQLRequestError['errors'] };
  if (body.errors) throw new GraphQLRequestError(body.errors);
  return body.data as R;
}

type Event = ResourceEventsSubscription['resourceEvents'];

/** Subscribes to resource events from `since`, collects `count` of them, then disconnects. */
async function collectEvents(url: string, namespace: string, since: string, count: number): Promise<Event[]> {
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
  });
  const events: Event[] = [];
  try {
    const stream = client.iterate({ query: print(ResourceEventsDocument), variables: { namespace, since } });
    for await (const result of stream) {
      if (result.errors) throw new GraphQLRequestError(result.errors as GraphQLRequestError['errors']);
      events.push((result.data as ResourceEventsSubscription).resourceEvents);
      if (events.length === count) break;
    }
    return events;
  } finally {
    await client.dispose();
  }
}

/** Runs every example against the server at `url`, in a namespace of its own; `log` prints a step. */
export async function runExamples(url: string, log: (line: string) => void = console.log): Promise<void> {
  const namespace = `example-${Date.now().toString(36)}`;
  const apps = (kind: string, name: string): ResourceRefInput => ({
    group: 'apps',
    version: 'v1',
    kind,
    namespace,
    name,
  });
  const pod = (name: string): ResourceRefInput => ({ version: 'v1', kind: 'Pod', namespace, name });
  const start = await currentRevision(url);

  // Create: a Deployment owning a ReplicaSet, in one atomic transaction.
  const owner = { kind: 'Deployment', name: 'web', uid: `${namespace}-web`, controller: true };
  const rsOwner = { kind: 'ReplicaSet', name: 'web-1', uid: `${namespace}-web-1`, controller: true };
  const created = await execute(url, CreateWorkloadDocument, {
    operations: [
      { addResource: { ref: apps('Deployment', 'web'), uid: owner.uid, labels: { app: 'web' } } },
      { addResource: { ref: apps('ReplicaSet', 'web-1'), uid: rsOwner.uid, labels: { app: 'web' } } },
      {
        addRelationship: {
          subject: apps('Deployment', 'web'),
          predicate: { type: 'OwnerReference', data: owner },
          object: apps('ReplicaSet', 'web-1'),
        },
      },
    ],
  });
  log(`create: ${created.transaction.results.length} writes at revision ${created.transaction.revision}`);

  // Link: two pods owned by the ReplicaSet.
  for (const name of ['web-1-a', 'web-1-b']) {
    await execute(url, AddResourceDocument, { input: { ref: pod(name), labels: { app: 'web' } } });
  }
  const linked = await execute(url, LinkDocument, {
    relationships: ['web-1-a', 'web-1-b'].map((name) => ({
      subject: apps('ReplicaSet', 'web-1'),
      predicate: { type: 'OwnerReference', data: rsOwner },
      object: pod(name),
    })),
  });
  log(`link: ${linked.addRelationships.length} OwnerReference edges`);

  // Traverse: Deployment -> ReplicaSet -> Pods in one request.
  const traversed = await execute(url, TraverseDocument, {
    ref: apps('Deployment', 'web'),
    predicate: 'OwnerReference',
  });
  for (const { node } of traversed.resource?.relationships.edges ?? []) {
    const pods = node.object?.relationships.edges.map((edge) => edge.node.objectRef.name) ?? [];
    log(`traverse: Deployment/web -> ${node.objectRef.kind}/${node.objectRef.name} -> ${pods.join(', ')}`);
  }

  // Ownership: what the Deployment owns all the way down, what owns a Pod all the way up, and what
  // deleting the Deployment would remove (a dry run: nothing changes).
  const down = await execute(url, DescendantsDocument, { ref: apps('Deployment', 'web') });
  const steps = down.resource?.descendants.edges.map(
    ({ node }) => `${node.ref.kind}/${node.ref.name}@${node.depth}`,
  );
  log(`descendants: ${steps?.join(', ')}`);
  const up = await execute(url, AncestorsDocument, { ref: pod('web-1-a') });
  const owners = up.resource?.ancestors.edges.map(({ node }) => ` <- ${node.ref.kind}/${node.ref.name}`);
  log(`ancestors: Pod/web-1-a${owners?.join('')}`);
  const preview = await execute(url, PreviewDeleteDocument, { ref: apps('Deployment', 'web') });
  const doomed = preview.deleteResource.deleted.map((resource) => resource.ref.name);
  log(`delete preview (dry run): ${doomed.join(', ')}`);

  // Optimistic update: read the version, write at it, retry when someone else got there first.
  const target = pod('web-1-a');
  for (let attempt = 1; ; attempt++) {
    const current = (await execute(url, ResourceVersionDocument, { ref: target })).resource;
    if (!current) throw new Error('the pod disappeared');
    try {
      const labels = { ...(current.labels as Record<string, string>), reviewed: 'true' };
      const updated = await execute(url, UpdateResourceDocument, {
        input: { ref: target, labels },
        expectedVersion: current.version,
      });
      log(
        `optimistic update: version ${current.version} -> ${updated.updateResource.version} (attempt ${attempt})`,
      );
      break;
    } catch (error) {
      if (!(error instanceof GraphQLRequestError && error.code === 'VERSION_CONFLICT') || attempt === 5)
        throw error;
    }
  }

  // Subscribe with resume: read the first events, disconnect, miss a change, resume from the last one.
  const firstEvents = await collectEvents(url, namespace, String(start), 2);
  const resumeFrom = firstEvents.at(-1)?.revision ?? String(start);
  log(
    `subscribe: ${firstEvents.map((event) => `${event.type} ${event.resource?.ref.name}@${event.revision}`).join(', ')}`,
  );
  const total = (await currentRevision(url)) - Number(resumeFrom);
  const resumed = await collectEvents(url, namespace, resumeFrom, Math.min(total, 3));
  log(
    `resume from ${resumeFrom}: ${resumed.map((event) => `${event.type} ${event.resource?.ref.name}@${event.revision}`).join(', ')}`,
  );
}

async function currentRevision(url: string): Promise<number> {
  return Number((await execute(url, StoreOverviewDocument, {})).revision);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runExamples(process.argv[2] ?? process.env.RESOURCE_STORE_URL ?? 'http://127.0.0.1:4000/graphql');
}
