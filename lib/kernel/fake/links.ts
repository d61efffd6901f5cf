// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Links of the fake kernel: loopback, bridges, veth pairs (either end in any
 * namespace), macvlan and vxlan devices; ifindexes per namespace; enslaving
 * to a bridge (at most 1,023 ports); moving between namespaces; deletion
 * (a veth takes its peer with it, a parent its macvlans; a bridge lets its
 * ports go); link groups.
 */
import { randomBytes } from 'node:crypto';
import type { AddrGenMode, BridgePortSettings, InetConfName } from '../ops';
import { refuse } from './errors';
import type { FakeLink, FakeLinkKind, FakeNamespace } from './model';

/** A bridge has port numbers 1..1023: the 1,024th port is refused with EXFULL. */
export const FAKE_BRIDGE_PORTS = 1023;

/** What creating a link asks for (the op, read and checked). */
export interface LinkSpec {
  readonly kind: FakeLinkKind;
  readonly name?: string;
  readonly index?: number;
  readonly mtu?: number;
  readonly address?: string;
  readonly master?: number;
  readonly group?: number;
  readonly txqueuelen?: number;
  readonly up?: boolean;
  /** Where the link is made (default: the namespace the op runs in). */
  readonly netns?: FakeNamespace;
  readonly peer?: Omit<LinkSpec, 'kind' | 'peer' | 'master'>;
  readonly parent?: number;
  readonly vni?: number;
  readonly macvlanMode?: string;
  readonly bridge?: { vlanFiltering: boolean; stpState: number; multicastSnooping: boolean };
}

/** What changing a link asks for. */
export interface LinkChange {
  readonly name?: string;
  readonly mtu?: number;
  readonly address?: string;
  readonly master?: number;
  readonly group?: number;
  readonly txqueuelen?: number;
  readonly up?: boolean;
  readonly netns?: FakeNamespace;
  readonly addrGenMode?: AddrGenMode;
  readonly inet?: Partial<Record<InetConfName, number>>;
  readonly bridgePort?: BridgePortSettings;
}

