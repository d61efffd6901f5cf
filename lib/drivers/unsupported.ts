// SPDX-License-Identifier: GPL-2.0-or-later
// Registered driver names whose implementation has an issue of its own
// (macvlan, overlay): every call answers CNM_NOT_SUPPORTED.
import { CnmError } from '../errors';
import type { Driver } from './driver';

export function unsupportedDriver(type: string): Driver {
  const no = (): never => {
    throw new CnmError('CNM_NOT_SUPPORTED', `the ${type} driver is not built yet`);
  };
  return {
    type,
    capabilities: {
      scope: type === 'overlay' ? 'global' : 'local',
      addresses: true,
      publishesPorts: false,
      exclusive: false,
    },
    validateNetwork: no,
    createNetwork: async () => no(),
    deleteNetwork: async () => no(),
    createEndpoint: async () => no(),
    deleteEndpoint: async () => no(),
    plannedJoin: no,
    join: async () => no(),
    leave: async () => no(),
    programExternalConnectivity: async () => no(),
    revokeExternalConnectivity: async () => no(),
    endpointOperInfo: async () => no(),
  };
}
