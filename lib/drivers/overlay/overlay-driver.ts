// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The overlay driver: one layer-2 network across the hosts of a cluster,
 * over VXLAN, as Docker's overlay. The network's record, subnets and VNI are
 * the cluster store's; on each host, at its first join there, a namespace of
 * the network's own (`ov-<vni>`) holds a bridge and a VXLAN device (UDP 4789,
 * no learning, answering ARP from its neighbour table). The VXLAN device is
 * made in the host namespace and moved in, so its UDP socket stays on the
 * underlay. Sandboxes join with a veth whose other end is a port of that
 * bridge. Remote endpoints are static entries — MAC → VTEP in the VXLAN
 * device's FDB, IP → MAC in its neighbour table — programmed from the
 * cluster's records by the agent (`discoverNew`/`discoverDelete`): no
 * flood-and-learn.
 */
import { CnmError } from '../../errors';
import type { Netns } from '../../kernel/binding';
import { netnsCreate, netnsDelete, netnsExists, netnsOpen } from '../../kernel/netns';
import type { RtnlOp } from '../../kernel/ops';
import { rtnl } from '../../kernel/rtnl';
import type { Driver, DriverContext, DriverNetwork, JoinPlan, Peer } from '../driver';
import { FIRST_VNI, LAST_VNI, OVERLAY_OPTION_SPECS, parseOverlayOptions } from './options';

/** VXLAN's IANA port. */
const VXLAN_PORT = 4789;
/** What VXLAN adds to a frame on an IPv4 underlay: outer IP 20, UDP 8, VXLAN 8, inner Ethernet 14. */
const VXLAN_OVERHEAD = 50;
const BRIDGE = 'br0';

/** What a host records of the network it made. */
interface OverlayState {
  readonly netns: string;
  readonly mtu: number;
}

const vniOf = (net: Pick<DriverNetwork, 'allocation'>) => Number(net.allocation.vni);
const vxlanName = (vni: number) => `vx-${vni}`;
// The veth end in the network's namespace: the endpoint's own, 15 bytes at most.
const portName = (endpointId: string) => `ve${endpointId.slice(0, 13)}`;

// Open handles of the networks' namespaces (closed when the network goes from this host).
const opened = new Map<string, Netns>();

async function networkNamespace(path: string): Promise<Netns> {
  const open = opened.get(path);
  if (open && !open.closed) return open;
  const ns = await netnsOpen(path);
  opened.set(path, ns);
  return ns;
}

// The VXLAN device's index in each open network namespace: the agent programs a peer per
// join on every host, and the device stays while the namespace does.
const vxlanIndexes = new WeakMap<Netns, number>();

async function vxlanIndex(ns: Netns, vni: number): Promise<number> {
  const known = vxlanIndexes.get(ns);
  if (known !== undefined) return known;
  const { index } = await rtnl(ns).link(vxlanName(vni));
  vxlanIndexes.set(ns, index);
  return index;
}

function needAddress(ctx: DriverContext): string {
  if (!ctx.advertiseAddress) {
    throw new CnmError(
      'CNM_INVALID_CONFIG',
      "an overlay network needs this host's underlay address: cluster.advertiseAddress (--advertise-addr)",
    );
  }
  return ctx.advertiseAddress;
}

/** The underlay link's MTU less VXLAN's overhead: the link that holds the advertised address. */
async function overlayMtu(ctx: DriverContext, address: string, asked?: number): Promise<number> {
  if (asked) return asked;
  const host = rtnl(ctx.host);
  const addr = (await host.addrs()).find((a) => a.address === address);
  if (!addr) {
    throw new CnmError(
      'CNM_INVALID_CONFIG',
      `advertise address ${address} is not an address of this host: the overlay's VXLAN traffic would have no way out`,
    );
  }
  return (await host.link(addr.index)).mtu - VXLAN_OVERHEAD;
}

/** A remote endpoint as static entries on the VXLAN device: FDB (MAC → VTEP) and neighbour (IP → MAC). */
function peerOps(op: 'neigh.replace' | 'neigh.del', vxlan: number, peer: Peer): RtnlOp[] {
  const { mac, ipv4, ipv6 } = peer.endpoint;
  const fdb: RtnlOp = {
    op,
    family: 'bridge',
    dev: vxlan,
    lladdr: mac,
    ...(op === 'neigh.replace'
      ? { dst: peer.address, state: 'permanent', flags: ['self'] }
      : { dst: peer.address, flags: ['self'] }),
  };
  const neighbours = [ipv4, ipv6].flatMap((cidr): RtnlOp[] => {
    const ip = cidr?.split('/')[0];
    if (!ip) return [];
    return [
      {
        op,
        family: ip.includes(':') ? 6 : 4,
        dev: vxlan,
        dst: ip,
        ...(op === 'neigh.replace' ? { lladdr: mac, state: 'permanent' } : {}),
      },
    ];
  });
  return [fdb, ...neighbours];
}

