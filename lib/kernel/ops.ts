// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * rtnetlink ops as plain tagged objects: a batch is an array of them, sent
 * in one crossing into the addon and one pipelined transaction. Kernel words
 * only: this layer knows nothing of networks or endpoints.
 */
import type { Netns } from './binding';

/**
 * A namespace that an {@link rtnlSequence} creates in an earlier step; it
 * stands for the new namespace in later steps of the same sequence.
 * Made by `netnsPending()`.
 */
export interface PendingNetns {
  readonly dir: string;
  readonly name: string;
  /** Network sysctls written into it as it is created (`net.ipv4.ping_group_range`: `'0 2147483647'`). */
  readonly sysctls?: Readonly<Record<string, string>>;
}

/** A link by ifindex, or by name. Addresses, routes and neighbours take an ifindex. */
export type LinkRef = number | string;

/** Attributes shared by link creation and change (`ip link add/set`). */
export interface LinkAttrs {
  /** Interface name (IFLA_IFNAME), 1–15 bytes. */
  readonly name?: string;
  readonly mtu?: number;
  /** MAC address, `02:42:ac:11:00:02`. */
  readonly address?: string;
  /** ifindex of the master (bridge) to enslave to; 0 detaches (`nomaster`). */
  readonly master?: number;
  readonly group?: number;
  readonly txqueuelen?: number;
  readonly up?: boolean;
  /** Move the link (or create it) in this namespace (IFLA_NET_NS_FD). */
  readonly netns?: Netns | PendingNetns;
}

interface LinkAddBase extends LinkAttrs {
  readonly op: 'link.add';
  /** A chosen ifindex (free in the target namespace). */
  readonly index?: number;
}

/** `ip link add NAME type bridge [vlan_filtering 1] [stp_state 0]` */
export interface BridgeAddOp extends LinkAddBase {
  readonly kind: 'bridge';
  readonly vlanFiltering?: boolean;
  readonly stpState?: 0 | 1;
  readonly multicastSnooping?: boolean;
}

/** The far end of a veth pair; it may be created directly in another namespace. */
export interface VethPeer extends Omit<LinkAttrs, 'master'> {
  readonly name: string;
  /**
   * The peer's ifindex in its namespace. The kernel (veth_newlink) honours it
   * only when the host end's `index` is given too; in a fresh namespace the
   * first link made is ifindex 2 anyway.
   */
  readonly index?: number;
}

/** `ip link add NAME [master BR] type veth peer name PEER netns NS` — both ends in one message. */
export interface VethAddOp extends LinkAddBase {
  readonly kind: 'veth';
  readonly peer: VethPeer;
}

/** `ip link add NAME link PARENT type macvlan mode bridge` */
export interface MacvlanAddOp extends LinkAddBase {
  readonly kind: 'macvlan';
  readonly link: number;
  readonly mode?: 'private' | 'vepa' | 'bridge' | 'passthru' | 'source';
}

/** `ip link add NAME type vxlan id VNI [local IP] [remote IP] [dstport P] [nolearning]` */
export interface VxlanAddOp extends LinkAddBase {
  readonly kind: 'vxlan';
  readonly vni: number;
  readonly local?: string;
  /** Unicast remote or multicast group. */
  readonly remote?: string;
  readonly dstport?: number;
  readonly learning?: boolean;
  /** Answer ARP and neighbour solicitations from the device's neighbour table (`proxy`). */
  readonly proxy?: boolean;
  readonly portRange?: { readonly low: number; readonly high: number };
  /** ifindex of the underlay device. */
  readonly link?: number;
  readonly ttl?: number;
}

/** `ip link add NAME link PARENT type vlan id ID` */
export interface VlanAddOp extends LinkAddBase {
  readonly kind: 'vlan';
  readonly link: number;
  readonly vlanId: number;
  readonly protocol?: '802.1Q' | '802.1ad';
}

/** `ip link add NAME type dummy` */
export interface DummyAddOp extends LinkAddBase {
  readonly kind: 'dummy';
}

export type LinkAddOp = BridgeAddOp | VethAddOp | MacvlanAddOp | VxlanAddOp | VlanAddOp | DummyAddOp;

