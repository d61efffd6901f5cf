// SPDX-License-Identifier: GPL-2.0-or-later
/** Docker's default address pools, and how to describe others. */

/** A base prefix split into subnets of `size` bits (`default-address-pools` in Docker). */
export interface AddressPool {
  readonly base: string;
  readonly size: number;
}

/**
 * Docker's local defaults: 172.17–172.31 as /16s (15 networks), then
 * 192.168.0.0/16 as /20s (16 networks).
 */
export const DEFAULT_POOLS: readonly AddressPool[] = [
  { base: '172.17.0.0/16', size: 16 },
  { base: '172.18.0.0/16', size: 16 },
  { base: '172.19.0.0/16', size: 16 },
  { base: '172.20.0.0/14', size: 16 },
  { base: '172.24.0.0/14', size: 16 },
  { base: '172.28.0.0/14', size: 16 },
  { base: '192.168.0.0/16', size: 20 },
];

/** Where IPv6 networks get a /64 when they name no subnet: a ULA /48. */
export const DEFAULT_POOLS_V6: readonly AddressPool[] = [{ base: 'fd7c:6e6d:0::/48', size: 64 }];
