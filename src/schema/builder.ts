/**
 * The one Pothos schema builder every domain file adds its types to.
 */
import SchemaBuilder from '@pothos/core';
import RelayPlugin from '@pothos/plugin-relay';
import type { JsonObject, JsonValue } from '../store/index.ts';
import { costExtensions } from './connections.ts';
import type { SchemaContext } from './context.ts';
import type { RawJson } from './raw-json.ts';

/** Type parameters of the builder: the context and the TypeScript side of each custom scalar. */
export interface BuilderTypes {
  Context: SchemaContext;
  Scalars: {
    /** Output may be stored JSON text, written to a response as it is (raw-json.ts). */
    JSON: { Input: JsonValue; Output: JsonValue | RawJson };
    JSONObject: { Input: JsonObject; Output: object };
    DateTime: { Input: Date; Output: Date | string };
    /** A global store revision: a number inside, a decimal string on the wire. */
    Revision: { Input: number; Output: number };
  };
  /** Extra data every connection carries: the snapshot it was read at and a lazy total. */
  Connection: { revision: number; totalCount: () => number | Promise<number> };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
}

/** The schema builder. Fields are non-null unless they say otherwise. */
export const builder = new SchemaBuilder<BuilderTypes>({
  plugins: [RelayPlugin],
  defaultFieldNullability: false,
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    edgesFieldOptions: { nullable: false },
    nodeFieldOptions: { nullable: false },
    // `nodes(ids)` returns as many objects as it is given ids.
    nodesQueryOptions: { extensions: costExtensions({ listSize: 'ids' }) },
  },
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
