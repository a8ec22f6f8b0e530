/**
 * What a load job sends. Scenarios are plain data (they cross the process boundary); the worker
 * turns each into autocannon request hooks.
 */
import { writeInput, writeTriplet } from '../lib/workload.ts';

/** Cycles through pre-serialized GraphQL request bodies, every connection taking the next one. */
export interface BodiesScenario {
  readonly kind: 'bodies';
  readonly bodies: readonly string[];
}

/**
 * Version-checked updates of the write workload's resources (`bench/lib/workload.ts`) in one
 * `transaction` mutation with the triplet. Each request takes a resource no other request has in
 * flight, and puts it back with the version its answer reports. `versions` are the stored versions
 * when the job starts (requests cut off at the end of a job may still commit after the answer is
 * lost: the job after it meets their VERSION_CONFLICT, adopts the current version and goes on; the
 * worker counts these and does not count them as writes).
 */
export interface UpdatesScenario {
  readonly kind: 'updates';
  readonly versions: readonly number[];
}

/** A scenario of a load job. */
export type Scenario = BodiesScenario | UpdatesScenario;

/** The mutation every update sends: the resource at its version, and the triplet from it. */
export const UPDATE_MUTATION = `mutation Update($ops: [OperationInput!]!) {
  transaction(operations: $ops) {
    revision
    results { ... on ResourceWritten { resource { version } } }
  }
}`;

/** The request body of update `i` from `version`. */
export function updateBody(i: number, version: number, resources: number): string {
  const generation = version + 1;
  return JSON.stringify({
    query: UPDATE_MUTATION,
    operationName: 'Update',
    variables: {
      ops: [
        { updateResource: { input: writeInput(i, generation), expectedVersion: version } },
        { addRelationship: writeTriplet(i, generation, resources) },
      ],
    },
  });
}

/** What an update's answer says: the new version, a version conflict's current one, or neither. */
export function updateOutcome(body: string): { version: number } | { conflict: number } | null {
  const answer = JSON.parse(body) as {
    data?: { transaction?: { results?: { resource?: { version?: number } }[] } };
    errors?: { extensions?: { code?: string; currentVersion?: number } }[];
  };
  const version = answer.data?.transaction?.results?.[0]?.resource?.version;
  if (typeof version === 'number') return { version };
  const error = answer.errors?.length === 1 ? answer.errors[0]?.extensions : undefined;
  if (error?.code === 'VERSION_CONFLICT' && typeof error.currentVersion === 'number') {
    return { conflict: error.currentVersion };
  }
  return null;
}
