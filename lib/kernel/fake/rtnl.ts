// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * rtnetlink ops in the fake kernel: each op read and checked as the addon
 * reads it (bad input anywhere: InvalidOpError, nothing runs), then run in
 * order with a result per op — a value, or the NetlinkError the kernel would
 * have acked. As with the real kernel, a batch is not atomic: a failed op
 * does not stop the ops after it.
 */
import type { AddrGenMode, InetConfName, NeighFlag, NeighState, RouteProtocol, RouteScope, RouteType } from '../ops';
import { type AddrSpec, addAddr, allAddrs, delAddr } from './addresses';
import { KernelRefusal, refuse, toNetlinkError } from './errors';
import { addLink, deleteGroup, deleteLink, type LinkSpec, needLink, setLink } from './links';
import type { FakeLink, FakeLinkKind, FakeNamespace } from './model';
import { addNeigh, delNeigh } from './neighbours';
import { OpReader, type ParsedIp } from './op-reader';
import { renderAddr, renderLink, renderNeigh, renderRoute } from './render';
import { addRoute, allRoutes, delRoute, dropRoutesVia, type RouteSpec } from './routes';

/** A namespace an op names: open already, or made by an earlier step of the sequence (by slot). */
export type NsRef = { readonly ns: FakeNamespace } | { readonly slot: number };

/** What running an op needs: where it runs, every namespace, and how to turn a reference into one. */
export interface RtnlContext {
  readonly here: FakeNamespace;
  readonly all: () => Iterable<FakeNamespace>;
  readonly resolve: (ref: NsRef) => FakeNamespace;
}

/** One op, read and checked, ready to run. */
export interface ReadRtnlOp {
  readonly op: string;
  readonly object: string;
  run(ctx: RtnlContext): unknown;
}

const ADDR_GEN_MODES: readonly AddrGenMode[] = ['eui64', 'none', 'stable_secret', 'random'];
const INET_CONF: readonly InetConfName[] = [
  'forwarding',
  'mc_forwarding',
  'proxy_arp',
  'accept_redirects',
  'secure_redirects',
  'send_redirects',
  'shared_media',
  'rp_filter',
  'accept_source_route',
  'bootp_relay',
  'log_martians',
  'arp_filter',
  'medium_id',
  'disable_xfrm',
  'disable_policy',
  'arp_announce',
  'arp_ignore',
  'promote_secondaries',
  'arp_accept',
  'arp_notify',
  'accept_local',
  'src_valid_mark',
  'proxy_arp_pvlan',
  'route_localnet',
  'ignore_routes_with_linkdown',
  'drop_unicast_in_l2_multicast',
  'drop_gratuitous_arp',
  'bc_forwarding',
];
const SCOPES: readonly RouteScope[] = ['universe', 'site', 'link', 'host', 'nowhere'];
const ROUTE_TYPES: readonly RouteType[] = [
  'unicast',
  'local',
  'broadcast',
  'anycast',
  'multicast',
  'blackhole',
  'unreachable',
  'prohibit',
  'throw',
];
const PROTOCOLS: readonly RouteProtocol[] = ['unspec', 'redirect', 'kernel', 'boot', 'static', 'ra'];
const NEIGH_STATES: readonly NeighState[] = [
  'incomplete',
  'reachable',
  'stale',
  'delay',
  'probe',
  'failed',
  'noarp',
  'permanent',
];
const NEIGH_FLAGS: readonly NeighFlag[] = ['use', 'self', 'master', 'proxy', 'extern_learn', 'router'];
const MACVLAN_MODES = ['private', 'vepa', 'bridge', 'passthru', 'source'] as const;

interface Attrs {
  name?: string;
  mtu?: number;
  address?: string;
  master?: number;
  group?: number;
  txqueuelen?: number;
  up?: boolean;
  netns?: NsRef;
}

