// SPDX-License-Identifier: GPL-2.0-or-later
// Public re-exports only.
export * from './cnm/index';
export * as firewall from './drivers/bridge/firewall/index';
export type { Driver, DriverContext, DriverEndpoint, DriverJoin, DriverJoined, DriverNetwork } from './drivers/driver';
export * from './errors';
export { setAddonPath } from './kernel/binding';
export * as kernel from './kernel/index';
