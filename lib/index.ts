// SPDX-License-Identifier: GPL-2.0-or-later
// Public re-exports only.
export * from './cnm/index';
export type {
  Driver,
  DriverCapabilities,
  DriverContext,
  DriverEndpoint,
  DriverNetwork,
  DriverOptionSpec,
  DriverOptionType,
  EndpointInterface,
  JoinedEndpoint,
  JoinPlan,
  JoinRequest,
  LeaveRequest,
  NetworkPool,
  ParsedOptions,
  Peer,
  PlannedJoin,
  Reconciled,
  ReconcileNetwork,
  ResolvedBinding,
  Scope,
  StaticRoute,
} from './drivers/driver';
export { DEFAULT_BRIDGE_DEVICE, PREDEFINED_NETWORKS, type PredefinedNetwork } from './drivers/registry';
export * from './errors';
export type { Firewall, FirewallNetwork, FirewallState, PortMapping } from './firewall/firewall';
export * as firewall from './firewall/nftables/index';
export { setAddonPath } from './kernel/binding';
export * as kernel from './kernel/index';
