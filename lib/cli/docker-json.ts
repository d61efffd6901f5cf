// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The model's objects in Docker's JSON shapes: `docker network inspect`
 * and the network part of `docker inspect` for a sandbox (`format/docker-views.ts`
 * turns them into what templates see, `network ls` rows included). Field names and types follow Docker's so
 * tools written against Docker's output read ours.
 */

import type { NetworkController } from '../cnm/controller';
import type { Endpoint } from '../cnm/endpoint';
import { contains, parseAddress, parsePrefix } from '../cnm/ipam/cidr';
import type { Network } from '../cnm/network';
import type { Sandbox } from '../cnm/sandbox';
import { goTime } from './format/go-time';
import { compareStrings } from './format/go-values';
import { shortId } from './output';

/** One element of `docker network inspect`'s array. */
export interface DockerNetwork {
  Name: string;
  Id: string;
  Created: string;
  Scope: string;
  Driver: string;
  EnableIPv4: boolean;
  EnableIPv6: boolean;
  IPAM: {
    Driver: string;
    Options: Record<string, string>;
    /** Keys in Docker's order; `IPRange`, `Gateway` and `AuxiliaryAddresses` only when set. */
    Config: { Subnet: string; IPRange?: string; Gateway?: string; AuxiliaryAddresses?: Record<string, string> }[];
  };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Containers: Record<
    string,
    { Name: string; EndpointID: string; MacAddress: string; IPv4Address: string; IPv6Address: string }
  >;
  Options: Record<string, string>;
  Labels: Record<string, string>;
  /** A global network's hosts with endpoints on it, as Docker's overlay shows them. */
  Peers?: { Name: string; IP: string }[];
}

/**
 * `docker network inspect NAME` for one network: the joined endpoints
 * appear under `Containers`, keyed by sandbox id.
 *
 * @example
 * ```ts
 * console.log(JSON.stringify([inspectNetwork(ctl, ctl.network('web'))], null, 4))
 * ```
 */
export function inspectNetwork(ctl: NetworkController, net: Network): DockerNetwork {
  const info = net.info();
  const containers: DockerNetwork['Containers'] = {};
  for (const ep of net.endpoints()) {
    const e = ep.info();
    // Only this host's sandboxes, as Docker lists a global network's containers.
    const sandbox = e.sandboxId ? ctl.read.sandboxes.get(e.sandboxId) : undefined;
    if (!e.sandboxId || !sandbox) continue;
    containers[e.sandboxId] = {
      Name: sandbox.name,
      EndpointID: e.id,
      MacAddress: e.macAddress,
      IPv4Address: e.ipv4Address ?? '',
      IPv6Address: e.ipv6Address ?? '',
    };
  }
  return {
    Name: info.name,
    Id: info.id,
    Created: goTime(info.created).rfc3339,
    Scope: info.scope,
    Driver: info.driver,
    EnableIPv4: true,
    EnableIPv6: info.enableIPv6,
    IPAM: {
      Driver: info.ipam.driver,
      Options: {},
      Config: info.ipam.config.map((c) => ({
        Subnet: c.subnet,
        ...(c.ipRange ? { IPRange: c.ipRange } : {}),
        ...(c.gateway ? { Gateway: c.gateway } : {}),
        ...(Object.keys(c.auxAddresses).length > 0 ? { AuxiliaryAddresses: sorted(c.auxAddresses) } : {}),
      })),
    },
    Internal: info.internal,
    Attachable: info.attachable,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: containers,
    Options: sorted(info.options),
    Labels: sorted(info.labels),
    ...(info.scope === 'global' ? { Peers: net.peers().map((p) => ({ Name: p.name, IP: p.address })) } : {}),
  };
}

// Keys in Go's order (what encoding/json prints for a map).
function sorted(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.keys(record)
      .sort(compareStrings)
      .map((k) => [k, record[k] as string]),
  );
}

/** A sandbox as `docker inspect` shows a container's networking. */
export interface DockerSandbox {
  Id: string;
  Name: string;
  Created: string;
  /** Created by cnm (removed with the sandbox) or adopted (left alone). */
  Owned: boolean;
  NetworkSettings: {
    SandboxKey: string;
    Ports: Record<string, { HostIp: string; HostPort: string }[]>;
    Networks: Record<string, DockerEndpointSettings>;
  };
}

/** `NetworkSettings.Networks[name]` of `docker inspect`. */
export interface DockerEndpointSettings {
  Aliases: string[];
  MacAddress: string;
  NetworkID: string;
  EndpointID: string;
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  IPv6Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  DNSNames: string[];
}

/**
 * `docker inspect`'s networking part for a sandbox: its endpoints by network
 * name, and its published ports as `"80/tcp": [{ HostIp, HostPort }]`.
 *
 * @example
 * ```ts
 * inspectSandbox(ctl, ctl.sandbox('c1')).NetworkSettings.Networks.web.IPAddress // '172.18.0.2'
 * ```
 */
export function inspectSandbox(ctl: NetworkController, sb: Sandbox): DockerSandbox {
  const info = sb.info();
  const ports: DockerSandbox['NetworkSettings']['Ports'] = {};
  const networks: Record<string, DockerEndpointSettings> = {};
  for (const ep of sb.endpoints()) {
    const e = ep.info();
    const net = ctl.networkRow(e.networkId);
    networks[net.name] = endpointSettings(ctl, ep, info.name);
    for (const b of e.published) {
      const span = (b.containerPortEnd ?? b.containerPort) - b.containerPort;
      // Settled bindings map port to port: a range is one entry per port, as Docker shows it.
      for (let k = 0; k <= span; k++) {
        const key = `${b.containerPort + k}/${b.proto}`;
        ports[key] = [...(ports[key] ?? []), { HostIp: b.hostIp ?? '0.0.0.0', HostPort: String(b.hostPort + k) }];
      }
    }
  }
  return {
    Id: info.id,
    Name: info.name,
    Created: goTime(info.created).rfc3339,
    Owned: info.owned,
    NetworkSettings: { SandboxKey: info.netnsPath, Ports: ports, Networks: networks },
  };
}

// Docker's DNSNames: the container's name, its aliases, its short id.
function endpointSettings(ctl: NetworkController, ep: Endpoint, sandboxName: string): DockerEndpointSettings {
  const e = ep.info();
  const pools = ctl.network(e.networkId).info().ipam.config;
  // The gateway of the subnet that holds the address.
  const address = (cidr: string | undefined) => {
    const [ip = '', len = '0'] = (cidr ?? '').split('/');
    const a = parseAddress(ip);
    const pool = a && pools.find((p) => contains(parsePrefix(p.subnet, 'subnet'), a.family, a.value));
    return { ip, len: Number(len), gateway: pool?.gateway ?? '' };
  };
  const v4 = address(e.ipv4Address);
  const v6 = address(e.ipv6Address);
  return {
    Aliases: [...e.aliases],
    MacAddress: e.macAddress,
    NetworkID: e.networkId,
    EndpointID: e.id,
    Gateway: v4.gateway,
    IPAddress: v4.ip,
    IPPrefixLen: v4.len,
    IPv6Gateway: v6.gateway,
    GlobalIPv6Address: v6.ip,
    GlobalIPv6PrefixLen: v6.len,
    DNSNames: [sandboxName, ...e.aliases, ...(e.sandboxId ? [shortId(e.sandboxId)] : [])].filter(
      (n, i, all) => all.indexOf(n) === i,
    ),
  };
}
