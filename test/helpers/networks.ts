// SPDX-License-Identifier: GPL-2.0-or-later
// The networks a test made, apart from the predefined ones (bridge, host,
// none) every store has and no test can remove.
import type { Network, NetworkController } from '../../lib/index';
import { PREDEFINED_NETWORKS } from '../../lib/index';

/** The predefined networks' names, in Docker's order. */
export const PREDEFINED = PREDEFINED_NETWORKS.map((n) => n.name);

/** Whether a network is one of the predefined ones. */
export const isPredefined = (name: string): boolean => PREDEFINED.includes(name);

/** The controller's networks but the predefined ones. */
export function userNetworks(ctl: NetworkController): Network[] {
  return ctl.networks().filter((n) => !isPredefined(n.info().name));
}
