// SPDX-License-Identifier: GPL-2.0-or-later
/** Finding a network or a sandbox the way Docker finds them: name, full id, or a unique id prefix. */
import { CnmError, type CnmErrorCode } from '../errors';
import type { NamedReads } from './store/ports';

/**
 * The record whose name or id is `nameOrId` (a name wins over an id), else
 * the one whose id starts with it (six or more hex characters, so a name
 * never reads as one). Unknown and ambiguous prefixes are `code`.
 *
 * @example
 * ```ts
 * const net = findByNameOrId(store.read.networks, 'web', 'CNM_NETWORK_NOT_FOUND', 'network')
 * ```
 */
export function findByNameOrId<T>(records: NamedReads<T>, nameOrId: string, code: CnmErrorCode, what: string): T {
  const exact = records.find(nameOrId);
  if (exact) return exact;
  if (/^[0-9a-f]{6,64}$/.test(nameOrId)) {
    const found = records.withIdPrefix(nameOrId, 2);
    if (found.length === 1) return found[0] as T;
    if (found.length > 1) {
      throw new CnmError(code, `${what} "${nameOrId}" is ambiguous: several ids start with it; give more characters`);
    }
  }
  // Docker's wording ("No such network: x"), which scripts grep for.
  throw new CnmError(code, `No such ${what}: ${nameOrId}`);
}
