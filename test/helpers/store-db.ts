// SPDX-License-Identifier: GPL-2.0-or-later
// The SQLite database behind a controller, for tests that check what is
// stored with SQL of their own (the model itself sees only the store's ports).
import type Database from 'better-sqlite3';
import type { NetworkController } from '../../lib/cnm/controller';
import { SqliteStore } from '../../lib/cnm/store/sqlite/sqlite-store';

export function storeDb(ctl: NetworkController): Database.Database {
  if (!(ctl.store instanceof SqliteStore)) throw new Error('this controller keeps no SQLite store');
  return ctl.store.db;
}
