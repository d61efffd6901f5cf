// SPDX-License-Identifier: GPL-2.0-or-later
/** The bridge driver's options, with Docker's names, checked before anything is made. */
import type { DriverOptionSpec } from '../driver';
import { checkIfname, parseOptionsBySpec } from '../options';

/** The options the bridge driver takes, by Docker's label names. */
export const BRIDGE_OPTION_SPECS = {
  bridgeName: {
    name: 'com.docker.network.bridge.name',
    type: 'ifname',
    description: "the bridge's name (default br- and the network id's first 12 characters)",
  },
  icc: {
    name: 'com.docker.network.bridge.enable_icc',
    type: 'boolean',
    description: 'endpoints of the network may talk to each other (default true)',
  },
  masquerade: {
    name: 'com.docker.network.bridge.enable_ip_masquerade',
    type: 'boolean',
    description: "traffic leaving the network takes the host's address (default true)",
  },
  hostBindingIpv4: {
    name: 'com.docker.network.bridge.host_binding_ipv4',
    type: 'ip',
    description: 'the host address published ports bind when none is given (default every address)',
  },
  mtu: {
    name: 'com.docker.network.driver.mtu',
    type: 'integer',
    min: 68,
    max: 65535,
    description: "the bridge's and the endpoints' MTU",
  },
  defaultBridge: {
    name: 'com.docker.network.bridge.default_bridge',
    type: 'boolean',
    description: "marks Docker's default network, `bridge` (set on cnm's predefined one; changes nothing else)",
  },
  ifacePrefix: {
    name: 'com.docker.network.container_iface_prefix',
    type: 'string',
    description: 'the prefix of interface names in sandboxes (default eth)',
  },
} as const satisfies Record<string, DriverOptionSpec>;

/** The bridge driver's options, typed. */
export interface BridgeOptions {
  readonly bridgeName: string;
  readonly icc: boolean;
  readonly masquerade: boolean;
  readonly hostBindingIpv4?: string;
  readonly mtu?: number;
  readonly ifacePrefix: string;
  /** The network is the predefined `bridge` (Docker's default_bridge). */
  readonly defaultBridge: boolean;
  /** Options the driver does not know: kept and shown, as Docker does. */
  readonly unknown: Readonly<Record<string, string>>;
}

/**
 * Reads and checks the options; the bridge name defaults to `br-` and the
 * first 12 characters of the network id, as Docker does.
 *
 * @example
 * ```ts
 * parseBridgeOptions(id, { 'com.docker.network.bridge.enable_icc': 'false' }).icc   // false
 * ```
 */
export function parseBridgeOptions(networkId: string, options: Readonly<Record<string, string>>): BridgeOptions {
  const { known, unknown } = parseOptionsBySpec('bridge', BRIDGE_OPTION_SPECS, options);
  const ifacePrefix = known.ifacePrefix ?? 'eth';
  // The prefix plus an index must still be a valid name.
  checkIfname(`${ifacePrefix}0`, `options.${BRIDGE_OPTION_SPECS.ifacePrefix.name}`);
  return {
    bridgeName: known.bridgeName ?? `br-${networkId.slice(0, 12)}`,
    icc: known.icc ?? true,
    masquerade: known.masquerade ?? true,
    ...(known.hostBindingIpv4 !== undefined ? { hostBindingIpv4: known.hostBindingIpv4 } : {}),
    ...(known.mtu !== undefined ? { mtu: known.mtu } : {}),
    ifacePrefix,
    defaultBridge: known.defaultBridge ?? false,
    unknown,
  };
}
