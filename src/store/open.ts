/**
 * Opening a store: its directory (or a temporary one), its writer lock (lock.ts), its databases, and
 * the migration of an older format (migrate.ts) — or, read-only, the check that none is needed.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Store, StoreOptions } from './api.ts';
import { type Databases, FORMAT, openDatabases, readCounter } from './db.ts';
import { badInput, StoreError } from './errors.ts';
import { META } from './keys.ts';
import { lockWriter } from './lock.ts';
import { migrateStore } from './migrate.ts';
import { LmdbStore } from './store.ts';

/** Opens (or creates) a store. With `inMemory`, the data lives in a temporary directory removed on close. */
export async function openStore(options: StoreOptions = {}): Promise<Store> {
  if (!options.inMemory && !options.path) throw badInput('path', 'is required unless inMemory is set');
  const path = options.inMemory ? mkdtempSync(join(tmpdir(), 'resource-store-')) : resolve(options.path!);
  mkdirSync(path, { recursive: true });
  const lock = options.readOnly || options.inMemory ? null : lockWriter(path);
  let dbs: Databases | null = null;
  try {
    dbs = openDatabases(path, options.mapSize);
    if (options.readOnly) checkCurrentFormat(dbs, path);
    else await migrateStore(dbs);
    return new LmdbStore(dbs, path, options, lock);
  } catch (error) {
    await dbs?.env.close();
    lock?.release();
    throw error;
  }
}

/** A store opened read-only cannot be migrated: READ_ONLY unless it is of the current format. */
function checkCurrentFormat(dbs: Databases, path: string): void {
  const format = readCounter(dbs, META.format);
  if (format !== FORMAT) {
    throw new StoreError(
      'READ_ONLY',
      `the store at ${path} is of format ${format} and is migrated to ${FORMAT} when opened for writing; open it for writing once`,
    );
  }
}
