// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Address management on the store's address records. Every allocation runs
 * inside the caller's transaction, so processes sharing a store never hand
 * out one subnet or address twice.
 */
import { CnmError } from '../../errors';
import type { StoreReads, StoreTx } from '../store/ports';
import {
  contains,
  formatAddress,
  formatPrefix,
  last,
  overlaps,
  type Prefix,
  parseAddress,
  parsePrefix,
  split,
} from './cidr';
import type { AddressPool } from './pools';

/** One `--subnet/--gateway/--ip-range/--aux-address` group, as given. */
export interface SubnetConfig {
  readonly subnet?: string;
  readonly gateway?: string;
  readonly ipRange?: string;
  readonly auxAddresses?: Readonly<Record<string, string>>;
}

/** A subnet as IPAM settled it. */
export interface PoolInfo {
  readonly family: 4 | 6;
  readonly subnet: string;
  readonly gateway: string;
  readonly ipRange?: string;
  readonly auxAddresses: Readonly<Record<string, string>>;
}

function addressIn(p: Prefix, text: string, field: string): bigint {
  const a = parseAddress(text);
  if (!a || !contains(p, a.family, a.value)) {
    throw new CnmError('CNM_INVALID_CONFIG', `${field}: ${text} is not an address inside ${formatPrefix(p)}`);
  }
  return a.value;
}

export class Ipam {
  constructor(
    private readonly v4Pools: readonly AddressPool[],
    private readonly v6Pools: readonly AddressPool[],
  ) {}

  /**
   * Settles a network's subnets: explicit ones are checked for overlap with
   * every other network's, missing ones are taken from the pools, skipping
   * any that overlap a network or a route of the host. Records each subnet
   * and reserves its gateway and aux addresses.
   */
  requestPools(
    tx: StoreTx,
    networkId: string,
    configs: readonly SubnetConfig[],
    families: readonly (4 | 6)[],
    hostRoutes: readonly Prefix[],
    /** Subnets of networks in another store (the cluster's, or this host's), taken as well. */
    elsewhere: readonly string[] = [],
  ): PoolInfo[] {
    const taken = [...tx.addresses.allSubnets(), ...elsewhere].map((subnet) => parsePrefix(subnet, 'stored subnet'));
    const out: PoolInfo[] = [];
    // Every family the network has gets a subnet: from the config, or from the pools.
    const wanted: { config: SubnetConfig; family: 4 | 6 }[] = configs.map((config, i) => ({
      config,
      family: config.subnet ? parsePrefix(config.subnet, `ipam.config[${i}].subnet`, true).family : 4,
    }));
    for (const [i, w] of wanted.entries()) {
      // Endpoints take their address from their family's one subnet.
      if (wanted.findIndex((o) => o.family === w.family) !== i) {
        throw new CnmError('CNM_NOT_SUPPORTED', `ipam.config[${i}]: one subnet per address family so far`);
      }
    }
    for (const family of families) {
      if (!wanted.some((w) => w.family === family)) wanted.push({ config: {}, family });
    }
    for (const [i, { config: c, family }] of wanted.entries()) {
      const field = `ipam.config[${i}]`;
      let prefix: Prefix;
      if (c.subnet) {
        prefix = parsePrefix(c.subnet, `${field}.subnet`);
        const clash = taken.find((t) => overlaps(t, prefix));
        if (clash) {
          throw new CnmError(
            'CNM_SUBNET_OVERLAP',
            `Pool overlaps with other one on this address space: ${field}.subnet ${c.subnet} overlaps ${formatPrefix(clash)}, already in use`,
          );
        }
      } else {
        prefix = this.pick(family, taken, hostRoutes);
      }
      const min = prefix.family === 4 ? 30 : 126;
      if (prefix.len > min)
        throw new CnmError('CNM_INVALID_CONFIG', `${field}.subnet: /${prefix.len} holds no usable address`);
      taken.push(prefix);
      let ipRange: Prefix | undefined;
      if (c.ipRange) {
        ipRange = parsePrefix(c.ipRange, `${field}.ipRange`);
        if (ipRange.family !== prefix.family || ipRange.base < prefix.base || last(ipRange) > last(prefix)) {
          throw new CnmError(
            'CNM_INVALID_CONFIG',
            `${field}.ipRange ${c.ipRange} is not inside ${formatPrefix(prefix)}`,
          );
        }
      }
      const gateway = c.gateway ? addressIn(prefix, c.gateway, `${field}.gateway`) : prefix.base + 1n;
      if (gateway === prefix.base || (prefix.family === 4 && gateway === last(prefix))) {
        throw new CnmError(
          'CNM_INVALID_CONFIG',
          `${field}.gateway: ${c.gateway} is the ${gateway === prefix.base ? 'network' : 'broadcast'} address of ${formatPrefix(prefix)}`,
        );
      }
      const aux: Record<string, string> = {};
      tx.addresses.reserve(networkId, formatAddress(prefix.family, gateway), 'gateway');
      for (const [name, addr] of Object.entries(c.auxAddresses ?? {})) {
        const value = addressIn(prefix, addr, `${field}.auxAddresses.${name}`);
        aux[name] = formatAddress(prefix.family, value);
        if (!tx.addresses.reserve(networkId, aux[name], `aux:${name}`)) {
          throw new CnmError('CNM_ADDRESS_IN_USE', `${field}.auxAddresses.${name}: ${addr} is reserved twice`);
        }
      }
      const info: PoolInfo = {
        family: prefix.family,
        subnet: formatPrefix(prefix),
        gateway: formatAddress(prefix.family, gateway),
        ...(ipRange ? { ipRange: formatPrefix(ipRange) } : {}),
        auxAddresses: aux,
      };
      tx.addresses.addSubnet(networkId, info);
      out.push(info);
    }
    return out;
  }

