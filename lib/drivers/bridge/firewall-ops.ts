// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The bridge driver's firewall work, as nft ops over cnm's ruleset: a
 * network's elements, and an endpoint's published ports. Firewall state
 * always goes before links on the way out (netavark #1482).
 */
import type { NftOp } from '../../kernel/nft-ops';
import type { DriverEndpoint, DriverNetwork } from '../driver';
import { type FirewallNetwork, networkOps, portMappingOps, type Verb } from './firewall/elements';
import { ensureRulesetOps, SETS, TABLE } from './firewall/ruleset';

export function firewallNetwork(
  net: Pick<DriverNetwork, 'pools' | 'internal'>,
  bridge: string,
  masquerade: boolean,
): FirewallNetwork {
  return { bridge, subnets: net.pools.map((p) => p.subnet), masquerade, internal: net.internal };
}

export function networkFirewallOps(
  verb: Verb,
  net: Pick<DriverNetwork, 'pools' | 'internal'>,
  bridge: string,
  masquerade: boolean,
): NftOp[] {
  return networkOps(verb, firewallNetwork(net, bridge, masquerade));
}

/**
 * An endpoint's published ports: for its IPv4 address, and for its IPv6
 * address too when the binding is on every host address (as Docker adds
 * `[::]` beside `0.0.0.0`) or on an IPv6 host address.
 */
export function publishOps(verb: Verb, ep: DriverEndpoint): NftOp[] {
  const ops: NftOp[] = [];
  for (const b of ep.portBindings ?? []) {
    for (const cidr of [ep.ipv4, ep.ipv6]) {
      if (!cidr) continue;
      const containerIp = cidr.split('/')[0] as string;
      const v6 = containerIp.includes(':');
      if (b.hostIp !== undefined && b.hostIp.includes(':') !== v6) continue;
      ops.push(
        ...portMappingOps(verb, {
          proto: b.proto,
          ...(b.hostIp !== undefined ? { hostIp: b.hostIp } : {}),
          hostPort: b.hostPort,
          ...(b.hostPortEnd !== undefined ? { hostPortEnd: b.hostPortEnd } : {}),
          containerIp,
          containerPort: b.containerPort,
          ...(b.containerPortEnd !== undefined ? { containerPortEnd: b.containerPortEnd } : {}),
        }),
      );
    }
  }
  return ops;
}

/**
 * The whole firewall rebuilt from recorded state, for one atomic batch: the
 * ruleset ensured, every set emptied and refilled with these networks'
 * elements and their joined endpoints' published ports. Elements of
 * endpoints that are gone go; a flushed ruleset comes back.
 */
export function rebuildFirewallOps(
  networks: readonly { readonly net: DriverNetwork; readonly endpoints: readonly DriverEndpoint[] }[],
): NftOp[] {
  const ops: NftOp[] = [
    ...ensureRulesetOps(),
    ...Object.keys(SETS).map((name) => ({ op: 'set.flush' as const, ...TABLE, name })),
  ];
  for (const { net, endpoints } of networks) {
    ops.push(...networkFirewallOps('add', net, String(net.state.bridge), net.state.masquerade !== false));
    for (const ep of endpoints) ops.push(...publishOps('add', ep));
  }
  return ops;
}