/** A locally administered, unicast MAC, as eth_random_addr() makes one. */
export function randomMac(): string {
  const b = randomBytes(6);
  b[0] = ((b[0] as number) & 0xfe) | 0x02;
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** A namespace's loopback, as every new namespace has it: ifindex 1, down. */
export function makeLoopback(ns: FakeNamespace): FakeLink {
  const lo: FakeLink = {
    ns,
    index: 1,
    name: 'lo',
    kind: 'loopback',
    up: false,
    mtu: 65536,
    address: '00:00:00:00:00:00',
    group: 0,
    txqueuelen: 1000,
    addrGenMode: 'eui64',
    inet: {},
  };
  ns.links.set(1, lo);
  ns.nextIndex = 2;
  return lo;
}

/** A link by ifindex or name. */
export function findLink(ns: FakeNamespace, ref: number | string): FakeLink | undefined {
  if (typeof ref === 'number') return ns.links.get(ref);
  for (const l of ns.links.values()) if (l.name === ref) return l;
  return undefined;
}

/** A link by ifindex or name, or ENODEV. */
export function needLink(ns: FakeNamespace, ref: number | string): FakeLink {
  return findLink(ns, ref) ?? refuse('ENODEV');
}

/** Whether the link has carrier (a veth: its peer is up; a bridge: a port of it is up). */
export function hasCarrier(l: FakeLink): boolean {
  switch (l.kind) {
    case 'loopback':
    case 'vxlan':
      return true;
    case 'veth':
      return !!l.peer?.up;
    case 'macvlan':
      return !!l.parent?.up;
    case 'bridge':
      return [...l.ns.links.values()].some((p) => p.master === l.index && p.up && hasCarrier(p));
  }
}

function nameTaken(ns: FakeNamespace, name: string, except?: FakeLink): boolean {
  for (const l of ns.links.values()) if (l.name === name && l !== except) return true;
  return false;
}

// The kernel hands out ifindexes cyclically (a deleted one is not reused at once).
function allocIndex(ns: FakeNamespace, wanted?: number): number {
  if (wanted !== undefined) {
    if (ns.links.has(wanted)) refuse('EBUSY');
    return wanted;
  }
  let i = ns.nextIndex;
  while (ns.links.has(i)) i = i >= 0x7fffffff ? 1 : i + 1;
  ns.nextIndex = i + 1;
  return i;
}

// A name the kernel makes up when none is given (`bridge0`, `veth3`).
function autoName(ns: FakeNamespace, kind: string): string {
  for (let n = 0; ; n++) if (!nameTaken(ns, `${kind}${n}`)) return `${kind}${n}`;
}

function checkMtu(mtu: number | undefined): void {
  if (mtu === undefined) return;
  if (mtu < 68) refuse('EINVAL', 'mtu less than device minimum');
  if (mtu > 65535) refuse('EINVAL', 'mtu greater than device maximum');
}

function ports(bridge: FakeLink): number {
  let n = 0;
  for (const l of bridge.ns.links.values()) if (l.master === bridge.index) n++;
  return n;
}

function enslave(link: FakeLink, masterIndex: number): void {
  if (masterIndex === 0) {
    delete link.master;
    delete link.bridgePort;
    return;
  }
  const master = link.ns.links.get(masterIndex);
  if (!master) refuse('EINVAL');
  if (master.kind !== 'bridge') refuse('EOPNOTSUPP');
  if (master === link) refuse('EINVAL');
  if (link.kind === 'loopback') refuse('EINVAL', 'Can not enslave loopback device');
  if (link.master === masterIndex) return;
  if (link.master !== undefined) refuse('EBUSY');
  if (ports(master) >= FAKE_BRIDGE_PORTS) refuse('EXFULL');
  link.master = masterIndex;
  link.bridgePort = { hairpin: false, isolated: false, learning: true, neighSuppress: false };
}

function defaultForwarding(ns: FakeNamespace): number {
  return Number(ns.sysctls.get('net.ipv4.conf.default.forwarding') ?? '0');
}

function newLink(ns: FakeNamespace, kind: FakeLinkKind, spec: Omit<LinkSpec, 'kind'>, index: number): FakeLink {
  const link: FakeLink = {
    ns,
    index,
    name: spec.name ?? autoName(ns, kind),
    kind,
    up: false,
    mtu: spec.mtu ?? 1500,
    address: spec.address ?? randomMac(),
    group: spec.group ?? 0,
    txqueuelen: spec.txqueuelen ?? (kind === 'veth' || kind === 'bridge' ? 1000 : 0),
    addrGenMode: 'eui64',
    inet: { forwarding: defaultForwarding(ns) },
  };
  if (spec.vni !== undefined) link.vni = spec.vni;
  if (spec.macvlanMode !== undefined) link.macvlanMode = spec.macvlanMode;
  if (spec.bridge) link.bridge = spec.bridge;
  return link;
}

/**
 * `ip link add`: makes the link (and a veth's peer) finished, or nothing.
 * `here` is the namespace whose socket the op came in on.
 */
export function addLink(here: FakeNamespace, spec: LinkSpec): FakeLink {
  const ns = spec.netns ?? here;
  checkMtu(spec.mtu);
  if (spec.name !== undefined && nameTaken(ns, spec.name)) refuse('EEXIST');
  let parent: FakeLink | undefined;
  if (spec.kind === 'macvlan') {
    // The parent is found in the namespace the request came from (IFLA_LINK), the child may live elsewhere.
    parent = here.links.get(spec.parent as number);
    if (!parent) refuse('ENODEV', 'Unknown device');
    if (parent.kind === 'loopback') refuse('EINVAL');
  }
  if (spec.kind === 'veth') {
    const peer = spec.peer ?? {};
    const peerNs = peer.netns ?? here;
    checkMtu(peer.mtu);
    const peerName = peer.name;
    if (peerName !== undefined && (nameTaken(peerNs, peerName) || (peerNs === ns && peerName === spec.name)))
      refuse('EEXIST');
    if (peer.up && peerNs !== ns) refuse('ENOTCONN');
    // veth_newlink honours the peer's ifindex only when the host end's is given too.
    const peerIndex = spec.index !== undefined ? peer.index : undefined;
    if (peerIndex !== undefined && peerNs.links.has(peerIndex)) refuse('EBUSY');
    if (spec.index !== undefined && ns.links.has(spec.index)) refuse('EBUSY');
    if (spec.master !== undefined) checkMaster(ns, spec.master);
    const pIndex = allocIndex(peerNs, peerIndex);
    const peerLink = newLink(peerNs, 'veth', { ...peer, name: peerName ?? autoName(peerNs, 'veth') }, pIndex);
    peerNs.links.set(pIndex, peerLink);
    const index = allocIndex(ns, spec.index);
    const link = newLink(ns, 'veth', spec, index);
    ns.links.set(index, link);
    link.peer = peerLink;
    peerLink.peer = link;
    if (spec.master !== undefined) enslave(link, spec.master);
    if (peer.up) peerLink.up = true;
    if (spec.up) link.up = true;
    return link;
  }
  if (spec.master !== undefined) checkMaster(ns, spec.master);
  const index = allocIndex(ns, spec.index);
  const link = newLink(ns, spec.kind, spec, index);
  if (parent) link.parent = parent;
  ns.links.set(index, link);
  if (spec.master !== undefined) enslave(link, spec.master);
  if (spec.up) link.up = true;
  return link;
}

// What enslaving at creation would refuse, checked before anything is made.
function checkMaster(ns: FakeNamespace, masterIndex: number): void {
  if (masterIndex === 0) return;
  const master = ns.links.get(masterIndex);
  if (!master) refuse('EINVAL');
  if (master.kind !== 'bridge') refuse('EOPNOTSUPP');
  if (ports(master) >= FAKE_BRIDGE_PORTS) refuse('EXFULL');
}

/**
 * `ip link set`: each attribute in the order the kernel's do_setlink
 * applies them (namespace, then name, mtu, address, master, ...).
 * `onDown` runs when the link goes down (its routes go with it).
 */
export function setLink(link: FakeLink, change: LinkChange, onDown: (l: FakeLink) => void): void {
  checkMtu(change.mtu);
  if (change.netns && change.netns !== link.ns) moveLink(link, change.netns);
  if (change.name !== undefined && change.name !== link.name) {
    if (link.up) refuse('EBUSY');
    if (nameTaken(link.ns, change.name, link)) refuse('EEXIST');
    link.name = change.name;
  }
  if (change.mtu !== undefined) link.mtu = change.mtu;
  if (change.address !== undefined) link.address = change.address;
  if (change.master !== undefined) enslave(link, change.master);
  if (change.group !== undefined) link.group = change.group;
  if (change.txqueuelen !== undefined) link.txqueuelen = change.txqueuelen;
  if (change.bridgePort) {
    if (!link.bridgePort) refuse('EOPNOTSUPP');
    const p = change.bridgePort;
    if (p.hairpin !== undefined) link.bridgePort.hairpin = p.hairpin;
    if (p.isolated !== undefined) link.bridgePort.isolated = p.isolated;
    if (p.learning !== undefined) link.bridgePort.learning = p.learning;
    if (p.neighSuppress !== undefined) link.bridgePort.neighSuppress = p.neighSuppress;
  }
  if (change.addrGenMode !== undefined) link.addrGenMode = change.addrGenMode;
  if (change.inet) Object.assign(link.inet, change.inet);
  if (change.up !== undefined && change.up !== link.up) {
    link.up = change.up;
    if (!change.up) onDown(link);
  }
}

/** Moves a link into another namespace (`ip link set DEV netns NS`): it keeps its ifindex if that is free there. */
export function moveLink(link: FakeLink, target: FakeNamespace): void {
  if (link.kind === 'loopback' || link.kind === 'bridge') refuse('EINVAL', 'The device is not network-namespace local');
  if (nameTaken(target, link.name)) refuse('EEXIST');
  const from = link.ns;
  from.links.delete(link.index);
  forgetLinkState(from, link.index);
  // It leaves its bridge, and goes down, as dev_change_net_namespace does.
  delete link.master;
  delete link.bridgePort;
  for (const l of from.links.values()) if (l.master === link.index) delete l.master;
  link.up = false;
  link.index = target.links.has(link.index) ? allocIndex(target) : link.index;
  link.ns = target;
  target.links.set(link.index, link);
}

// Addresses, routes and neighbours of a link that leaves the namespace.
function forgetLinkState(ns: FakeNamespace, index: number): void {
  ns.addrs = ns.addrs.filter((a) => a.index !== index);
  ns.routes = ns.routes.filter((r) => r.dev !== index);
  ns.neighs = ns.neighs.filter((n) => n.dev !== index);
}

/** Removes a link and whatever goes with it: a veth's peer, a parent's macvlans; a bridge's ports are let go. */
export function deleteLink(link: FakeLink, all: Iterable<FakeNamespace>): void {
  if (link.kind === 'loopback') refuse('EOPNOTSUPP');
  destroy(link, all);
}

function destroy(link: FakeLink, all: Iterable<FakeNamespace>): void {
  const ns = link.ns;
  if (ns.links.get(link.index) !== link) return;
  ns.links.delete(link.index);
  forgetLinkState(ns, link.index);
  if (link.kind === 'bridge') {
    for (const l of ns.links.values()) {
      if (l.master !== link.index) continue;
      delete l.master;
      delete l.bridgePort;
    }
  }
  const peer = link.peer;
  if (peer) {
    delete link.peer;
    delete peer.peer;
    destroy(peer, all);
  }
  for (const other of [...all]) {
    for (const l of [...other.links.values()]) if (l.parent === link) destroy(l, all);
  }
}

/** `ip link del group N`: every link of the group, at once. */
export function deleteGroup(ns: FakeNamespace, group: number, all: Iterable<FakeNamespace>): void {
  if (group === 0) refuse('EPERM');
  const members = [...ns.links.values()].filter((l) => l.group === group);
  if (members.length === 0) refuse('ENODEV');
  if (members.some((l) => l.kind === 'loopback')) refuse('EOPNOTSUPP');
  for (const l of members) destroy(l, all);
}

/** Every link of a namespace that is freed: veth peers elsewhere go too. */
export function destroyAllLinks(ns: FakeNamespace, all: Iterable<FakeNamespace>): void {
  for (const l of [...ns.links.values()]) destroy(l, all);
}