const ignoreGone = (e: { code?: string }) => {
  if (e.code !== 'ENODEV' && e.code !== 'ENOENT' && e.code !== 'ESRCH') throw e;
};

/**
 * The overlay driver (`docker network create -d overlay ...`).
 *
 * @example
 * ```ts
 * const ctl = await NetworkController.open({ cluster: { store: 'etcd://10.0.0.1:2379', advertiseAddress: '10.0.0.5' } })
 * const net = await ctl.createNetwork({ name: 'ov', driver: 'overlay', ipam: { config: [{ subnet: '10.90.0.0/24' }] } })
 * ```
 */
export const overlayDriver: Driver = {
  type: 'overlay',
  capabilities: {
    dataScope: 'global',
    connectivityScope: 'global',
    addresses: true,
    // The way out, and published ports, are the host's gateway network's (docker_gwbridge).
    publishesPorts: false,
    egressThroughGatewayNetwork: true,
    exclusive: false,
  },
  options: Object.values(OVERLAY_OPTION_SPECS),

  parseOptions(net) {
    const { unknown, ...known } = parseOverlayOptions(net.options);
    return { driver: 'overlay', known, unknown };
  },

  assignNetwork(net, others) {
    // The VNI, inside the cluster store's transaction that records the network: two hosts
    // creating networks at once never take one VNI (the loser's transaction runs again).
    const { vni } = parseOverlayOptions(net.options);
    const taken = new Set(others.map(vniOf));
    if (vni !== undefined) {
      if (taken.has(vni))
        throw new CnmError(
          'CNM_INVALID_CONFIG',
          `options.vxlanid_list: VNI ${vni} is in use by another overlay network`,
        );
      return { vni: String(vni) };
    }
    for (let v = FIRST_VNI; v <= LAST_VNI; v++) if (!taken.has(v)) return { vni: String(v) };
    throw new CnmError('CNM_POOL_EXHAUSTED', 'no VXLAN id is left');
  },

  async createNetwork(ctx, net) {
    // This host's objects, at the network's first join here (idempotent: what exists is kept).
    const address = needAddress(ctx);
    const vni = vniOf(net);
    const mtu = await overlayMtu(ctx, address, parseOverlayOptions(net.options).mtu);
    const dir = ctx.netnsDir ?? '/run/cnm/netns';
    const path = `${dir}/ov-${vni}`;
    const ns = (await netnsExists(path)) ? await networkNamespace(path) : await netnsCreate(`ov-${vni}`, { dir });
    opened.set(path, ns);
    const inside = rtnl(ns);
    const links = new Set((await inside.links()).map((l) => l.name));
    if (!links.has(vxlanName(vni))) {
      await rtnl(ctx.host).batch([
        {
          op: 'link.add',
          kind: 'vxlan',
          name: vxlanName(vni),
          vni,
          local: address,
          dstport: VXLAN_PORT,
          learning: false,
          proxy: true,
          mtu,
          netns: ns,
        },
      ]);
    }
    await inside.batch([
      { op: 'link.set', dev: 'lo', up: true },
      ...(links.has(BRIDGE) ? [] : [{ op: 'link.add', kind: 'bridge', name: BRIDGE, mtu } as const]),
    ]);
    const bridge = (await inside.link(BRIDGE)).index;
    await inside.batch([
      { op: 'link.set', dev: vxlanName(vni), master: bridge, up: true },
      { op: 'link.set', dev: BRIDGE, up: true },
    ]);
    return { netns: path, mtu } satisfies OverlayState;
  },

  async deleteNetwork(_ctx, net) {
    // The namespace takes its bridge, VXLAN device and ports with it.
    const s = net.state as Partial<OverlayState>;
    if (!s.netns) return;
    const ns = opened.get(s.netns) ?? (await netnsOpen(s.netns).catch(() => undefined));
    opened.delete(s.netns);
    if (ns) await netnsDelete(ns);
  },

  async createEndpoint() {
    return undefined;
  },
  async deleteEndpoint() {},

  interfacePrefix() {
    return 'eth';
  },

  plannedJoin() {
    // Nothing in the host namespace: the veth's other end is in the network's namespace.
    return { state: {} };
  },

  async join(_ctx, net, ep, req): Promise<JoinPlan> {
    const s = net.state as unknown as OverlayState;
    const ns = await networkNamespace(s.netns);
    const bridge = (await rtnl(ns).link(BRIDGE)).index;
    return {
      state: {},
      host: [
        {
          op: 'link.add',
          kind: 'veth',
          name: portName(ep.id),
          netns: ns,
          master: bridge,
          mtu: s.mtu,
          up: true,
          peer: { name: req.ifname, address: ep.mac, netns: req.sandbox, mtu: s.mtu },
        },
      ],
      sandbox: [
        { op: 'link.set', dev: req.ifname, addrGenMode: 'none', inet: { arp_notify: 1 } },
        { op: 'link.set', dev: req.ifname, up: true },
      ],
      // No gateway: the model gives the sandbox its way out on this host's gateway network (docker_gwbridge).
    };
  },

  async leave(_ctx, net, ep, req) {
    // The sandbox's end takes the port with it; without the sandbox, the port goes by name.
    if (req.sandbox && req.ifname) {
      const r = rtnl(req.sandbox);
      const link = await r.link(req.ifname).catch((e: { code?: string }) => {
        ignoreGone(e);
        return undefined;
      });
      if (link?.kind === 'veth' && link.address?.toLowerCase() === ep.mac.toLowerCase())
        await r.linkDel(link.index).catch(ignoreGone);
    }
    const s = net.state as Partial<OverlayState>;
    if (s.netns && (await netnsExists(s.netns))) {
      const ns = await networkNamespace(s.netns);
      await rtnl(ns).linkDel(portName(ep.id)).catch(ignoreGone);
    }
  },

  async programExternalConnectivity() {},
  async revokeExternalConnectivity() {},

  async reconcile(_ctx, networks) {
    const report: string[] = [];
    for (const { net, endpoints, joining } of networks) {
      const s = net.state as Partial<OverlayState>;
      if (!s.netns) continue;
      if (!(await netnsExists(s.netns))) {
        report.push(
          `the namespace ${s.netns} of overlay network ${net.name} is gone; its next join here makes it again`,
        );
        continue;
      }
      // Ports of endpoints no longer joined here (withdrawn from the cluster while this host was
      // lost): the port goes, and its peer in the sandbox with it.
      const ours = new Set([...endpoints.map((e) => e.id), ...(joining ?? [])].map(portName));
      const r = rtnl(await networkNamespace(s.netns));
      for (const l of await r.links()) {
        if (l.kind !== 'veth' || ours.has(l.name)) continue;
        await r.linkDel(l.index).catch(ignoreGone);
        report.push(`overlay network ${net.name}: removed port ${l.name}, whose endpoint is not joined here any more`);
      }
    }
    return { report, states: new Map(), firewall: [] };
  },

  async discoverNew(_ctx, net, peer) {
    const s = net.state as unknown as OverlayState;
    const ns = await networkNamespace(s.netns);
    const vxlan = await vxlanIndex(ns, vniOf(net));
    await rtnl(ns)
      .batch(peerOps('neigh.replace', vxlan, peer))
      .catch((error: unknown) => {
        vxlanIndexes.delete(ns);
        throw error;
      });
  },

  async discoverDelete(_ctx, net, peer) {
    const s = net.state as Partial<OverlayState>;
    if (!s.netns) return;
    const open = opened.get(s.netns);
    if (!(open && !open.closed) && !(await netnsExists(s.netns))) return;
    const ns = await networkNamespace(s.netns);
    const vxlan = await vxlanIndex(ns, vniOf(net)).catch(() => undefined);
    if (vxlan === undefined) return;
    // Each entry on its own: one already gone does not keep the others; anything else is said.
    const settled = await rtnl(ns).batchSettled(peerOps('neigh.del', vxlan, peer));
    const failed = settled.flatMap((r) => (r.ok ? [] : [r.error]));
    const real = failed.filter((e) => e.code !== 'ENOENT');
    if (real.length > 0)
      throw new AggregateError(real, `overlay network ${net.name}: removing peer ${peer.endpoint.mac}`);
  },

  async programmedPeers(_ctx, net) {
    const s = net.state as Partial<OverlayState>;
    if (!s.netns || !(await netnsExists(s.netns))) return [];
    const r = rtnl(await networkNamespace(s.netns));
    const vxlan = await r.link(vxlanName(vniOf(net))).catch(() => undefined);
    if (!vxlan) return [];
    // The device's own static FDB entries (MAC → VTEP), and its neighbours (IP → MAC).
    const fdb = (await r.neighs({ family: 'bridge', dev: vxlan.index })).filter(
      (n) => n.dst && n.lladdr && n.flags.includes('self') && n.state.includes('permanent'),
    );
    const neighbours = [
      ...(await r.neighs({ family: 4, dev: vxlan.index })),
      ...(await r.neighs({ family: 6, dev: vxlan.index })),
    ];
    return fdb.map((f): Peer => {
      const ips = neighbours.filter((n) => n.lladdr === f.lladdr && n.dst);
      const v4 = ips.find((n) => n.family === 4)?.dst;
      const v6 = ips.find((n) => n.family === 6)?.dst;
      const prefix = (ip: string) =>
        (net.pools.find((p) => (p.family === 6) === ip.includes(':'))?.subnet ?? '/32').split('/')[1];
      return {
        host: f.dst as string,
        address: f.dst as string,
        endpoint: {
          id: '',
          mac: f.lladdr as string,
          ...(v4 ? { ipv4: `${v4}/${prefix(v4)}` } : {}),
          ...(v6 ? { ipv6: `${v6}/${prefix(v6)}` } : {}),
        },
      };
    });
  },

  async endpointOperInfo() {
    return {};
  },
};
