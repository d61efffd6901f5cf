// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The interface every network driver implements, mirroring libnetwork's
 * driver API. The model calls it; it calls the kernel layer.
 */
import type { PoolInfo } from '../cnm/ipam/ipam';
import type { Netns } from '../kernel/binding';

/** What a driver may use: the host namespace everything is made in. */
export interface DriverContext {
  readonly host: Netns;
}

/** A network as the driver sees it. `state` is what its createNetwork returned. */
export interface DriverNetwork {
  readonly id: string;
  readonly name: string;
  readonly options: Readonly<Record<string, string>>;
  readonly internal: boolean;
  readonly enableIPv6: boolean;
  readonly pools: readonly PoolInfo[];
  /** A link group of this network's own (never 0): the host ends of its veths carry it. */
  readonly linkGroup: number;
  readonly state: Readonly<Record<string, unknown>>;
}

/** A published port with its host port settled (ranges map port to port). */
export interface ResolvedBinding {
  readonly proto: 'tcp' | 'udp' | 'sctp';
  /** Undefined: every host address. */
  readonly hostIp?: string;
  readonly hostPort: number;
  readonly hostPortEnd?: number;
  readonly containerPort: number;
  readonly containerPortEnd?: number;
}

export interface DriverEndpoint {
  readonly id: string;
  /** `address/len` */
  readonly ipv4?: string;
  readonly ipv6?: string;
  readonly mac: string;
  /** For programExternalConnectivity and revokeExternalConnectivity. */
  readonly portBindings?: readonly ResolvedBinding[];
}

export interface DriverJoin {
  readonly sandbox: Netns;
  /** The interface name inside the sandbox (`eth0`, `eth1`, ...). */
  readonly ifname: string;
  /** Whether this endpoint provides the sandbox's default route. */
  readonly defaultRoute: boolean;
  /**
   * The ifindex the interface will get, when the caller knows it (the first
   * link made in a fresh namespace is 2): saves a lookup round trip.
   */
  readonly ifindex?: number;
}

/** What joining made: the host end's name, for leave and recovery. */
export interface DriverJoined {
  readonly hostIfname?: string;
}

/** What a driver can do, for the model's checks before anything is made. */
export interface DriverCapabilities {
  readonly scope: 'local' | 'global';
  /** Whether endpoints get addresses from IPAM. */
  readonly addresses: boolean;
  /** Whether endpoints may publish ports (programExternalConnectivity does something with them). */
  readonly publishesPorts: boolean;
  /**
   * A sandbox on a network of this driver is on no other network (Docker's
   * `none` and `host`): joining it with another, either way round, is refused.
   */
  readonly exclusive: boolean;
  /** The most endpoints one network can hold, and why (refused with CNM_BRIDGE_FULL past it). */
  readonly maxEndpoints?: { readonly count: number; readonly why: string };
}

export interface Driver {
  /** `bridge`, `host`, `null`, ... */
  readonly type: string;
  readonly capabilities: DriverCapabilities;
  /** Checks options before anything is made (throws CNM_INVALID_CONFIG). */
  validateNetwork(net: Omit<DriverNetwork, 'state' | 'linkGroup' | 'pools'>): void;
  createNetwork(ctx: DriverContext, net: Omit<DriverNetwork, 'state'>): Promise<Record<string, unknown>>;
  deleteNetwork(ctx: DriverContext, net: DriverNetwork): Promise<void>;
  createEndpoint(ctx: DriverContext, net: DriverNetwork, ep: DriverEndpoint): Promise<void>;
  deleteEndpoint(ctx: DriverContext, net: DriverNetwork, ep: DriverEndpoint): Promise<void>;
  /** What join will make, known before it runs, so a crash in between can be cleaned up. */
  plannedJoin(net: DriverNetwork, ep: DriverEndpoint): DriverJoined;
  join(ctx: DriverContext, net: DriverNetwork, ep: DriverEndpoint, join: DriverJoin): Promise<DriverJoined>;
  leave(ctx: DriverContext, net: DriverNetwork, ep: DriverEndpoint, joined: DriverJoined): Promise<void>;
  /** Published ports and the like (the bridge firewall arrives with its own issue). */
  programExternalConnectivity(ctx: DriverContext, net: DriverNetwork, ep: DriverEndpoint): Promise<void>;
  revokeExternalConnectivity(ctx: DriverContext, net: DriverNetwork, ep: DriverEndpoint): Promise<void>;
  endpointOperInfo(ctx: DriverContext, net: DriverNetwork, ep: DriverEndpoint): Promise<Record<string, unknown>>;
}
