// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Addresses and prefixes of both families as bigints, for IPAM: parse,
 * format, contain, overlap, and walk.
 */
import { isIP } from 'node:net';
import { CnmError } from '../../errors';

export interface Prefix {
  readonly family: 4 | 6;
  /** The network address (host bits zero). */
  readonly base: bigint;
  readonly len: number;
}

const BITS = { 4: 32, 6: 128 } as const;

export function parseAddress(text: string): { family: 4 | 6; value: bigint } | undefined {
  // node:net's check first: it refuses what Go's net.ParseIP refuses (leading
  // zeros such as 010.1.0.0, which some parsers read as octal).
  if (typeof text !== 'string' || isIP(text) === 0) return undefined;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) {
    const parts = text.split('.').map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    return { family: 4, value: parts.reduce((n, p) => (n << 8n) + BigInt(p), 0n) };
  }
  if (!/^[0-9a-fA-F:]+$/.test(text) || !text.includes(':')) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? (halves[0] as string).split(':') : [];
  const tail = halves.length === 2 && halves[1] ? (halves[1] as string).split(':') : [];
  const fill = 8 - head.length - tail.length;
  if ((halves.length === 1 && fill !== 0) || fill < 0) return undefined;
  const groups = [...head, ...Array(halves.length === 2 ? fill : 0).fill('0'), ...tail];
  if (groups.some((g) => g.length === 0 || g.length > 4)) return undefined;
  return { family: 6, value: groups.reduce((n, g) => (n << 16n) + BigInt(Number.parseInt(g, 16)), 0n) };
}

export function formatAddress(family: 4 | 6, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  // The longest run of zero groups becomes "::" (RFC 5952).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** Parses `a.b.c.d/len` or `x::/len`; the host bits must be zero unless `loose`. */
export function parsePrefix(text: string, field: string, loose = false): Prefix {
  const [addr = '', lenText] = text.split('/');
  const a = parseAddress(addr);
  const len = lenText === undefined ? Number.NaN : Number(lenText);
  if (!a || !Number.isInteger(len) || len < 0 || len > BITS[a.family]) {
    throw new CnmError('CNM_INVALID_CONFIG', `${field}: "${text}" is not a subnet in CIDR form`);
  }
  const host = hostMask(a.family, len);
  if (!loose && (a.value & host) !== 0n) {
    throw new CnmError('CNM_INVALID_CONFIG', `${field}: "${text}" has host bits set`);
  }
  return { family: a.family, base: a.value & ~host & allOnes(a.family), len };
}

function allOnes(family: 4 | 6): bigint {
  return (1n << BigInt(BITS[family])) - 1n;
}

function hostMask(family: 4 | 6, len: number): bigint {
  return (1n << BigInt(BITS[family] - len)) - 1n;
}

export function formatPrefix(p: Prefix): string {
  return `${formatAddress(p.family, p.base)}/${p.len}`;
}

export function last(p: Prefix): bigint {
  return p.base | hostMask(p.family, p.len);
}

export function contains(p: Prefix, family: 4 | 6, value: bigint): boolean {
  return p.family === family && value >= p.base && value <= last(p);
}

export function overlaps(a: Prefix, b: Prefix): boolean {
  return a.family === b.family && a.base <= last(b) && b.base <= last(a);
}

export function size(p: Prefix): bigint {
  return hostMask(p.family, p.len) + 1n;
}

/** `parent` split into prefixes of length `len`, in order (lazily). */
export function* split(parent: Prefix, len: number): Generator<Prefix> {
  const step = 1n << BigInt(BITS[parent.family] - len);
  for (let base = parent.base; base <= last(parent); base += step) yield { family: parent.family, base, len };
}
