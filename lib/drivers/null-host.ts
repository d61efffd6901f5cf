// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * `null`: the sandbox keeps only its loopback. `host`: the sandbox uses the
 * host's network stack (the model gives it the host namespace). Neither
 * makes interfaces or addresses, as in Docker; each has one network, which
 * always exists (`none` and `host`).
 */
import { CnmError } from '../errors';
import type { Driver } from './driver';

function noOptions(type: string): Driver['parseOptions'] {
  return (net) => {
    if (Object.keys(net.options).length > 0) {
      throw new CnmError('CNM_INVALID_CONFIG', `options: the ${type} driver takes none`);
    }
    if (net.enableIPv6 || net.internal) {
      throw new CnmError('CNM_INVALID_CONFIG', `the ${type} driver has no addresses, IPv6 or internal mode`);
    }
    return { driver: type, known: {}, unknown: {} };
  };
}

const nothing = async () => {};

/** What both drivers leave alone: no network state, no endpoint state, no firewall. */
const passive = {
  capabilities: {
    dataScope: 'local',
    connectivityScope: 'local',
    addresses: false,
    publishesPorts: false,
    exclusive: true,
  },
  options: [],
  createNetwork: async () => ({}),
  deleteNetwork: nothing,
  createEndpoint: async () => undefined,
  deleteEndpoint: nothing,
  interfacePrefix: () => 'eth',
  plannedJoin: () => ({ state: {} }),
  leave: nothing,
  programExternalConnectivity: nothing,
  revokeExternalConnectivity: nothing,
  reconcile: async () => ({ report: [], states: new Map(), firewall: [] }),
  endpointOperInfo: async () => ({}),
} as const satisfies Partial<Driver>;

/** Docker's `none`: loopback only (the model brings it up in every sandbox). */
export const nullDriver: Driver = {
  ...passive,
  type: 'null',
  parseOptions: noOptions('null'),
  join: async () => ({ state: {}, host: [], sandbox: [{ op: 'link.set', dev: 'lo', up: true }], noInterface: true }),
};

/** Docker's `host`: the sandbox is the host's own namespace. */
export const hostDriver: Driver = {
  ...passive,
  type: 'host',
  parseOptions: noOptions('host'),
  // As `docker run --network host`: the sandbox must be the host's own namespace.
  join: async (ctx, _net, _ep, join) => {
    if (!('id' in join.sandbox) || join.sandbox.id !== ctx.host.id) {
      throw new CnmError(
        'CNM_INVALID_CONFIG',
        "a sandbox joins the host network only when it is the host's namespace (createSandbox({ netnsPath: <host netns> }))",
      );
    }
    return { state: {}, host: [], sandbox: [], noInterface: true };
  },
};
