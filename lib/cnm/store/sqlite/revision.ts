// SPDX-License-Identifier: GPL-2.0-or-later
/** Compare and set: what an update that matched no row means. */
import { CnmError } from '../../../errors';

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
  if (changes === 0) {
    throw new CnmError(
      'CNM_CONFLICT',
      `${what} ${id.slice(0, 12)} changed while this operation ran (revision ${now.revision}, read at ${revision}); try again`,
    );
  }
  return now;
}
