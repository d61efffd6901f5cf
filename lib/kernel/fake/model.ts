// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * What the fake kernel holds: network namespaces, each with its links,
 * addresses, routes, neighbours, sysctls and nftables ruleset. Plain data;
 * the files beside this one act on it.
 */
import type { AddrGenMode, InetConfName, NeighFlag, NeighState, Route, RouteScope } from '../ops';
import type { NftRuleset } from './nft-state';

export type FakeLinkKind = 'loopback' | 'bridge' | 'veth' | 'macvlan' | 'vxlan';

/** A network device. `ns` is where it lives now (a veth end or a link can move). */
export interface FakeLink {
  ns: FakeNamespace;
  index: number;
  name: string;
  readonly kind: FakeLinkKind;
  up: boolean;
  mtu: number;
  address: string;
  group: number;
  txqueuelen: number;
  /** ifindex of the bridge it is a port of, in the same namespace. */
  master?: number;
  /** The other end of a veth. */
  peer?: FakeLink;
  /** A macvlan's parent (possibly in another namespace). */
  parent?: FakeLink;
  vni?: number;
  macvlanMode?: string;
  addrGenMode: AddrGenMode;
  inet: Partial<Record<InetConfName, number>>;
  bridgePort?: { hairpin: boolean; isolated: boolean; learning: boolean; neighSuppress: boolean };
  bridge?: { vlanFiltering: boolean; stpState: number; multicastSnooping: boolean };
}

export interface FakeAddr {
  readonly family: 4 | 6;
  readonly index: number;
  readonly address: string;
  readonly prefixlen: number;
  readonly peer?: string;
  readonly broadcast?: string;
  readonly label?: string;
  readonly scope: RouteScope | number;
  readonly nodad: boolean;
  readonly noprefixroute: boolean;
  /** Made by the kernel itself (lo's addresses, an automatic link-local one). */
  readonly auto?: boolean;
}

/** A route, as the addon's dumps return it. */
export type FakeRoute = Route;

export interface FakeNeigh {
  readonly family: 4 | 6 | 'bridge';
  readonly dev: number;
  readonly dst?: string;
  readonly lladdr?: string;
  readonly state: readonly NeighState[];
  readonly flags: readonly NeighFlag[];
  readonly vlan?: number;
  readonly vni?: number;
  readonly master?: number;
}

/** One network namespace. */
export interface FakeNamespace {
  /** Its inode number: `dev:ino` is the handle's id. */
  readonly ino: number;
  readonly links: Map<number, FakeLink>;
  /** The next ifindex to try (the kernel hands them out cyclically, not reusing at once). */
  nextIndex: number;
  addrs: FakeAddr[];
  /** Routes added by ops (prefix and local routes are derived from addresses). */
  routes: FakeRoute[];
  neighs: FakeNeigh[];
  readonly sysctls: Map<string, string>;
  nft: NftRuleset;
  /** Peer namespace ids (IFLA_LINK_NETNSID), assigned on first use. */
  readonly nsids: Map<number, number>;
  /** Open handles. */
  handles: number;
  /** Files it is bound to (its `ip netns` names). */
  readonly paths: Set<string>;
  /** A process's own namespace: never freed. */
  readonly pinned: boolean;
  alive: boolean;
  /** Ports marked held by a test (`proto/host/port`). */
  readonly heldPorts: Set<string>;
}