  private pick(family: 4 | 6, taken: readonly Prefix[], hostRoutes: readonly Prefix[]): Prefix {
    for (const pool of family === 4 ? this.v4Pools : this.v6Pools) {
      const base = parsePrefix(pool.base, 'defaultAddressPools.base');
      if (base.family !== family) continue;
      for (const candidate of split(base, pool.size)) {
        if (taken.some((t) => overlaps(t, candidate))) continue;
        if (hostRoutes.some((r) => r.len > 0 && overlaps(r, candidate))) continue;
        return candidate;
      }
    }
    throw new CnmError('CNM_POOL_EXHAUSTED', `no IPv${family} subnet is left in the address pools`);
  }

  /** The subnets of a network, as stored. */
  pools(store: StoreReads, networkId: string): PoolInfo[] {
    return store.addresses.subnets(networkId).map(({ nextFree: _hint, ...pool }) => pool);
  }

  /**
   * Allocates an address of `family` on the network for `owner`: the one
   * asked for, or the first free one (in the ip-range when there is one).
   * Returns `address/len`.
   */
  requestAddress(tx: StoreTx, networkId: string, family: 4 | 6, owner: string, exact?: string): string {
    const pool = tx.addresses.subnets(networkId).find((p) => p.family === family);
    if (!pool) throw new CnmError('CNM_INVALID_CONFIG', `the network has no IPv${family} subnet`);
    const prefix = parsePrefix(pool.subnet, 'subnet');
    if (exact) {
      const value = addressIn(prefix, exact, family === 4 ? 'ipv4Address' : 'ipv6Address');
      const text = formatAddress(family, value);
      if (value === prefix.base || (family === 4 && value === last(prefix))) {
        throw new CnmError('CNM_INVALID_CONFIG', `${exact} is the network or broadcast address`);
      }
      if (!tx.addresses.reserve(networkId, text, owner)) {
        const used = tx.addresses.holder(networkId, text);
        throw new CnmError('CNM_ADDRESS_IN_USE', `${text} is already in use on this network (${used})`);
      }
      return `${text}/${prefix.len}`;
    }
    // First free, without reading every address: `next_free` is the lowest
    // address that may be free (all below it are taken), so a search starts
    // there and a steady stream of allocations costs the same at any size.
    const range = pool.ipRange ? parsePrefix(pool.ipRange, 'ipRange') : prefix;
    const first = range.base === prefix.base ? range.base + 1n : range.base;
    const hint = pool.nextFree ? (parseAddress(pool.nextFree)?.value ?? first) : first;
    const end = family === 4 ? last(prefix) - 1n : last(prefix);
    for (let v = hint > first ? hint : first; v <= last(range) && v <= end; v++) {
      const text = formatAddress(family, v);
      if (!tx.addresses.reserve(networkId, text, owner)) continue;
      tx.addresses.setNextFree(networkId, pool.subnet, formatAddress(family, v + 1n));
      return `${text}/${prefix.len}`;
    }
    throw new CnmError('CNM_POOL_EXHAUSTED', `no free IPv${family} address is left in ${pool.ipRange ?? pool.subnet}`);
  }

  /** Frees every address `owner` holds on the network, and lowers the search start. */
  releaseAddresses(tx: StoreTx, networkId: string, owner: string): void {
    const freed = tx.addresses.release(networkId, owner);
    if (freed.length === 0) return;
    for (const address of freed) {
      const a = parseAddress(address);
      if (!a) continue;
      // Read again each time: the previous address may have lowered it.
      for (const s of tx.addresses.subnets(networkId)) {
        if (!contains(parsePrefix(s.subnet, 'subnet'), a.family, a.value)) continue;
        const hint = s.nextFree ? parseAddress(s.nextFree)?.value : undefined;
        if (hint === undefined || a.value < hint) tx.addresses.setNextFree(networkId, s.subnet, address);
      }
    }
  }
}
