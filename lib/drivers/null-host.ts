// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * `null`: the sandbox keeps only its loopback. `host`: the sandbox uses the
 * host's network stack (the model gives it the host namespace). Neither
 * makes interfaces or addresses, as in Docker.
 */
import { CnmError } from '../errors';
import { rtnl } from '../kernel/rtnl';
import type { Driver } from './driver';

function noOptions(type: string): Driver['validateNetwork'] {
  return (net) => {
    if (Object.keys(net.options).length > 0) {
      throw new CnmError('CNM_INVALID_CONFIG', `options: the ${type} driver takes none`);
    }
    if (net.enableIPv6 || net.internal) {
      throw new CnmError('CNM_INVALID_CONFIG', `the ${type} driver has no addresses, IPv6 or internal mode`);
    }
  };
}

const nothing = async () => {};

/** What both drivers leave alone: no network state, no endpoint state, no firewall. */
const passive = {
  capabilities: { scope: 'local', addresses: false, publishesPorts: false, exclusive: true },
  createNetwork: async () => ({}),
  deleteNetwork: nothing,
  createEndpoint: nothing,
  deleteEndpoint: nothing,
  plannedJoin: () => ({}),
  leave: nothing,
  programExternalConnectivity: nothing,
  revokeExternalConnectivity: nothing,
  endpointOperInfo: async () => ({}),
} as const satisfies Partial<Driver>;

export const nullDriver: Driver = {
  ...passive,
  type: 'null',
  validateNetwork: noOptions('null'),
  // Only loopback, and up.
  join: async (_ctx, _net, _ep, join) => {
    await rtnl(join.sandbox).linkSet({ dev: 'lo', up: true });
    return {};
  },
};

export const hostDriver: Driver = {
  ...passive,
  type: 'host',
  validateNetwork: noOptions('host'),
  // As `docker run --network host`: the sandbox must be the host's own namespace.
  join: async (ctx, _net, _ep, join) => {
    if (join.sandbox.id !== ctx.host.id) {
      throw new CnmError(
        'CNM_INVALID_CONFIG',
        "a sandbox joins the host network only when it is the host's namespace (createSandbox({ netnsPath: <host netns> }))",
      );
    }
    return {};
  },
};