/** IPv4 per-interface settings (`/proc/sys/net/ipv4/conf/DEV/*`), set by netlink. */
export type InetConfName =
  | 'forwarding'
  | 'mc_forwarding'
  | 'proxy_arp'
  | 'accept_redirects'
  | 'secure_redirects'
  | 'send_redirects'
  | 'shared_media'
  | 'rp_filter'
  | 'accept_source_route'
  | 'bootp_relay'
  | 'log_martians'
  | 'arp_filter'
  | 'medium_id'
  | 'disable_xfrm'
  | 'disable_policy'
  | 'arp_announce'
  | 'arp_ignore'
  | 'promote_secondaries'
  | 'arp_accept'
  | 'arp_notify'
  | 'accept_local'
  | 'src_valid_mark'
  | 'proxy_arp_pvlan'
  | 'route_localnet'
  | 'ignore_routes_with_linkdown'
  | 'drop_unicast_in_l2_multicast'
  | 'drop_gratuitous_arp'
  | 'bc_forwarding';

/** IPv6 address generation mode (`ip link set DEV addrgenmode none`). */
export type AddrGenMode = 'eui64' | 'none' | 'stable_secret' | 'random';

/** Bridge-port attributes (`ip link set DEV type bridge_slave hairpin on`). */
export interface BridgePortSettings {
  readonly hairpin?: boolean;
  readonly isolated?: boolean;
  readonly learning?: boolean;
  readonly neighSuppress?: boolean;
}

/**
 * `ip link set DEV ...`. Bridge-port settings need the link enslaved before
 * this message: send enslaving and port settings as two ops.
 */
export interface LinkSetOp extends LinkAttrs {
  readonly op: 'link.set';
  readonly dev: LinkRef;
  readonly addrGenMode?: AddrGenMode;
  readonly inet?: Partial<Record<InetConfName, number>>;
  readonly bridgePort?: BridgePortSettings;
}

/** `ip link del DEV`, or `ip link del group N` (every link of the group, synchronously). */
export type LinkDelOp =
  | { readonly op: 'link.del'; readonly dev: LinkRef }
  | { readonly op: 'link.del'; readonly group: number };

/** `ip link show DEV` */
export interface LinkGetOp {
  readonly op: 'link.get';
  readonly dev: LinkRef;
}

/** `ip link show [master BR] [type KIND]` — filtered by the kernel. */
export interface LinkDumpOp {
  readonly op: 'link.dump';
  readonly master?: number;
  readonly kind?: string;
}

export type RouteScope = 'universe' | 'site' | 'link' | 'host' | 'nowhere';

/** `ip addr add|del ADDRESS/LEN dev IFINDEX [nodad]` */
export interface AddrOp {
  readonly op: 'addr.add' | 'addr.del';
  readonly dev: number;
  /** `10.0.0.2/24`, `fd00::2/64`. */
  readonly address: string;
  readonly peer?: string;
  readonly broadcast?: string;
  readonly label?: string;
  readonly scope?: RouteScope | number;
  /** IPv6: no duplicate address detection (IFA_F_NODAD). */
  readonly nodad?: boolean;
  readonly noprefixroute?: boolean;
}

/** `ip addr show [dev IFINDEX]` */
export interface AddrDumpOp {
  readonly op: 'addr.dump';
  readonly family?: 4 | 6;
  readonly dev?: number;
}

export type RouteType =
  | 'unicast'
  | 'local'
  | 'broadcast'
  | 'anycast'
  | 'multicast'
  | 'blackhole'
  | 'unreachable'
  | 'prohibit'
  | 'throw';
export type RouteProtocol = 'unspec' | 'redirect' | 'kernel' | 'boot' | 'static' | 'ra';

/** `ip route add|replace|del DST [via GW] [dev IFINDEX] [metric M] [table T]` */
export interface RouteOp {
  readonly op: 'route.add' | 'route.replace' | 'route.del';
  /** `default` (the default) or a prefix. */
  readonly dst?: string;
  /** Needed only for a default route without a gateway. */
  readonly family?: 4 | 6;
  readonly gateway?: string;
  readonly dev?: number;
  readonly src?: string;
  readonly metric?: number;
  readonly table?: number;
  readonly scope?: RouteScope | number;
  readonly type?: RouteType | number;
  readonly protocol?: RouteProtocol | number;
}

/** `ip route show [table T]` */
export interface RouteDumpOp {
  readonly op: 'route.dump';
  readonly family?: 4 | 6;
  readonly table?: number;
}

