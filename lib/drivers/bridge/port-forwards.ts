// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * An endpoint's published ports as the firewall's port forwards: for its
 * IPv4 address, and for its IPv6 address too when the binding is on every
 * host address (as Docker adds `[::]` beside `0.0.0.0`) or on an IPv6 host
 * address.
 */
import type { FirewallNetwork, PortMapping } from '../../firewall/firewall';
import type { DriverEndpoint, DriverNetwork } from '../driver';

/**
 * @example
 * ```ts
 * portForwards({ id, mac, ipv4: '172.18.0.2/16', portBindings: [{ proto: 'tcp', hostPort: 8080, containerPort: 80 }] })
 * // [{ proto: 'tcp', hostPort: 8080, containerIp: '172.18.0.2', containerPort: 80 }]
 * ```
 */
export function portForwards(ep: DriverEndpoint): PortMapping[] {
  const out: PortMapping[] = [];
  for (const b of ep.portBindings ?? []) {
    for (const cidr of [ep.ipv4, ep.ipv6]) {
      if (!cidr) continue;
      const containerIp = cidr.split('/')[0] as string;
      const v6 = containerIp.includes(':');
      if (b.hostIp !== undefined && b.hostIp.includes(':') !== v6) continue;
      out.push({
        proto: b.proto,
        ...(b.hostIp !== undefined ? { hostIp: b.hostIp } : {}),
        hostPort: b.hostPort,
        ...(b.hostPortEnd !== undefined ? { hostPortEnd: b.hostPortEnd } : {}),
        containerIp,
        containerPort: b.containerPort,
        ...(b.containerPortEnd !== undefined ? { containerPortEnd: b.containerPortEnd } : {}),
      });
    }
  }
  return out;
}

/** What the firewall needs to know of a bridge network. */
export function firewallNetwork(
  net: Pick<DriverNetwork, 'pools' | 'internal'>,
  bridge: string,
  masquerade: boolean,
): FirewallNetwork {
  return { bridge, subnets: net.pools.map((p) => p.subnet), masquerade, internal: net.internal };
}
