/**
 * What every resolver receives. The server builds one per HTTP request and one per websocket
 * operation; the schema asks nothing else of it.
 */
import type { Store } from '../store/index.ts';
import type { ExecutionBudget } from './budget.ts';

/** The GraphQL context: the store the schema reads from and writes to. */
export interface SchemaContext {
  readonly store: Store;
  /**
   * The execution's time and turns (budget.ts): walks and listings run in slices under it, and stop
   * once it is spent. Without one, they run at once and whole.
   */
  readonly budget?: ExecutionBudget;
}
