/**
 * What every resolver receives. The server builds one per HTTP request and one per websocket
 * operation; the schema asks nothing else of it.
 */
import type { Store } from '../store/index.ts';

/** The GraphQL context: the store the schema reads from and writes to. */
export interface SchemaContext {
  readonly store: Store;
}
