// SPDX-License-Identifier: GPL-2.0-or-later
// The SQLite store: the store's contract (test/store/contract.ts) in a
// temporary directory, and what is SQLite's own.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoreTx } from '../../lib/cnm/store/ports';
import { MIGRATIONS } from '../../lib/cnm/store/sqlite/schema';
import { SqliteStore } from '../../lib/cnm/store/sqlite/sqlite-store';
import { storeContract } from '../store/contract';

storeContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cnm-store-'));
  const store = SqliteStore.open({ stateDir: dir, hostNetnsId: 'test:1' });
  return {
    store,
    async done() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('the SQLite store', () => {
  let dir: string;
  let store: SqliteStore;
  const tx = <T>(fn: (tx: StoreTx) => T): Promise<T> => store.transact(fn);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cnm-store-'));
    store = SqliteStore.open({ stateDir: dir, hostNetnsId: 'test:1' });
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is at the latest schema version', () => {
    expect(store.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
  });

  it('refuses a transaction started inside another (a savepoint is tx.attempt, said plainly)', async () => {
    let inner: Promise<unknown> | undefined;
    await tx(() => {
      inner = store.transact(() => undefined);
    });
    await expect(inner).rejects.toThrow(/inside a transaction/);
  });
});