function readAttrs(r: OpReader): Attrs {
  const out: Attrs = {};
  const name = r.ifname('name');
  if (name !== undefined) out.name = name;
  const mtu = r.u32('mtu');
  if (mtu !== undefined) out.mtu = mtu;
  const address = r.mac('address');
  if (address !== undefined) out.address = address;
  const master = r.u32('master', 0, 0x7fffffff);
  if (master !== undefined) out.master = master;
  const group = r.u32('group');
  if (group !== undefined) out.group = group;
  const txq = r.u32('txqueuelen');
  if (txq !== undefined) out.txqueuelen = txq;
  const up = r.boolean('up');
  if (up !== undefined) out.up = up;
  const ns = r.netns('netns') as NsRef | undefined;
  if (ns !== undefined) out.netns = ns;
  return out;
}

function describe(dev: number | string): string {
  return typeof dev === 'number' ? `ifindex ${dev}` : dev;
}

function withNs<T extends { netns?: NsRef }>(a: T, ctx: RtnlContext): Omit<T, 'netns'> & { netns?: FakeNamespace } {
  const { netns, ...rest } = a;
  return netns ? { ...rest, netns: ctx.resolve(netns) } : rest;
}

function linkAdd(r: OpReader): ReadRtnlOp {
  const kind = r.requiredString('kind');
  if (!['bridge', 'veth', 'macvlan', 'vxlan', 'vlan', 'dummy'].includes(kind))
    r.fail('kind', 'must be one of bridge, veth, macvlan, vxlan, vlan, dummy');
  const index = r.ifindex('index');
  const attrs = readAttrs(r);
  const object = attrs.name ?? '';
  const extra: {
    -readonly [K in keyof Omit<LinkSpec, 'peer'>]?: LinkSpec[K];
  } & { peer?: Attrs & { index?: number }; local?: ParsedIp; remote?: ParsedIp } = {};
  switch (kind) {
    case 'bridge':
      extra.bridge = {
        vlanFiltering: r.boolean('vlanFiltering') ?? false,
        stpState: r.u32('stpState', 0, 1) ?? 0,
        multicastSnooping: r.boolean('multicastSnooping') ?? true,
      };
      break;
    case 'veth': {
      const p = r.nested('peer');
      const peer: Attrs & { index?: number } = readAttrs(p);
      const pIndex = p.ifindex('index');
      if (pIndex !== undefined) peer.index = pIndex;
      if (peer.master !== undefined) p.fail('master', 'cannot be set on the peer at creation');
      extra.peer = peer;
      break;
    }
    case 'macvlan':
      extra.parent = r.requiredIfindex('link');
      extra.macvlanMode = (r.named('mode', MACVLAN_MODES) as string | undefined) ?? 'vepa';
      break;
    case 'vxlan': {
      extra.vni = r.requiredU32('vni', 0, (1 << 24) - 1);
      const local = r.ip('local');
      const remote = r.ip('remote');
      if (local) extra.local = local;
      if (remote) extra.remote = remote;
      r.u32('dstport', 0, 65535);
      r.boolean('learning');
      r.ifindex('link');
      r.u32('ttl', 0, 255);
      if (r.has('portRange')) {
        const range = r.nested('portRange');
        const low = range.requiredU32('low', 1, 65535);
        const high = range.requiredU32('high', 1, 65535);
        if (low > high) r.fail('portRange', 'low must not exceed high');
      }
      break;
    }
    case 'vlan': {
      r.requiredIfindex('link');
      r.requiredU32('vlanId', 0, 4094);
      const proto = r.string('protocol');
      if (proto !== undefined && proto !== '802.1Q' && proto !== '802.1ad')
        r.fail('protocol', 'must be 802.1Q or 802.1ad');
      break;
    }
  }
  return {
    op: 'link.add',
    object,
    run(ctx) {
      // This kernel has no vlan or dummy module (docs: DESIGN.md "Kernel facts"): refused as it refuses them.
      if (kind === 'vlan' || kind === 'dummy') refuse('EOPNOTSUPP', 'Unknown device type');
      if (extra.local && extra.remote && extra.local.family !== extra.remote.family)
        refuse('EINVAL', 'Local and remote address must be from the same family');
      const { peer, local: _l, remote: _r, ...rest } = extra;
      const spec: LinkSpec = {
        ...withNs(attrs, ctx),
        ...rest,
        kind: kind as FakeLinkKind,
        ...(index !== undefined ? { index } : {}),
        ...(peer ? { peer: withNs(peer, ctx) } : {}),
      };
      addLink(ctx.here, spec);
      return null;
    },
  };
}

