/**
 * Bulk loads (`Store.load`): a batch of resource applies and relationship adds. The batch is planned
 * before its write transaction starts — every input checked, its data turned into the JSON text it is
 * stored as (checked, never copied), its key computed — and sorted into key order, so the transaction
 * writes each database front to back instead of jumping around it. Inside the transaction the batch
 * is written through the same `WriteTxn` as every write, so its indexes, log entry and events are
 * exactly those of a `transaction` of the same operations.
 */
import { badInput, StoreError } from './errors.ts';
import { refKey } from './keys.ts';
import { listOf, relationshipContent } from './operations.ts';
import { type Payload, textPayload, type WriteTxn } from './txn.ts';
import type { RelationshipContent } from './txn-triples.ts';
import type { LoadBatch } from './types.ts';
import { isPlainObject, normalizeLoadedResource, type ResourceContent } from './validate.ts';

/** One resource of a planned batch. */
interface PlannedResource {
  readonly key: Buffer;
  readonly content: ResourceContent;
  readonly payload: Payload;
  /** `resources[i]`: where the batch had it. */
  readonly field: string;
}

/** A checked batch, its resources in key order (those of one ref in the batch's order). */
export interface PlannedLoad {
  readonly resources: readonly PlannedResource[];
  readonly relationships: readonly RelationshipContent[];
  /** `relationships[i]` of each relationship. */
  readonly relationshipFields: readonly string[];
}

/** What a loaded batch changed. */
export interface LoadCounts {
  readonly changedResources: number;
  readonly changedRelationships: number;
}

/** Checks a batch and sorts its resources; BAD_USER_INPUT names the input at fault. */
export function planLoad(batch: LoadBatch): PlannedLoad {
  if (!isPlainObject(batch as unknown)) throw badInput('batch', 'must be an object');
  const resources = listOf(batch.resources ?? [], 'resources').map((input, i): PlannedResource => {
    const field = `resources[${i}]`;
    const { content, json } = normalizeLoadedResource(input, field);
    return { key: refKey(content.ref), content, payload: textPayload(json), field };
  });
  // Array.prototype.sort is stable: a ref given twice is written in the batch's order.
  resources.sort((a, b) => Buffer.compare(a.key, b.key));
  const inputs = listOf(batch.relationships ?? [], 'relationships');
  const relationshipFields = inputs.map((_, i) => `relationships[${i}]`);
  const relationships = inputs.map((input, i) => relationshipContent(input, relationshipFields[i]!));
  return { resources, relationships, relationshipFields };
}

/** Writes a planned batch inside `txn`: its resources, then its relationships. */
export function runLoad(txn: WriteTxn, plan: PlannedLoad): LoadCounts {
  let changedResources = 0;
  for (const { content, payload, field } of plan.resources) {
    try {
      if (txn.writeResource('apply', content, null, field, payload).changed) changedResources++;
    } catch (error) {
      throw named(error, field);
    }
  }
  const changedRelationships = txn.linkMany(plan.relationships, plan.relationshipFields);
  return { changedResources, changedRelationships };
}

/** A store error that names the input at fault: its message starts with the field, its details have it. */
function named(error: unknown, field: string): unknown {
  if (!(error instanceof StoreError)) return error;
  const message = error.message.startsWith(field) ? error.message : `${field}: ${error.message}`;
  return new StoreError(error.code, message, { field, ...error.details });
}
