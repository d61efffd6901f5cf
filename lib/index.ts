// SPDX-License-Identifier: GPL-2.0-or-later
// Public re-exports only.

export * as firewall from './drivers/bridge/firewall/index';
export * from './errors';
export * as kernel from './kernel/index';
