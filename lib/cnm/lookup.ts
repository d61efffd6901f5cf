// SPDX-License-Identifier: GPL-2.0-or-later
/** Finding a network or a sandbox the way Docker finds them: name, full id, or a unique id prefix. */
import type Database from 'better-sqlite3';
import { CnmError, type CnmErrorCode } from '../errors';

/**
 * The row whose id or name is `nameOrId` (a name wins over an id), else the
 * one whose id starts with it (six or more hex characters, so a name never
 * reads as one). Unknown and ambiguous prefixes are `code`.
 *
 * @example
 * ```ts
 * const row = findByNameOrId<NetworkRow>(db, 'networks', 'web', 'CNM_NETWORK_NOT_FOUND', 'network')
 * ```
 */
export function findByNameOrId<T>(
  db: Database.Database,
  table: 'networks' | 'sandboxes',
  nameOrId: string,
  code: CnmErrorCode,
  what: string,
): T {
  const exact = db
    .prepare(`SELECT * FROM ${table} WHERE id = ? OR name = ? ORDER BY name = ? DESC LIMIT 1`)
    .get(nameOrId, nameOrId, nameOrId) as T | undefined;
  if (exact) return exact;
  if (/^[0-9a-f]{6,64}$/.test(nameOrId)) {
    const rows = db
      .prepare(`SELECT * FROM ${table} WHERE substr(id, 1, ?) = ? LIMIT 2`)
      .all(nameOrId.length, nameOrId) as T[];
    if (rows.length === 1) return rows[0] as T;
    if (rows.length > 1) {
      throw new CnmError(code, `${what} "${nameOrId}" is ambiguous: several ids start with it; give more characters`);
    }
  }
  // Docker's wording ("No such network: x"), which scripts grep for.
  throw new CnmError(code, `No such ${what}: ${nameOrId}`);
}
