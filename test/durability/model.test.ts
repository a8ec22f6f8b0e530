/**
 * Model-based test: `fc.commands` drives random sequences of add, update, apply, delete (ORPHAN,
 * BACKGROUND, FOREGROUND), addRelationships, deleteRelationships and transactions mixing them against
 * an in-memory model (model.ts) and a real LMDB store. After each command every read is compared with
 * the model (get, getByUid, list with filters, count, relationship patterns, revision); after each
 * sequence `checkIntegrity()` must be empty and the change log must replay exactly the model's changes.
 *
 * MODEL_SEED and MODEL_RUNS replay or widen the search; a failure's message carries the seed and path
 * (fast-check's report), and the seed is printed as a diagnostic either way.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { openStore, type Store } from '../../src/store/index.ts';
import { envInt } from './helpers.ts';
import {
  compareLog,
  compareStore,
  Model,
  type ModelBug,
  ownerTreeArb,
  type Step,
  StoreCommand,
  stats,
  stepArbs,
} from './model.ts';

const SEED = envInt('MODEL_SEED', 20_260_407);
const RUNS = envInt('MODEL_RUNS', 80);
const MAX_COMMANDS = 40;

const single = (arb: fc.Arbitrary<Step>) => arb.map((step) => new StoreCommand('single', [step]));
const batch = (arb: fc.Arbitrary<Step>) =>
  fc.array(arb, { minLength: 1, maxLength: 3 }).map((steps) => new StoreCommand('batch', steps));
const transaction = fc
  .array(fc.oneof(...Object.values(stepArbs)), { minLength: 1, maxLength: 4 })
  .map((steps) => new StoreCommand('transaction', steps));
const ownerTree = ownerTreeArb.map((steps) => new StoreCommand('transaction', steps));
// Listed more than once: more of what builds state, so updates, deletes and cascades find something.
const commands = fc.commands(
  [
    single(stepArbs.add),
    single(stepArbs.add),
    single(stepArbs.apply),
    single(stepArbs.update),
    single(stepArbs.update),
    single(stepArbs.delete),
    single(stepArbs.delete),
    single(stepArbs.delete),
    batch(stepArbs.link),
    batch(stepArbs.link),
    batch(stepArbs.unlink),
    transaction,
    transaction,
    ownerTree,
    ownerTree,
  ],
  { maxCommands: MAX_COMMANDS, size: 'max' },
);

/**
 * fc.assert, awaited, with the failing command's own error in the message: fast-check puts it in
 * `cause`, which the test runner does not print.
 */
async function assertProperty(property: fc.IAsyncProperty<[Iterable<fc.AsyncCommand<Model, Store>>]>) {
  try {
    await fc.assert(property, { seed: SEED, numRuns: RUNS });
  } catch (error) {
    const cause = (error as Error).cause;
    if (error instanceof Error && cause !== undefined) {
      error.message += `\n\nThe failing check: ${cause instanceof Error ? cause.message : String(cause)}`;
    }
    throw error;
  }
}

/** The property: every command sequence leaves the store agreeing with the model. */
function storeMatchesModel(bug: ModelBug) {
  return fc.asyncProperty(commands, async (sequence) => {
    const dir = mkdtempSync(join(tmpdir(), 'resource-store-model-'));
    let store: Store | null = null;
    try {
      store = await openStore({ path: dir, retention: { intervalMs: 0 } });
      const model = new Model(bug);
      const real = store;
      await fc.asyncModelRun(() => ({ model, real }), sequence);
      compareStore(model, store);
      assert.deepEqual(store.checkIntegrity(), [], 'checkIntegrity()');
      await compareLog(model, store);
    } finally {
      await store?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

describe('the store against a model', () => {
  it(`should agree with the model over ${RUNS} random command sequences`, { timeout: 120_000 }, async (t) => {
    const began = Date.now();
    t.diagnostic(`seed ${SEED} (MODEL_SEED replays it), ${RUNS} runs of up to ${MAX_COMMANDS} commands`);
    // Awaited: an un-awaited fc.assert of an async property would let a failure pass unseen.
    await assertProperty(storeMatchesModel('none'));
    const rejected = [...stats.rejected].map(([code, n]) => `${n} ${code}`).join(', ');
    t.diagnostic(
      `model: ${RUNS} sequences, ${stats.commands} commands (${stats.committed} committed, ` +
        `${stats.unchanged} no-ops, rejected: ${rejected}; ${stats.cascades} cascades deleted ` +
        `${stats.dependentsDeleted} dependents), 0 disagreements, integrity clean (${Date.now() - began} ms)`,
    );
  });

  it('should fail when the model is wrong (the property can fail)', async () => {
    // A model that forgets to bump versions must be caught: proves failures are not swallowed.
    const result = await fc.check(storeMatchesModel('update-keeps-version'), {
      seed: SEED,
      numRuns: RUNS,
      endOnFailure: true,
    });
    assert.equal(result.failed, true, 'a wrong model is detected');
    assert.match(String(result.errorInstance), /version/);
  });
});
