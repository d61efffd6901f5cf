// SPDX-License-Identifier: GPL-2.0-or-later
// The kernel layer's public surface (re-exports only).
export type { Netns } from './binding';
export * from './exec';
export * from './netns';
export type * from './ops';
export * from './rtnl';
export * from './sysctl';
