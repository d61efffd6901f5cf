// SPDX-License-Identifier: GPL-2.0-or-later
// netavark (Debian's 1.4, as podman runs it): `netavark setup NETNS` and
// `netavark teardown NETNS` with the network options JSON on stdin, once per
// container. netavark allocates no addresses: the runtime passes static IPs.
// Its firewall driver here is iptables (1.4 has no working nftables driver).
import { existsSync } from 'node:fs';
import { execJson } from './exec-json';
import { addressOf, GATEWAY, type PeerSystem, SUBNET } from './system';

export const NETAVARK = '/usr/lib/podman/netavark';
const NETWORK_ID = 'b'.repeat(64);

/** One of netavark's port_mappings entries: `range` ports from each start. */
export interface NetavarkPort {
  readonly host_ip: string;
  readonly container_port: number;
  readonly host_port: number;
  readonly range: number;
  readonly protocol: 'tcp' | 'udp';
}

/** `ports` single-port mappings for container i (host ports that never collide between containers). */
function singlePorts(i: number, ports: number): NetavarkPort[] {
  return Array.from({ length: ports }, (_, k) => ({
    host_ip: '',
    container_port: 8000 + k,
    host_port: i < 0 ? 60_000 + k : 20_000 + i * ports + k,
    range: 1,
    protocol: 'tcp',
  }));
}

/**
 * The network options JSON for container i (10.88.x.y, from addressOf; the
 * anchor, i < 0, takes the subnet's last address).
 */
export function netavarkOptions(i: number, portMappings: readonly NetavarkPort[]): string {
  const ip = i < 0 ? '10.88.255.254' : addressOf(i).split('/')[0];
  return JSON.stringify({
    container_id: (i < 0 ? 0xfffff : i).toString(16).padStart(64, '0'),
    container_name: i < 0 ? 'anchor' : `pb${i}`,
    port_mappings: portMappings,
    networks: { benchnet: { static_ips: [ip], interface_name: 'eth0' } },
    network_info: {
      benchnet: {
        name: 'benchnet',
        id: NETWORK_ID,
        driver: 'bridge',
        network_interface: 'nv-bench0',
        subnets: [{ subnet: SUBNET, gateway: GATEWAY }],
        ipv6_enabled: false,
        internal: false,
        dns_enabled: false,
        ipam_options: { driver: 'host-local' },
      },
    },
  });
}

/** netavark with `ports` published ports per container. */
export function netavarkSystem(ports: number): PeerSystem {
  return {
    name: ports === 0 ? 'netavark' : `netavark, ${ports} ports each`,
    describe: `${NETAVARK} setup/teardown per container (JSON on stdin, static IPs)${ports ? `, ${ports} published ports each` : ''}`,
    async unavailable() {
      if (!existsSync(NETAVARK)) return `${NETAVARK} not found (Debian package netavark)`;
      if (!existsSync('/usr/sbin/iptables')) return 'netavark 1.4 drives iptables: install the Debian package iptables';
      return undefined;
    },
    async open(ns, tmp) {
      const call = (verb: 'setup' | 'teardown', i: number) =>
        execJson(
          NETAVARK,
          ['--config', `${tmp}/netavark`, verb, i < 0 ? ns.anchor : (ns.paths[i] as string)],
          netavarkOptions(i, singlePorts(i, ports)),
        );
      // The first setup makes the bridge and the firewall chains (and the last teardown removes them): untimed.
      await call('setup', -1);
      return {
        async attach(i) {
          await call('setup', i);
        },
        async detach(i) {
          await call('teardown', i);
        },
        async close() {},
      };
    },
  };
}