function linkSet(r: OpReader): ReadRtnlOp {
  const dev = r.linkRef('dev');
  const attrs = readAttrs(r);
  if (attrs.name !== undefined && typeof dev !== 'number')
    r.fail('name', 'renaming needs dev as an ifindex (the name is how the link is found)');
  const addrGenMode = r.named('addrGenMode', ADDR_GEN_MODES) as AddrGenMode | undefined;
  let inet: Partial<Record<InetConfName, number>> | undefined;
  if (r.has('inet')) {
    const conf = r.nested('inet');
    inet = {};
    for (const key of Object.keys(conf.object)) {
      if (!(INET_CONF as readonly string[]).includes(key))
        conf.fail(key, 'is not an IPv4 per-interface setting this kernel layer knows');
      inet[key as InetConfName] = conf.u32(key) as number;
    }
  }
  let bridgePort: { hairpin?: boolean; isolated?: boolean; learning?: boolean; neighSuppress?: boolean } | undefined;
  if (r.has('bridgePort')) {
    const p = r.nested('bridgePort');
    bridgePort = {};
    for (const k of ['hairpin', 'isolated', 'learning', 'neighSuppress'] as const) {
      const v = p.boolean(k);
      if (v !== undefined) bridgePort[k] = v;
    }
  }
  return {
    op: 'link.set',
    object: describe(dev),
    run(ctx) {
      const link = needLink(ctx.here, dev);
      setLink(
        link,
        {
          ...withNs(attrs, ctx),
          ...(addrGenMode !== undefined ? { addrGenMode } : {}),
          ...(inet ? { inet } : {}),
          ...(bridgePort ? { bridgePort } : {}),
        },
        (l: FakeLink) => dropRoutesVia(l.ns, l.index),
      );
      return null;
    },
  };
}

function linkDel(r: OpReader): ReadRtnlOp {
  if (r.has('group')) {
    if (r.has('dev')) r.fail('group', 'give dev or group, not both');
    const group = r.u32('group', 1) as number;
    return {
      op: 'link.del',
      object: `group ${group}`,
      run(ctx) {
        deleteGroup(ctx.here, group, ctx.all());
        return null;
      },
    };
  }
  const dev = r.linkRef('dev');
  return {
    op: 'link.del',
    object: describe(dev),
    run(ctx) {
      deleteLink(needLink(ctx.here, dev), ctx.all());
      return null;
    },
  };
}

function family(r: OpReader, key: string): 4 | 6 | undefined {
  const f = r.u32(key, 0, 6);
  if (f === undefined || f === 0) return undefined;
  if (f !== 4 && f !== 6) r.fail(key, 'must be 4 or 6');
  return f;
}

function addrOp(r: OpReader, op: 'addr.add' | 'addr.del'): ReadRtnlOp {
  const dev = r.requiredIfindex('dev');
  const local = r.prefix('address');
  if (!local) r.fail('address', 'is required (an address with /prefix-length)');
  const peer = r.ip('peer');
  const broadcast = r.ip('broadcast');
  if (broadcast && (broadcast.family !== 4 || local.family !== 4))
    r.fail('broadcast', 'is IPv4 only: an IPv4 broadcast for an IPv4 address');
  if (peer && peer.family !== local.family) r.fail('peer', "must be of the address's family");
  const label = r.string('label');
  if (label !== undefined && (label.length === 0 || Buffer.byteLength(label) >= 16))
    r.fail('label', 'must be 1-15 bytes (an interface label, like eth0:1)');
  const scope = r.named('scope', SCOPES, true);
  const spec: AddrSpec = {
    dev,
    local,
    ...(peer ? { peer: peer.text } : {}),
    ...(broadcast ? { broadcast: broadcast.text } : {}),
    ...(label !== undefined ? { label } : {}),
    ...(scope !== undefined ? { scope } : {}),
    nodad: r.boolean('nodad') ?? false,
    noprefixroute: r.boolean('noprefixroute') ?? false,
  };
  return {
    op,
    object: r.requiredString('address'),
    run(ctx) {
      if (op === 'addr.add') addAddr(ctx.here, spec);
      else delAddr(ctx.here, spec);
      return null;
    },
  };
}

