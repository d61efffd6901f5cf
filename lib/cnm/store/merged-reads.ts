// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Reading this host's store and the cluster's as one: networks, endpoints
 * and addresses of either, found by id or name, listed together in the
 * order each store lists them. Sandboxes, intents and published ports are
 * this host's alone.
 */
import { byCreated, sortEndpoints } from './order';
import type {
  AddressReads,
  EndpointReads,
  HostNetworkReads,
  IntentReads,
  NetworkReads,
  PortReads,
  SandboxReads,
  StoreReads,
} from './ports';
import type { EndpointRecord, NetworkRecord, SubnetRecord } from './records';

class MergedNetworks implements NetworkReads {
  constructor(
    private readonly local: NetworkReads,
    private readonly cluster: NetworkReads,
    private readonly hosts: HostNetworkReads,
  ) {}

  get(id: string): NetworkRecord | undefined {
    return this.local.get(id) ?? this.here(this.cluster.get(id));
  }

  byName(name: string): NetworkRecord | undefined {
    return this.local.byName(name) ?? this.here(this.cluster.byName(name));
  }

  find(nameOrId: string): NetworkRecord | undefined {
    // A name wins over an id in either store.
    return this.byName(nameOrId) ?? this.get(nameOrId);
  }

  withIdPrefix(prefix: string, limit: number): NetworkRecord[] {
    const theirs = this.cluster.withIdPrefix(prefix, limit).map((n) => this.here(n) as NetworkRecord);
    return [...this.local.withIdPrefix(prefix, limit), ...theirs].slice(0, limit);
  }

  list(filter: { driver?: string; made?: boolean; predefined?: boolean } = {}): NetworkRecord[] {
    const { made, ...rest } = filter;
    // Whether it is made is this host's to say: filtered after the overlay.
    const theirs = this.cluster
      .list(rest)
      .map((n) => this.here(n) as NetworkRecord)
      .filter((n) => made === undefined || n.made === made);
    return [...this.local.list(filter), ...theirs].sort(byCreated);
  }

  /**
   * A global network as this host sees it: the cluster's record, with this
   * host's driver record and made flag (not made until its first join here),
   * and the revision of this host's part (what a compare-and-set here checks).
   */
  private here(n: NetworkRecord | undefined): NetworkRecord | undefined {
    if (!n) return undefined;
    const mine = this.hosts.get(n.id);
    return { ...n, driverState: mine?.driverState ?? {}, made: mine?.made ?? false, revision: mine?.revision ?? 0 };
  }

  linkGroups(): Map<number, string> {
    return new Map([...this.local.linkGroups(), ...this.cluster.linkGroups()]);
  }
}

class MergedEndpoints implements EndpointReads {
  constructor(
    private readonly local: EndpointReads,
    private readonly cluster: EndpointReads,
  ) {}

  get(id: string): EndpointRecord | undefined {
    return this.local.get(id) ?? this.cluster.get(id);
  }

  byName(networkId: string, name: string): EndpointRecord | undefined {
    return this.local.byName(networkId, name) ?? this.cluster.byName(networkId, name);
  }

  list(filter: { networkId?: string; sandboxId?: string; joined?: boolean }): EndpointRecord[] {
    const both = [...this.local.list(filter), ...this.cluster.list(filter)];
    return sortEndpoints(both, filter.sandboxId !== undefined);
  }

  count(networkId: string, filter?: { joined?: boolean }): number {
    return this.local.count(networkId, filter) + this.cluster.count(networkId, filter);
  }
}

class MergedAddresses implements AddressReads {
  constructor(
    private readonly local: AddressReads,
    private readonly cluster: AddressReads,
  ) {}

  allSubnets(): string[] {
    return [...this.local.allSubnets(), ...this.cluster.allSubnets()];
  }

  subnets(networkId: string): SubnetRecord[] {
    const here = this.local.subnets(networkId);
    return here.length > 0 ? here : this.cluster.subnets(networkId);
  }

  holder(networkId: string, address: string): string | undefined {
    return this.local.holder(networkId, address) ?? this.cluster.holder(networkId, address);
  }
}

/**
 * This host's reads, and the cluster's where there is one (global networks
 * overlaid with this host's part of them).
 *
 * @example
 * ```ts
 * const read = mergedReads(local.read, cluster?.read)
 * read.networks.list()   // this host's networks and the cluster's, in creation order
 * ```
 */
export function mergedReads(local: StoreReads, cluster: StoreReads | undefined): StoreReads {
  if (!cluster) return local;
  const here: { sandboxes: SandboxReads; ports: PortReads; intents: IntentReads } = local;
  return {
    networks: new MergedNetworks(local.networks, cluster.networks, local.hostNetworks),
    hostNetworks: local.hostNetworks,
    endpoints: new MergedEndpoints(local.endpoints, cluster.endpoints),
    addresses: new MergedAddresses(local.addresses, cluster.addresses),
    sandboxes: here.sandboxes,
    ports: here.ports,
    intents: here.intents,
  };
}
