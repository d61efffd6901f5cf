// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * `/proc/sys/net` of a fake namespace: the defaults a new namespace has for
 * the keys cnm reads and writes, the per-interface IPv4 settings
 * (`net.ipv4.conf.DEV.KEY`, shared with `link.set`'s `inet`), and
 * `ip_forward`, which sets forwarding on every interface as the kernel does.
 * Any other key is ENOENT, as a missing file is.
 */
import type { InetConfName } from '../ops';
import { refuse } from './errors';
import { findLink } from './links';
import type { FakeNamespace } from './model';

/** The values of a new namespace (kernel defaults, not the machine's). */
export const FAKE_SYSCTL_DEFAULTS: Readonly<Record<string, string>> = Object.freeze({
  'net.ipv4.ip_forward': '0',
  'net.ipv4.conf.all.forwarding': '0',
  'net.ipv4.conf.default.forwarding': '0',
  'net.ipv4.conf.all.rp_filter': '0',
  'net.ipv4.conf.default.rp_filter': '0',
  'net.ipv4.conf.all.route_localnet': '0',
  'net.ipv4.ip_local_port_range': '32768\t60999',
  'net.ipv4.ip_unprivileged_port_start': '1024',
  'net.ipv4.ping_group_range': '1\t0',
  'net.ipv6.conf.all.forwarding': '0',
  'net.ipv6.conf.default.forwarding': '0',
  'net.ipv6.conf.all.disable_ipv6': '0',
  'net.ipv6.conf.default.disable_ipv6': '0',
  'net.bridge.bridge-nf-call-iptables': '1',
  'net.bridge.bridge-nf-call-ip6tables': '1',
  'net.core.somaxconn': '4096',
});

/** Keys under /proc/sys/net, with dots or slashes: `net.ipv4.ip_forward`. */
export function normaliseKey(key: string): string | undefined {
  const dotted = key.replaceAll('/', '.');
  return /^net\.[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(dotted) ? dotted : undefined;
}

function file(key: string): string {
  return `/proc/sys/${key.replaceAll('.', '/')}`;
}

const INTERFACE = /^net\.ipv4\.conf\.([^.]+)\.([a-z_]+)$/;

/** Reads a key (trimmed, as the addon returns it). */
export function readSysctl(ns: FakeNamespace, key: string): string {
  const m = INTERFACE.exec(key);
  if (m && m[1] !== 'all' && m[1] !== 'default') {
    const link = findLink(ns, m[1] as string);
    if (!link) refuse('ENOENT', file(key), 'open');
    return String(link.inet[m[2] as InetConfName] ?? 0);
  }
  const v = ns.sysctls.get(key);
  if (v === undefined) refuse('ENOENT', file(key), 'open');
  return v;
}

/** Writes a key; a number-valued key takes only numbers (EINVAL otherwise). */
export function writeSysctl(ns: FakeNamespace, key: string, value: string): void {
  const trimmed = value.trim();
  const m = INTERFACE.exec(key);
  if (m && m[1] !== 'all' && m[1] !== 'default') {
    const link = findLink(ns, m[1] as string);
    if (!link) refuse('ENOENT', file(key), 'open');
    if (!/^-?\d+$/.test(trimmed)) refuse('EINVAL', file(key), 'write');
    link.inet[m[2] as InetConfName] = Number(trimmed);
    return;
  }
  const old = ns.sysctls.get(key);
  if (old === undefined) refuse('ENOENT', file(key), 'open');
  const numbers = old.split(/\s+/);
  const given = trimmed.split(/\s+/);
  if (
    numbers.every((n) => /^-?\d+$/.test(n)) &&
    (given.length !== numbers.length || !given.every((n) => /^-?\d+$/.test(n)))
  )
    refuse('EINVAL', file(key), 'write');
  ns.sysctls.set(key, given.join('\t'));
  if (key === 'net.ipv4.ip_forward' || key === 'net.ipv4.conf.all.forwarding') {
    for (const k of ['net.ipv4.ip_forward', 'net.ipv4.conf.all.forwarding', 'net.ipv4.conf.default.forwarding'])
      ns.sysctls.set(k, trimmed);
    for (const l of ns.links.values()) l.inet.forwarding = Number(trimmed);
  }
}
