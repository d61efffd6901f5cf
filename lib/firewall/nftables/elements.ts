// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The elements that express one network or one port mapping in cnm's
 * ruleset. Adding or removing either is a handful of element ops in one
 * batch: the cost does not depend on how many are there already.
 */
import { CnmError } from '../../errors';
import type { NftElement, NftElementOp, NftOp, NftValue } from '../../kernel/nft-ops';
import type { FirewallNetwork, PortMapping } from '../firewall';
import { SETS, type SetName, TABLE } from './ruleset';

export type Verb = 'add' | 'del';

function elements(verb: Verb, set: SetName, items: NftElement[]): NftElementOp {
  const def = SETS[set];
  return {
    op: verb === 'add' ? 'element.add' : 'element.del',
    ...TABLE,
    set,
    key: def.key,
    ...('data' in def ? { data: def.data } : {}),
    ...('flags' in def ? { interval: true } : {}),
    elements: items,
  };
}

/** A subnet as its first and last address, for an interval element. */
export function subnetRange(cidr: string): [string, string] {
  const [address = '', lenText = ''] = cidr.split('/');
  const v6 = address.includes(':');
  const bits = v6 ? 128 : 32;
  const len = lenText === '' ? bits : Number(lenText);
  const value = v6 ? ipv6ToBigInt(address) : BigInt(ipv4ToNumber(address));
  const host = (1n << BigInt(bits - len)) - 1n;
  const first = value & ~host & ((1n << BigInt(bits)) - 1n);
  const last = first | host;
  return v6 ? [bigIntToIpv6(first), bigIntToIpv6(last)] : [numberToIpv4(first), numberToIpv4(last)];
}

function ipv4ToNumber(a: string): number {
  return a.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}
function numberToIpv4(n: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');
}
function ipv6ToBigInt(a: string): bigint {
  const [head = '', tail = ''] = a.split('::');
  const h = head ? head.split(':') : [];
  const t = a.includes('::') && tail ? tail.split(':') : [];
  const groups = a.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.reduce((n, g) => (n << 16n) + BigInt(Number.parseInt(g || '0', 16)), 0n);
}
function bigIntToIpv6(n: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => ((n >> BigInt(112 - i * 16)) & 0xffffn).toString(16));
  return groups.join(':');
}

/**
 * The element ops that add (or remove) a network.
 *
 * @example
 * ```ts
 * await nft(host).batch(networkOps('add', { bridge: 'br-1', subnets: ['172.18.0.0/16'], masquerade: true, internal: false }))
 * ```
 */
export function networkOps(verb: Verb, n: FirewallNetwork): NftOp[] {
  const ops: NftOp[] = [
    elements(verb, 'bridges', [{ key: [n.bridge] }]),
    elements(verb, 'intra', [{ key: [n.bridge, n.bridge] }]),
  ];
  if (n.internal) ops.push(elements(verb, 'internal', [{ key: [n.bridge] }]));
  for (const f of [4, 6] as const) {
    const subnets = n.subnets.filter((s) => s.includes(':') === (f === 6));
    if (subnets.length === 0) continue;
    const items = subnets.map((s) => {
      const [first, last] = subnetRange(s);
      return { key: [first, n.bridge], keyEnd: [last, n.bridge] };
    });
    ops.push(elements(verb, `nets${f}`, items));
    if (n.masquerade && !n.internal) ops.push(elements(verb, `masq${f}`, items));
  }
  return ops;
}

/**
 * The element ops that publish (or withdraw) a port mapping. A same-port
 * range is one interval element; a shifted range is one element per port.
 *
 * @example
 * ```ts
 * await nft(host).batch(portMappingOps('add', { proto: 'tcp', hostPort: 8080, containerIp: '172.18.0.2', containerPort: 80 }))
 * ```
 */
export function portMappingOps(verb: Verb, m: PortMapping): NftOp[] {
  const f = m.containerIp.includes(':') ? 6 : 4;
  const any = m.hostIp === undefined || m.hostIp === '0.0.0.0' || m.hostIp === '::';
  if (m.hostIp === '::1') {
    throw new CnmError(
      'CNM_NOT_SUPPORTED',
      'publishing on [::1] needs a proxy: IPv6 has no route_localnet, the kernel cannot translate it',
    );
  }
  if (!any && (m.hostIp as string).includes(':') !== (f === 6)) {
    throw new CnmError(
      'CNM_INVALID_CONFIG',
      `host address ${m.hostIp} and container address ${m.containerIp} differ in family`,
    );
  }
  const hostKey = (port: NftValue): NftValue[] => (any ? [m.proto, port] : [m.hostIp as string, m.proto, port]);
  const count = (m.hostPortEnd ?? m.hostPort) - m.hostPort + 1;
  const sameRange =
    count > 1 && m.hostPort === m.containerPort && (m.containerPortEnd ?? m.containerPort) === m.hostPortEnd;
  if (sameRange) {
    const set = any ? (`ranges${f}any` as const) : (`ranges${f}` as const);
    return [
      elements(verb, set, [
        { key: hostKey(m.hostPort), keyEnd: hostKey(m.hostPortEnd as number), data: [m.containerIp] },
      ]),
    ];
  }
  const set = any ? (`ports${f}any` as const) : (`ports${f}` as const);
  const items = Array.from({ length: count }, (_, i) => ({
    key: hostKey(m.hostPort + i),
    data: [m.containerIp, m.containerPort + (count > 1 ? i : 0)],
  }));
  return [elements(verb, set, items)];
}