export type NeighState = 'incomplete' | 'reachable' | 'stale' | 'delay' | 'probe' | 'failed' | 'noarp' | 'permanent';
export type NeighFlag = 'use' | 'self' | 'master' | 'proxy' | 'extern_learn' | 'router';

/**
 * `ip neigh add|replace|del DST lladdr MAC dev IFINDEX`, or with family
 * `bridge`, `bridge fdb add MAC dev IFINDEX dst VTEP [self]`.
 */
export interface NeighOp {
  readonly op: 'neigh.add' | 'neigh.replace' | 'neigh.del';
  readonly dev: number;
  readonly family?: 4 | 6 | 'bridge';
  readonly dst?: string;
  readonly lladdr?: string;
  readonly state?: NeighState;
  readonly flags?: readonly NeighFlag[];
  readonly vlan?: number;
  readonly vni?: number;
  readonly port?: number;
  readonly master?: number;
}

/** `ip neigh show` / `bridge fdb show` */
export interface NeighDumpOp {
  readonly op: 'neigh.dump';
  readonly family?: 4 | 6 | 'bridge';
  readonly dev?: number;
  readonly master?: number;
}

/** Every rtnetlink op. */
export type RtnlOp =
  | LinkAddOp
  | LinkSetOp
  | LinkDelOp
  | LinkGetOp
  | LinkDumpOp
  | AddrOp
  | AddrDumpOp
  | RouteOp
  | RouteDumpOp
  | NeighOp
  | NeighDumpOp;

/** Counters from IFLA_STATS64. */
export interface LinkStats {
  readonly rxPackets: number;
  readonly txPackets: number;
  readonly rxBytes: number;
  readonly txBytes: number;
  readonly rxErrors: number;
  readonly txErrors: number;
  readonly rxDropped: number;
  readonly txDropped: number;
  readonly multicast: number;
}

/** A link as the kernel reports it. */
export interface Link {
  readonly index: number;
  readonly name: string;
  readonly flags: number;
  readonly up: boolean;
  readonly operState: string;
  readonly mtu: number;
  readonly address?: string;
  readonly broadcast?: string;
  readonly master?: number;
  readonly link?: number;
  readonly linkNetnsId?: number;
  readonly group: number;
  readonly txqueuelen: number;
  readonly kind?: string;
  readonly slaveKind?: string;
  readonly bridgePort?: {
    readonly state: number;
    readonly hairpin: boolean;
    readonly isolated: boolean;
    readonly learning: boolean;
    readonly neighSuppress: boolean;
  };
  readonly vni?: number;
  readonly macvlanMode?: string;
  readonly addrGenMode?: AddrGenMode;
  readonly inet?: Partial<Record<InetConfName, number>>;
  readonly stats?: LinkStats;
}

/** An interface address. */
export interface Addr {
  readonly family: 4 | 6;
  readonly index: number;
  readonly address: string;
  readonly prefixlen: number;
  readonly peer?: string;
  readonly broadcast?: string;
  readonly label?: string;
  readonly scope: RouteScope | number;
  readonly flags: number;
  readonly nodad: boolean;
}

/** A route. */
export interface Route {
  readonly family: 4 | 6;
  /** `default` or `prefix/len`. */
  readonly dst: string;
  readonly gateway?: string;
  readonly src?: string;
  readonly dev?: number;
  readonly metric?: number;
  readonly table: number;
  readonly protocol: RouteProtocol | number;
  readonly scope: RouteScope | number;
  readonly type: RouteType | number;
}

/** A neighbour or FDB entry. */
export interface Neigh {
  readonly family: 4 | 6 | 'bridge' | 'unspec';
  readonly dev: number;
  readonly dst?: string;
  readonly lladdr?: string;
  readonly state: readonly NeighState[];
  readonly flags: readonly NeighFlag[];
  readonly vlan?: number;
  readonly vni?: number;
  readonly master?: number;
}

/** What one op resolves to. */
export type RtnlResultOf<T extends RtnlOp> = T extends LinkGetOp
  ? Link
  : T extends LinkDumpOp
    ? Link[]
    : T extends AddrDumpOp
      ? Addr[]
      : T extends RouteDumpOp
        ? Route[]
        : T extends NeighDumpOp
          ? Neigh[]
          : null;

/** Results of a batch, position by position. */
export type RtnlResults<T extends readonly RtnlOp[]> = {
  -readonly [K in keyof T]: T[K] extends RtnlOp ? RtnlResultOf<T[K]> : never;
};