function routeOp(r: OpReader, op: 'route.add' | 'route.replace' | 'route.del'): ReadRtnlOp {
  const dstText = r.string('dst') ?? 'default';
  const gateway = r.ip('gateway');
  const src = r.ip('src');
  let fam = family(r, 'family');
  const dst = dstText === 'default' ? undefined : r.prefix('dst');
  if (dst) fam = fam ?? dst.family;
  if (!fam && gateway) fam = gateway.family;
  const f = fam ?? 4;
  if (dst && dst.family !== f) r.fail('dst', 'family mismatch');
  if (gateway && gateway.family !== f) r.fail('gateway', 'family mismatch');
  if (src && src.family !== f) r.fail('src', 'family mismatch');
  const dev = r.ifindex('dev');
  const metric = r.u32('metric');
  const table = r.u32('table', 1) ?? 254;
  const scope = r.named('scope', SCOPES, true);
  const type = r.named('type', ROUTE_TYPES, true);
  const protocol = r.named('protocol', PROTOCOLS, true);
  const spec: RouteSpec = {
    family: f,
    table,
    ...(dst ? { dst } : {}),
    ...(gateway ? { gateway } : {}),
    ...(src ? { src } : {}),
    ...(dev !== undefined ? { dev } : {}),
    ...(metric !== undefined ? { metric } : {}),
    ...(scope !== undefined ? { scope } : {}),
    ...(type !== undefined ? { type } : {}),
    ...(protocol !== undefined ? { protocol } : {}),
  };
  return {
    op,
    object: dstText,
    run(ctx) {
      if (op === 'route.del') delRoute(ctx.here, spec);
      else addRoute(ctx.here, spec, op === 'route.replace');
      return null;
    },
  };
}

function neighOp(r: OpReader, op: 'neigh.add' | 'neigh.replace' | 'neigh.del'): ReadRtnlOp {
  const dev = r.requiredIfindex('dev');
  const dst = r.ip('dst');
  const lladdr = r.mac('lladdr');
  let fam: 4 | 6 | 'bridge' | undefined = r.raw('family') === 'bridge' ? 'bridge' : family(r, 'family');
  if (!fam && dst) fam = dst.family;
  if (!fam) r.fail('family', 'give dst, or family 4, 6 or "bridge"');
  if (fam !== 'bridge' && !dst) r.fail('dst', 'is required for an ARP/NDP entry');
  if (fam === 'bridge' && !lladdr) r.fail('lladdr', 'is required for an FDB entry');
  const state = r.named('state', NEIGH_STATES) as NeighState | undefined;
  const flags: NeighFlag[] = [];
  if (r.has('flags')) {
    const raw = r.raw('flags');
    if (!Array.isArray(raw)) r.fail('flags', 'must be an array of flag names');
    raw.forEach((f, i) => {
      if (!(NEIGH_FLAGS as readonly unknown[]).includes(f)) r.fail('flags', `unknown flag at position ${i}`);
      flags.push(f as NeighFlag);
    });
  }
  const vlan = r.u32('vlan', 1, 4094);
  const vni = r.u32('vni', 0, (1 << 24) - 1);
  r.u32('port', 1, 65535);
  const master = r.ifindex('master');
  const entry = {
    family: fam,
    dev,
    ...(dst ? { dst: dst.text } : {}),
    ...(lladdr ? { lladdr } : {}),
    state: state ? [state] : ['permanent' as const],
    flags,
    ...(vlan !== undefined ? { vlan } : {}),
    ...(vni !== undefined ? { vni } : {}),
    ...(master !== undefined ? { master } : {}),
  };
  return {
    op,
    object: r.string('dst') ?? r.string('lladdr') ?? '',
    run(ctx) {
      if (op === 'neigh.del') delNeigh(ctx.here, entry);
      else addNeigh(ctx.here, entry, op === 'neigh.replace');
      return null;
    },
  };
}

