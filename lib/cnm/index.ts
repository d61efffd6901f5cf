// SPDX-License-Identifier: GPL-2.0-or-later
// The CNM model's public surface (re-exports only).
export type { AgentEvent, AgentOptions } from './agent';
export type { ClusterOptions } from './cluster';
export type { ConnectManyOptions, ConnectManyResult, ConnectManySpec } from './connect-many';
export * from './controller';
export * from './endpoint';
export type { Brand, EndpointId, NetworkId, SandboxId } from './ids';
export type { PoolInfo, SubnetConfig } from './ipam/ipam';
export * from './ipam/pools';
export * from './network';
export * from './sandbox';
export { SANDBOX_DEFAULT_SYSCTLS } from './sandbox-options';
export type * from './types';
