// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * `docker network create`'s IPAM flags, grouped the way Docker groups them:
 * each `--gateway`, `--ip-range` and `--aux-address` belongs to the one
 * `--subnet` that contains it.
 */
import { contains, overlaps, parseAddress, parsePrefix } from '../cnm/ipam/cidr';
import type { SubnetConfig } from '../cnm/ipam/ipam';
import { CnmError } from '../errors';

/** The flags as given, each repeatable. */
export interface IpamFlags {
  readonly subnet: readonly string[];
  readonly gateway: readonly string[];
  readonly ipRange: readonly string[];
  /** `name=IP` */
  readonly auxAddress: readonly string[];
}

/**
 * One {@link SubnetConfig} per `--subnet`, with the gateway, range and aux
 * addresses that fall inside it. Refused: any of those without a subnet
 * holding it, or two of a kind for one subnet.
 *
 * @example
 * ```ts
 * ipamConfigFrom({ subnet: ['10.1.0.0/16'], gateway: ['10.1.0.254'], ipRange: [], auxAddress: ['router=10.1.0.2'] })
 * // [{ subnet: '10.1.0.0/16', gateway: '10.1.0.254', auxAddresses: { router: '10.1.0.2' } }]
 * ```
 */
export function ipamConfigFrom(flags: IpamFlags): SubnetConfig[] {
  const subnets = flags.subnet.map((s) => ({
    text: s,
    prefix: parsePrefix(s, '--subnet'),
    config: { subnet: s } as {
      subnet: string;
      gateway?: string;
      ipRange?: string;
      auxAddresses?: Record<string, string>;
    },
  }));
  const owner = (flag: string, text: string, test: (p: (typeof subnets)[number]['prefix']) => boolean) => {
    const found = subnets.find((s) => test(s.prefix));
    if (!found) throw new CnmError('CNM_INVALID_CONFIG', `${flag} ${text}: no --subnet contains it`);
    return found.config;
  };
  for (const g of flags.gateway) {
    const a = parseAddress(g);
    if (!a) throw new CnmError('CNM_INVALID_CONFIG', `--gateway ${g}: not an address`);
    const c = owner('--gateway', g, (p) => contains(p, a.family, a.value));
    if (c.gateway) throw new CnmError('CNM_INVALID_CONFIG', `--gateway ${g}: subnet ${c.subnet} has a gateway already`);
    c.gateway = g;
  }
  for (const r of flags.ipRange) {
    const range = parsePrefix(r, '--ip-range');
    const c = owner('--ip-range', r, (p) => p.family === range.family && p.len <= range.len && overlaps(p, range));
    if (c.ipRange) throw new CnmError('CNM_INVALID_CONFIG', `--ip-range ${r}: subnet ${c.subnet} has a range already`);
    c.ipRange = r;
  }
  for (const pair of flags.auxAddress) {
    const [name, ip, ...more] = pair.split('=');
    const a = ip === undefined ? undefined : parseAddress(ip);
    if (!name || !a || more.length > 0) {
      throw new CnmError('CNM_INVALID_CONFIG', `--aux-address ${pair}: expected name=IP`);
    }
    const c = owner('--aux-address', pair, (p) => contains(p, a.family, a.value));
    c.auxAddresses = { ...(c.auxAddresses ?? {}), [name]: ip as string };
  }
  return subnets.map((s) => s.config);
}

/**
 * `key=value` flags (`-o`, `--label`) into an object; a bare `key` has an
 * empty value, as Docker's labels do.
 *
 * @example
 * ```ts
 * keyValues(['com.docker.network.bridge.name=br-web'], '-o') // { 'com.docker.network.bridge.name': 'br-web' }
 * ```
 */
export function keyValues(pairs: readonly string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    const key = at < 0 ? pair : pair.slice(0, at);
    if (!key) throw new CnmError('CNM_INVALID_CONFIG', `${flag} ${pair}: expected key=value`);
    out[key] = at < 0 ? '' : pair.slice(at + 1);
  }
  return out;
}
