// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The fake kernel's objects as the addon reports the real ones (the shapes
 * of lib/kernel/ops.ts: `Link`, `Addr`, `Route`, `Neigh`), so what reads a
 * dump cannot tell them apart.
 */
import type { Addr, InetConfName, Link, Neigh, Route } from '../ops';
import { hasCarrier } from './links';
import type { FakeAddr, FakeLink, FakeNamespace, FakeNeigh, FakeRoute } from './model';

const IFF_UP = 0x1;
const IFF_BROADCAST = 0x2;
const IFF_LOOPBACK = 0x8;
const IFF_RUNNING = 0x40;
const IFF_MULTICAST = 0x1000;
const IFF_LOWER_UP = 0x10000;
const IFA_F_NODAD = 0x02;
const IFA_F_PERMANENT = 0x80;
const IFA_F_NOPREFIXROUTE = 0x200;

/** The IPv4 per-interface settings a dump shows (those cnm sets or reads), with a new interface's values. */
const INET_DEFAULTS: Partial<Record<InetConfName, number>> = {
  forwarding: 0,
  proxy_arp: 0,
  accept_redirects: 1,
  secure_redirects: 1,
  send_redirects: 1,
  shared_media: 1,
  rp_filter: 0,
  arp_ignore: 0,
  arp_announce: 0,
  arp_notify: 0,
  accept_local: 0,
  route_localnet: 0,
};

function operState(l: FakeLink): string {
  if (!l.up) return 'down';
  if (l.kind === 'loopback' || l.kind === 'vxlan') return 'unknown';
  if (l.kind === 'bridge') return hasCarrier(l) ? 'up' : 'down';
  return hasCarrier(l) ? 'up' : 'lowerlayerdown';
}

/** The id by which `ns` knows `other` (IFLA_LINK_NETNSID), assigned on first use as the kernel does. */
function nsid(ns: FakeNamespace, other: FakeNamespace): number {
  let id = ns.nsids.get(other.ino);
  if (id === undefined) {
    id = ns.nsids.size;
    ns.nsids.set(other.ino, id);
  }
  return id;
}

/** A link as `link.get` / `link.dump` report it. */
export function renderLink(l: FakeLink): Link {
  const carrier = hasCarrier(l);
  let flags = l.kind === 'loopback' ? IFF_LOOPBACK : IFF_BROADCAST | IFF_MULTICAST;
  if (l.up) flags |= IFF_UP;
  if (l.up && carrier) flags |= IFF_RUNNING | IFF_LOWER_UP;
  const master = l.master !== undefined ? l.ns.links.get(l.master) : undefined;
  const other = l.peer ?? l.parent;
  const out: { -readonly [K in keyof Link]: Link[K] } = {
    index: l.index,
    name: l.name,
    flags,
    up: l.up,
    operState: operState(l),
    mtu: l.mtu,
    address: l.address,
    broadcast: l.kind === 'loopback' ? '00:00:00:00:00:00' : 'ff:ff:ff:ff:ff:ff',
    group: l.group,
    txqueuelen: l.txqueuelen,
    addrGenMode: l.addrGenMode,
    inet: { ...INET_DEFAULTS, ...l.inet },
    stats: {
      rxPackets: 0,
      txPackets: 0,
      rxBytes: 0,
      txBytes: 0,
      rxErrors: 0,
      txErrors: 0,
      rxDropped: 0,
      txDropped: 0,
      multicast: 0,
    },
  };
  if (l.kind !== 'loopback') out.kind = l.kind;
  if (master) out.master = master.index;
  if (other) {
    out.link = other.index;
    if (other.ns !== l.ns) out.linkNetnsId = nsid(l.ns, other.ns);
  }
  if (l.bridgePort && master) {
    out.slaveKind = 'bridge';
    const forwarding = master.up && l.up && carrier;
    out.bridgePort = { state: forwarding ? 3 : 0, ...l.bridgePort };
  }
  if (l.vni !== undefined) out.vni = l.vni;
  if (l.macvlanMode !== undefined) out.macvlanMode = l.macvlanMode;
  return out;
}

/** An address as `addr.dump` reports it. */
export function renderAddr(a: FakeAddr): Addr {
  let flags = IFA_F_PERMANENT;
  if (a.nodad) flags |= IFA_F_NODAD;
  if (a.noprefixroute) flags |= IFA_F_NOPREFIXROUTE;
  return {
    family: a.family,
    index: a.index,
    address: a.address,
    prefixlen: a.prefixlen,
    ...(a.peer ? { peer: a.peer } : {}),
    ...(a.broadcast ? { broadcast: a.broadcast } : {}),
    ...(a.label ? { label: a.label } : {}),
    scope: a.scope,
    flags,
    nodad: a.nodad,
  };
}

/** A route as `route.dump` reports it. */
export function renderRoute(r: FakeRoute): Route {
  return { ...r };
}

/** A neighbour or FDB entry as `neigh.dump` reports it. */
export function renderNeigh(n: FakeNeigh): Neigh {
  return { ...n, state: [...n.state], flags: [...n.flags] };
}
