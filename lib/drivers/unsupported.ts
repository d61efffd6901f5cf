// SPDX-License-Identifier: GPL-2.0-or-later
// Driver names Docker has that this host or this version cannot serve:
// every call answers CNM_NOT_SUPPORTED, saying why.
import { CnmError } from '../errors';
import type { Driver } from './driver';

/**
 * A driver that refuses everything with CNM_NOT_SUPPORTED and `why`.
 *
 * @example
 * ```ts
 * unsupportedDriver('ipvlan', 'this kernel has no ipvlan support')
 * ```
 */
export function unsupportedDriver(type: string, why: string, scope: 'local' | 'global' = 'local'): Driver {
  const no = (): never => {
    throw new CnmError('CNM_NOT_SUPPORTED', `the ${type} driver: ${why}`);
  };
  return {
    type,
    capabilities: {
      dataScope: scope,
      connectivityScope: scope,
      addresses: true,
      publishesPorts: false,
      exclusive: false,
    },
    options: [],
    parseOptions: no,
    createNetwork: async () => no(),
    deleteNetwork: async () => no(),
    createEndpoint: async () => no(),
    deleteEndpoint: async () => no(),
    interfacePrefix: no,
    plannedJoin: no,
    join: async () => no(),
    leave: async () => no(),
    programExternalConnectivity: async () => no(),
    revokeExternalConnectivity: async () => no(),
    reconcile: async () => ({ report: [], states: new Map(), firewall: [] }),
    endpointOperInfo: async () => no(),
  };
}