function readOne(r: OpReader, op: string): ReadRtnlOp {
  switch (op) {
    case 'link.add':
      return linkAdd(r);
    case 'link.set':
      return linkSet(r);
    case 'link.del':
      return linkDel(r);
    case 'link.get': {
      const dev = r.linkRef('dev');
      return { op, object: describe(dev), run: (ctx) => renderLink(needLink(ctx.here, dev)) };
    }
    case 'link.dump': {
      const master = r.ifindex('master');
      const kind = r.string('kind');
      if (kind !== undefined && (kind.length === 0 || kind.length > 55))
        r.fail('kind', 'must be a link kind (1-55 bytes)');
      return {
        op,
        object: '',
        run: (ctx) =>
          [...ctx.here.links.values()]
            .sort((a, b) => a.index - b.index)
            .filter((l) => (master === undefined || l.master === master) && (kind === undefined || l.kind === kind))
            .map(renderLink),
      };
    }
    case 'addr.add':
    case 'addr.del':
      return addrOp(r, op);
    case 'addr.dump': {
      const f = family(r, 'family');
      const dev = r.ifindex('dev');
      return {
        op,
        object: '',
        run: (ctx) =>
          allAddrs(ctx.here)
            .filter((a) => (f === undefined || a.family === f) && (dev === undefined || a.index === dev))
            .sort((a, b) => (a.family - b.family) * 1000 + a.index - b.index)
            .map(renderAddr),
      };
    }
    case 'route.add':
    case 'route.replace':
    case 'route.del':
      return routeOp(r, op);
    case 'route.dump': {
      const f = family(r, 'family');
      const table = r.u32('table', 1);
      return {
        op,
        object: '',
        run: (ctx) =>
          allRoutes(ctx.here)
            .filter((x) => (f === undefined || x.family === f) && (table === undefined || x.table === table))
            .map(renderRoute),
      };
    }
    case 'neigh.add':
    case 'neigh.replace':
    case 'neigh.del':
      return neighOp(r, op);
    case 'neigh.dump': {
      const f = r.raw('family') === 'bridge' ? 'bridge' : family(r, 'family');
      const dev = r.ifindex('dev');
      const master = r.ifindex('master');
      return {
        op,
        object: '',
        run: (ctx) =>
          ctx.here.neighs
            .filter(
              (n) =>
                (f === undefined || n.family === f) &&
                (dev === undefined || n.dev === dev) &&
                (master === undefined || n.master === master),
            )
            .map(renderNeigh),
      };
    }
    default:
      return r.fail('op', `unknown op "${op}"`);
  }
}

/** Reads every op of one batch (InvalidOpError on the first bad one). */
export function readRtnlOps(ops: unknown, resolveNetns: (v: unknown) => NsRef | undefined): ReadRtnlOp[] {
  if (!Array.isArray(ops)) throw new TypeError('rtnlBatch: ops must be an array');
  return ops.map((raw, i) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return notObject(i);
    const r: OpReader = new OpReader(raw as Record<string, unknown>, i, '', resolveNetns);
    return readOne(r, r.requiredString('op'));
  });
}

function notObject(i: number): never {
  return new OpReader({}, i).fail('', 'op must be an object');
}

/** Runs read ops in order: a value or a NetlinkError per op. */
export function runRtnlOps(ops: readonly ReadRtnlOp[], ctx: RtnlContext): unknown[] {
  return ops.map((op, index) => {
    try {
      return op.run(ctx);
    } catch (error) {
      if (error instanceof KernelRefusal) return toNetlinkError(error, { op: op.op, index, object: op.object });
      throw error;
    }
  });
}
