// SPDX-License-Identifier: GPL-2.0-or-later
// The kernel layer's public surface (re-exports only).
export type { Netns } from './binding';
export * from './exec';
export * from './netns';
export * from './nft';
export type * from './nft-ops';
export * from './nft-render';
export * from './nft-values';
export type * from './ops';
export * from './rtnl';
export * from './sysctl';
export * from './trace';
