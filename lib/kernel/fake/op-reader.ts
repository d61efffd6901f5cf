// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Reads the fields of one plain-object op as the addon's OpReader does
 * (native/glue/op_reader.cc): the same checks, the same field names and
 * reasons in the {@link InvalidOpError} it throws.
 */
import { isIP } from 'node:net';
import { compressIpv6 } from '../nft-values';
import { invalidOp } from './errors';

/** An address as parsed: family and canonical text. */
export interface ParsedIp {
  readonly family: 4 | 6;
  readonly text: string;
}

/** An address with a prefix length. */
export interface ParsedPrefix extends ParsedIp {
  readonly len: number;
}

const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

/** `10.0.0.1` / `fd00::1` → family and canonical text (IPv6 compressed as inet_ntop writes it). */
export function parseIp(text: string): ParsedIp | undefined {
  const family = isIP(text);
  if (family === 4) return /^\d+(\.\d+){3}$/.test(text) ? { family, text } : undefined;
  if (family === 6) return { family, text: canonicalIpv6(text) };
  return undefined;
}

/** The bytes of an address. */
export function ipBytes(ip: ParsedIp): Buffer {
  if (ip.family === 4) return Buffer.from(ip.text.split('.').map(Number));
  const [head = '', tail] = ip.text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail !== undefined ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  const out = Buffer.alloc(16);
  for (const [i, g] of groups.entries()) out.writeUInt16BE(Number.parseInt(g || '0', 16), i * 2);
  return out;
}

/** Bytes back to an address's canonical text. */
export function bytesToIp(b: Buffer): string {
  if (b.length === 4) return [...b].join('.');
  return compressIpv6(Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2).toString(16)));
}

function canonicalIpv6(text: string): string {
  if (text.includes('.')) return text.toLowerCase(); // an IPv4-mapped form: kept as written
  return bytesToIp(ipBytes({ family: 6, text: text.toLowerCase() }));
}

/** `addr[/len]` → address and prefix length (the full length when none is given). */
export function parsePrefix(text: string): ParsedPrefix | undefined {
  const [addr = '', lenText, extra] = text.split('/');
  if (extra !== undefined) return undefined;
  const ip = parseIp(addr);
  if (!ip) return undefined;
  const max = ip.family === 4 ? 32 : 128;
  if (lenText === undefined) return { ...ip, len: max };
  if (!/^\d{1,3}$/.test(lenText) || Number(lenText) > max) return undefined;
  return { ...ip, len: Number(lenText) };
}

/** The value of a field that names a namespace: a handle, or a pending namespace of the same sequence. */
export type NetnsResolver = (value: unknown) => unknown | undefined;

/** Reads one op (or a nested object of it), failing as the addon fails. */
export class OpReader {
  constructor(
    readonly object: Record<string, unknown>,
    readonly index: number,
    readonly where = '',
    readonly resolveNetns?: NetnsResolver,
  ) {}

  fail(key: string, why: string): never {
    invalidOp(this.index, this.where + key, why);
  }

  raw(key: string): unknown {
    return this.object[key];
  }

  has(key: string): boolean {
    const v = this.object[key];
    return v !== undefined && v !== null;
  }

  u32(key: string, min = 0, max = 0xffffffff): number | undefined {
    if (!this.has(key)) return undefined;
    const v = this.object[key];
    if (typeof v !== 'number') this.fail(key, 'must be a number');
    if (!Number.isFinite(v) || !Number.isInteger(v) || v < min || v > max)
      this.fail(key, `must be an integer from ${min} to ${max}`);
    return v;
  }

  requiredU32(key: string, min = 0, max = 0xffffffff): number {
    const v = this.u32(key, min, max);
    if (v === undefined) this.fail(key, 'is required');
    return v;
  }

  boolean(key: string): boolean | undefined {
    if (!this.has(key)) return undefined;
    const v = this.object[key];
    if (typeof v !== 'boolean') this.fail(key, 'must be a boolean');
    return v;
  }

  string(key: string): string | undefined {
    if (!this.has(key)) return undefined;
    const v = this.object[key];
    if (typeof v !== 'string') this.fail(key, 'must be a string');
    return v;
  }

  requiredString(key: string): string {
    const v = this.string(key);
    if (v === undefined) this.fail(key, 'is required');
    return v;
  }

  /** The kernel's dev_valid_name(): 1-15 bytes, no '/', ':' or white space, not "." or "..". */
  ifname(key: string): string | undefined {
    const name = this.string(key);
    if (name === undefined) return name;
    const ok = name.length > 0 && Buffer.byteLength(name) < 16 && name !== '.' && name !== '..' && !/[/:\s]/.test(name);
    if (!ok) this.fail(key, "must be an interface name (1-15 bytes, no '/', ':' or spaces)");
    return name;
  }

  ifindex(key: string): number | undefined {
    return this.u32(key, 1, 0x7fffffff);
  }

  requiredIfindex(key: string): number {
    const v = this.ifindex(key);
    if (v === undefined) this.fail(key, 'is required (an ifindex)');
    return v;
  }

  /** An ifindex or a name. */
  linkRef(key: string): number | string {
    if (!this.has(key)) this.fail(key, 'is required (an ifindex or an interface name)');
    if (typeof this.object[key] === 'number') return this.ifindex(key) as number;
    return this.ifname(key) as string;
  }

  mac(key: string): string | undefined {
    const s = this.string(key);
    if (s === undefined) return s;
    if (!MAC.test(s)) this.fail(key, 'must be a MAC address like 02:42:ac:11:00:02');
    return s.toLowerCase();
  }

  ip(key: string): ParsedIp | undefined {
    const s = this.string(key);
    if (s === undefined) return s;
    const ip = parseIp(s);
    if (!ip) this.fail(key, 'must be an IPv4 or IPv6 address');
    return ip;
  }

  prefix(key: string): ParsedPrefix | undefined {
    const s = this.string(key);
    if (s === undefined) return s;
    const p = parsePrefix(s);
    if (!p) this.fail(key, 'must be an address with an optional /prefix-length');
    return p;
  }

  /** A value from a fixed list of names (or, with `numbersToo`, a number 0-255). */
  named<T extends string>(key: string, names: readonly T[], numbersToo = false): T | number | undefined {
    if (!this.has(key)) return undefined;
    if (numbersToo && typeof this.object[key] === 'number') return this.u32(key, 0, 255);
    const s = this.string(key) as string;
    if (!(names as readonly string[]).includes(s)) this.fail(key, `unknown value "${s}"`);
    return s as T;
  }

  netns(key: string): unknown | undefined {
    if (!this.has(key)) return undefined;
    const resolved = this.resolveNetns?.(this.object[key]);
    if (resolved === undefined)
      this.fail(key, 'must be an open Netns handle (or one created earlier in the same sequence)');
    return resolved;
  }

  nested(key: string): OpReader {
    const v = this.object[key];
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(key, 'must be an object');
    return new OpReader(v as Record<string, unknown>, this.index, `${this.where}${key}.`, this.resolveNetns);
  }

  /** A reader of an element of an array field, with its own prefix (`elements.3.`). */
  child(object: unknown, prefix: string, key: string): OpReader {
    if (typeof object !== 'object' || object === null || Array.isArray(object)) this.fail(key, 'must be an object');
    return new OpReader(object as Record<string, unknown>, this.index, prefix, this.resolveNetns);
  }
}
