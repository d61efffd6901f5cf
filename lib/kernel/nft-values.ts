// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Reading nftables values back: the kernel's type ids (nft's own, 6 bits a
 * field in a concatenation) and element bytes decoded into values.
 */
import type { NftType, NftValue } from './nft-ops';

const TYPES: Record<NftType, { readonly id: number; readonly size: number }> = {
  ipv4_addr: { id: 7, size: 4 },
  ipv6_addr: { id: 8, size: 16 },
  ether_addr: { id: 9, size: 6 },
  inet_proto: { id: 12, size: 1 },
  inet_service: { id: 13, size: 2 },
  mark: { id: 19, size: 4 },
  ifname: { id: 41, size: 16 },
};

const PROTOCOLS: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6', 132: 'sctp' };

/**
 * The types of a (concatenated) type id, or an empty list when a field is not one cnm uses.
 *
 * @example
 * ```ts
 * typesOfId(2665) // ['ifname', 'ifname']
 * ```
 *
 * @internal
 */
export function typesOfId(id: number): NftType[] {
  const out: NftType[] = [];
  for (let rest = id; rest > 0; rest = Math.floor(rest / 64)) {
    const field = Object.entries(TYPES).find(([, t]) => t.id === rest % 64)?.[0] as NftType | undefined;
    if (!field) return [];
    out.unshift(field);
  }
  return out;
}

function decodeOne(type: NftType, b: Buffer): NftValue {
  switch (type) {
    case 'ipv4_addr':
      return [...b.subarray(0, 4)].join('.');
    case 'ipv6_addr': {
      const groups = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2).toString(16));
      return compressIpv6(groups);
    }
    case 'ether_addr':
      return [...b.subarray(0, 6)].map((x) => x.toString(16).padStart(2, '0')).join(':');
    case 'inet_proto':
      return PROTOCOLS[b[0] as number] ?? (b[0] as number);
    case 'inet_service':
      return b.readUInt16BE(0);
    case 'mark':
      return b.readUInt32LE(0);
    case 'ifname': {
      const end = b.indexOf(0);
      return b.subarray(0, end < 0 ? b.length : end).toString('utf8');
    }
  }
}

/**
 * Eight IPv6 groups (hex text) as inet_ntop writes them.
 *
 * @example
 * ```ts
 * compressIpv6(['fd00', '0', '0', '0', '0', '0', '0', '1'])   // 'fd00::1'
 * ```
 *
 * @internal
 */
export function compressIpv6(groups: readonly string[]): string {
  // The longest run of zero groups becomes "::", as inet_ntop writes it.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < groups.length; ) {
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/**
 * Decodes a key or data from its hex bytes with the given types (each field
 * of a concatenation padded to 4 bytes).
 *
 * @example
 * ```ts
 * decodeValues(['ipv4_addr', 'inet_service'], 'ac11000200500000') // ['172.17.0.2', 80]
 * ```
 *
 * @internal
 */
export function decodeValues(types: readonly NftType[], hex: string): NftValue[] {
  const bytes = Buffer.from(hex, 'hex');
  const out: NftValue[] = [];
  let offset = 0;
  for (const type of types) {
    const size = TYPES[type].size;
    out.push(decodeOne(type, bytes.subarray(offset, offset + size)));
    offset += types.length > 1 ? Math.ceil(size / 4) * 4 : size;
  }
  return out;
}
