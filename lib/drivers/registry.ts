// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The drivers a controller starts with. A new driver is added here and in
 * its own folder: the model never names one.
 */
import { bridgeDriver } from './bridge/bridge-driver';
import type { Driver } from './driver';
import { macvlanDriver } from './macvlan/macvlan-driver';
import { hostDriver, nullDriver } from './null-host';
import { unsupportedDriver } from './unsupported';

/** Docker's default driver, used when `createNetwork` names none. */
export const DEFAULT_DRIVER = 'bridge';

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
    unsupportedDriver('overlay', 'not built yet (multi-host arrives with the cluster store)', 'global'),
  ];
}
