// SPDX-License-Identifier: GPL-2.0-or-later
// cnm's nftables ruleset (docs/firewall.md): re-exports only.
export * from './elements';
export * from './nftables-firewall';
export * from './ruleset';
