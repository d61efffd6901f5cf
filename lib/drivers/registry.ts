// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The drivers a controller starts with. A new driver is added here and in
 * its own folder: the model never names one.
 */
import { bridgeDriver } from './bridge/bridge-driver';
import { BRIDGE_OPTION_SPECS } from './bridge/options';
import type { Driver } from './driver';
import { macvlanDriver } from './macvlan/macvlan-driver';
import { hostDriver, nullDriver } from './null-host';
import { overlayDriver } from './overlay/overlay-driver';
import { unsupportedDriver } from './unsupported';

/** Docker's default driver, used when `createNetwork` names none. */
export const DEFAULT_DRIVER = 'bridge';

/** A network every controller has, as Docker's engine does: made when a controller opens. */
export interface PredefinedNetwork {
  readonly name: string;
  readonly driver: string;
  readonly options: Readonly<Record<string, string>>;
  /**
   * Docker's default network (`bridge`): a library user may do without it
   * (`ControllerOptions.defaultBridge: false`, `CNM_DEFAULT_BRIDGE=0`).
   */
  readonly optional?: boolean;
}

/** The bridge device of the predefined `bridge` network (Docker's is docker0: cnm's must not clash with it). */
export const DEFAULT_BRIDGE_DEVICE = 'cnm0';

/**
 * The network that gives sandboxes their way out when their networks offer
 * no gateway (overlay; DriverCapabilities.egressThroughGatewayNetwork), as
 * Docker's `docker_gwbridge`: a bridge, no traffic between its endpoints,
 * masqueraded out. Its own bridge device, so a Docker on the same host keeps
 * `docker_gwbridge`. Made at the first need; a user may make it beforehand
 * (to choose its subnet).
 */
export const GATEWAY_NETWORK: Omit<PredefinedNetwork, 'optional'> = {
  name: 'docker_gwbridge',
  driver: 'bridge',
  options: {
    [BRIDGE_OPTION_SPECS.bridgeName.name]: 'cnm_gwbridge',
    [BRIDGE_OPTION_SPECS.icc.name]: 'false',
    [BRIDGE_OPTION_SPECS.masquerade.name]: 'true',
  },
};

/**
 * Names no network may take: Docker's `--network default` means "the
 * default network", so `docker network create default` is refused.
 */
export const RESERVED_NETWORK_NAMES: readonly string[] = ['default'];

/**
 * The predefined networks, in Docker's order: its default `bridge` (on its
 * own bridge, `cnm0`, with the options `docker network inspect bridge`
 * shows; its subnet is the first free default pool when its row is made),
 * and the single networks of the `host` and `null` drivers. Their rows are
 * made when a controller opens; their driver objects only before their
 * first join. None can be removed.
 *
 * @example
 * ```ts
 * PREDEFINED_NETWORKS.map((n) => n.name)   // ['bridge', 'host', 'none']   (docker network ls, on a fresh host)
 * ```
 */
export const PREDEFINED_NETWORKS: readonly PredefinedNetwork[] = [
  {
    name: 'bridge',
    driver: 'bridge',
    optional: true,
    options: {
      [BRIDGE_OPTION_SPECS.defaultBridge.name]: 'true',
      [BRIDGE_OPTION_SPECS.icc.name]: 'true',
      [BRIDGE_OPTION_SPECS.masquerade.name]: 'true',
      [BRIDGE_OPTION_SPECS.hostBindingIpv4.name]: '0.0.0.0',
      [BRIDGE_OPTION_SPECS.bridgeName.name]: DEFAULT_BRIDGE_DEVICE,
      [BRIDGE_OPTION_SPECS.mtu.name]: '1500',
    },
  },
  { name: 'host', driver: 'host', options: {} },
  { name: 'none', driver: 'null', options: {} },
];

/**
 * Every built-in driver, by type.
 *
 * @example
 * ```ts
 * for (const d of builtinDrivers()) console.log(d.type, d.capabilities.dataScope)
 * ```
 */
export function builtinDrivers(): Driver[] {
  return [
    bridgeDriver,
    hostDriver,
    nullDriver,
    macvlanDriver,
    unsupportedDriver(
      'ipvlan',
      "needs the kernel's ipvlan link type (CONFIG_IPVLAN), which the kernels cnm runs on lack; use macvlan",
    ),
    overlayDriver,
  ];
}
