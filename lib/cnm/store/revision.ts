// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Compare and set, the same in every store: what refusing an update made
 * against an old revision says, and this host's part of a global network
 * as an update leaves it.
 */
import { CnmError } from '../../errors';
import type { HostNetworkChange, HostNetworkState } from './records';

/**
 * The refusal of an update that read revision `read` of a record now at `now`.
 *
 * @example
 * ```ts
 * throw conflict('endpoint', id, 3, 2)   // CNM_CONFLICT: endpoint 1a2b… changed while this operation ran (revision 3, read at 2); try again
 * ```
 */
export function conflict(what: string, id: string, now: number, read: number | undefined): CnmError {
  return new CnmError(
    'CNM_CONFLICT',
    `${what} ${id.slice(0, 12)} changed while this operation ran (revision ${now}, read at ${read}); try again`,
  );
}

/**
 * The record an update changed; when it changed nothing, why: the record is
 * gone, or another writer changed it since `revision` was read.
 */
export function changed<T extends { readonly revision: number }>(
  changes: number,
  now: T | undefined,
  what: string,
  id: string,
  revision: number | undefined,
): T {
  if (!now) {
    const code = what === 'network' ? 'CNM_NETWORK_NOT_FOUND' : 'CNM_ENDPOINT_NOT_FOUND';
    throw new CnmError(code, `${what} ${id.slice(0, 12)} is gone`);
  }
  if (changes === 0) throw conflict(what, id, now.revision, revision);
  return now;
}

/**
 * This host's part of a global network after `change`, made on first use;
 * refused when `revision` is given and is not the one it has.
 */
export function nextHostState(
  networkId: string,
  now: HostNetworkState | undefined,
  change: HostNetworkChange,
  revision: number | undefined,
): HostNetworkState {
  if (revision !== undefined && (now?.revision ?? 0) !== revision)
    throw conflict('network', networkId, now?.revision ?? 0, revision);
  const network = change.network ?? now?.network;
  return {
    networkId,
    driverState: change.driverState ?? now?.driverState ?? {},
    made: change.made ?? now?.made ?? false,
    ...(network ? { network } : {}),
    revision: (now?.revision ?? 0) + 1,
  };
}
