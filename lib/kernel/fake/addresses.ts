// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Interface addresses of the fake kernel: the ones ops add, and the ones the
 * kernel makes itself — loopback's 127.0.0.1/8 and ::1/128 once `lo` is up,
 * and an IPv6 link-local (EUI-64) on a link that is up with carrier unless
 * its address generation mode is `none` (the point of cnm's quiet links).
 */
import type { AddrOp } from '../ops';
import { refuse } from './errors';
import { hasCarrier, needLink } from './links';
import type { FakeAddr, FakeNamespace } from './model';
import { bytesToIp, ipBytes, type ParsedPrefix } from './op-reader';

/** An address op, read and checked. */
export interface AddrSpec {
  readonly dev: number;
  readonly local: ParsedPrefix;
  readonly peer?: string;
  readonly broadcast?: string;
  readonly label?: string;
  readonly scope?: AddrOp['scope'];
  readonly nodad: boolean;
  readonly noprefixroute: boolean;
}

function eui64(mac: string): string {
  const b = mac.split(':').map((x) => Number.parseInt(x, 16));
  b[0] = (b[0] as number) ^ 0x02;
  const bytes = Buffer.from([0xfe, 0x80, 0, 0, 0, 0, 0, 0, b[0], b[1], b[2], 0xff, 0xfe, b[3], b[4], b[5]] as number[]);
  return bytesToIp(bytes);
}

/** What the kernel adds by itself, derived from the links' state. */
function automatic(ns: FakeNamespace): FakeAddr[] {
  const out: FakeAddr[] = [];
  for (const l of ns.links.values()) {
    if (!l.up) continue;
    if (l.kind === 'loopback') {
      const base = { index: l.index, scope: 'host', nodad: false, noprefixroute: false, auto: true } as const;
      out.push({ ...base, family: 4, address: '127.0.0.1', prefixlen: 8, label: 'lo' });
      out.push({ ...base, family: 6, address: '::1', prefixlen: 128 });
      continue;
    }
    if (l.addrGenMode === 'none' || !hasCarrier(l)) continue;
    out.push({
      family: 6,
      index: l.index,
      address: eui64(l.address),
      prefixlen: 64,
      scope: 'link',
      nodad: false,
      noprefixroute: false,
      auto: true,
    });
  }
  return out;
}

/** Every address of the namespace: the kernel's own, then those added by ops. */
export function allAddrs(ns: FakeNamespace): FakeAddr[] {
  return [...automatic(ns), ...ns.addrs];
}

function same(a: FakeAddr, family: 4 | 6, index: number, address: string, len: number): boolean {
  return a.family === family && a.index === index && a.address === address && a.prefixlen === len;
}

/** `ip addr add`. */
export function addAddr(ns: FakeNamespace, spec: AddrSpec): void {
  const v6 = spec.local.family === 6;
  const link = ns.links.get(spec.dev);
  if (!link) refuse('ENODEV', v6 ? 'IPv6: Device not found' : 'ipv4: Device not found');
  const exists = allAddrs(ns).some((a) =>
    v6
      ? a.family === 6 && a.index === spec.dev && a.address === spec.local.text
      : same(a, 4, spec.dev, spec.local.text, spec.local.len),
  );
  if (exists) refuse('EEXIST');
  const loopbackNet = !v6 && spec.local.text.startsWith('127.');
  ns.addrs.push({
    family: spec.local.family,
    index: spec.dev,
    address: spec.local.text,
    prefixlen: spec.local.len,
    ...(spec.peer ? { peer: spec.peer } : {}),
    ...(spec.broadcast ? { broadcast: spec.broadcast } : {}),
    ...(spec.label ? { label: spec.label } : v6 ? {} : { label: link.name }),
    scope: spec.scope ?? (loopbackNet || spec.local.text === '::1' ? 'host' : 'universe'),
    nodad: spec.nodad,
    noprefixroute: spec.noprefixroute,
  });
}

/** `ip addr del`. */
export function delAddr(ns: FakeNamespace, spec: AddrSpec): void {
  needLink(ns, spec.dev);
  const i = ns.addrs.findIndex((a) => same(a, spec.local.family, spec.dev, spec.local.text, spec.local.len));
  if (i < 0) refuse('EADDRNOTAVAIL');
  ns.addrs.splice(i, 1);
}

/** The network of an address: `10.0.0.7/24` → `10.0.0.0/24`. */
export function networkOf(address: string, len: number): string {
  const family = address.includes(':') ? 6 : 4;
  const b = ipBytes({ family, text: address });
  for (let bit = len; bit < b.length * 8; bit++) b[bit >> 3] = (b[bit >> 3] as number) & ~(0x80 >> (bit & 7));
  return `${bytesToIp(b)}/${len}`;
}

/** Whether `address` is inside `prefix` (`10.0.0.0/24`). */
export function contains(prefix: string, address: string): boolean {
  const [net = '', lenText = ''] = prefix.split('/');
  if (net.includes(':') !== address.includes(':')) return false;
  return networkOf(address, Number(lenText)) === networkOf(net, Number(lenText));
}
