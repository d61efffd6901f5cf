// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * nftables values to the bytes the kernel keeps, as the addon encodes them
 * (native/core/nft_values.cc): each field of a concatenation padded to 4
 * bytes, ports big endian, marks in host order, interface names padded to 16.
 */
import type { NftType, NftValue } from '../nft-ops';
import { ipBytes, parseIp } from './op-reader';

const SIZES: Record<NftType, number> = {
  ipv4_addr: 4,
  ipv6_addr: 16,
  ether_addr: 6,
  inet_proto: 1,
  inet_service: 2,
  mark: 4,
  ifname: 16,
};

/** Whether a name is a type the kernel layer knows. */
export function isNftType(name: unknown): name is NftType {
  return typeof name === 'string' && Object.hasOwn(SIZES, name);
}

const PROTOCOLS: Record<string, number> = { tcp: 6, udp: 17, sctp: 132, icmp: 1, icmpv6: 58 };

function encodeOne(type: NftType, v: NftValue): Buffer | string {
  const out = Buffer.alloc(SIZES[type]);
  const integer = (max: number): number | string =>
    typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max
      ? v
      : `a ${type} must be an integer from 0 to ${max}`;
  switch (type) {
    case 'ipv4_addr':
    case 'ipv6_addr': {
      const ip = typeof v === 'string' ? parseIp(v) : undefined;
      if (!ip || (ip.family === 4) !== (type === 'ipv4_addr'))
        return `not an ${type === 'ipv4_addr' ? 'IPv4' : 'IPv6'} address: ${String(v)}`;
      return ipBytes(ip);
    }
    case 'ether_addr':
      if (typeof v !== 'string' || !/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(v)) return `not a MAC address: ${v}`;
      return Buffer.from(v.split(':').map((x) => Number.parseInt(x, 16)));
    case 'inet_proto': {
      const p = typeof v === 'number' ? (Number.isInteger(v) && v >= 0 && v <= 255 ? v : undefined) : PROTOCOLS[v];
      if (p === undefined) return 'not a protocol (tcp, udp, sctp, icmp, icmpv6 or 0-255)';
      out[0] = p;
      return out;
    }
    case 'inet_service': {
      const port = integer(65535);
      if (typeof port === 'string') return port;
      out.writeUInt16BE(port);
      return out;
    }
    case 'mark': {
      const mark = integer(4294967295);
      if (typeof mark === 'string') return mark;
      out.writeUInt32LE(mark);
      return out;
    }
    case 'ifname':
      if (typeof v !== 'string' || v.length === 0 || Buffer.byteLength(v) >= 16)
        return 'an interface name must be 1-15 bytes';
      out.write(v, 'utf8');
      return out;
  }
}

/** Encodes one value per field, or returns why it cannot. */
export function encodeValues(types: readonly NftType[], values: readonly NftValue[]): Buffer | string {
  if (values.length !== types.length) return `expected ${types.length} values, one per field of the type`;
  const parts: Buffer[] = [];
  for (const [i, type] of types.entries()) {
    const one = encodeOne(type, values[i] as NftValue);
    if (typeof one === 'string') return one;
    parts.push(types.length > 1 ? Buffer.concat([one, Buffer.alloc((4 - (one.length % 4)) % 4)]) : one);
  }
  return Buffer.concat(parts);
}

/** nft's type id of a (concatenated) type: 6 bits a field. */
export function typeId(types: readonly NftType[]): number {
  const IDS: Record<NftType, number> = {
    ipv4_addr: 7,
    ipv6_addr: 8,
    ether_addr: 9,
    inet_proto: 12,
    inet_service: 13,
    mark: 19,
    ifname: 41,
  };
  return types.reduce((id, t) => id * 64 + IDS[t], 0);
}

/** The key or data length of a (concatenated) type, in bytes. */
export function typeLength(types: readonly NftType[]): number {
  if (types.length === 1) return SIZES[types[0] as NftType];
  return types.reduce((n, t) => n + Math.ceil(SIZES[t] / 4) * 4, 0);
}

/** The value after `b` (big-endian increment), or undefined when it wraps. */
export function increment(b: Buffer): Buffer | undefined {
  const out = Buffer.from(b);
  for (let i = out.length - 1; i >= 0; i--) {
    out[i] = ((out[i] as number) + 1) & 0xff;
    if (out[i] !== 0) return out;
  }
  return undefined;
}
