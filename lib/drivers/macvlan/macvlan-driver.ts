// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The macvlan driver: each endpoint is a macvlan child of a parent link in
 * the host namespace (a NIC, a bridge, a veth), with its own MAC on the
 * parent's LAN. The child is created finished, directly inside the sandbox
 * with its name, MAC and the parent's MTU (`IFLA_LINK` names the parent in
 * the host namespace, `IFLA_NET_NS_FD` the sandbox): no temporary name, no
 * move, no rename. The gateway is the LAN's router, taken from IPAM; the
 * driver makes no host-side link per endpoint and has no firewall state.
 */
import { CnmError } from '../../errors';
import type { Link } from '../../kernel/ops';
import { rtnl } from '../../kernel/rtnl';
import type { Driver, DriverEndpoint, DriverNetwork, JoinPlan, JoinRequest } from '../driver';
import { MACVLAN_OPTION_SPECS, parseMacvlanOptions } from './options';
import { checkShared, ensureParent, findLink, type MacvlanState, probeParent, releaseParent, settings } from './parent';

/**
 * A join's ops, from the parent link as the host has it now. Pure.
 *
 * The child is made in the sandbox down (quiet first: no IPv6
 * link-local address, so no DAD, router solicitation or MLD; gratuitous ARP
 * on address changes, as Docker sets), then brought up from inside. In
 * passthru mode the kernel gives the child the parent's MAC, so none is sent.
 *
 * @example
 * ```ts
 * macvlanJoinPlan(net, { index: 3, mtu: 1500 }, ep, { sandbox, ifname: 'eth1' })
 * // ip link add link lan0 name eth1 netns SB address MAC mtu 1500 type macvlan mode bridge
 * // ip -n SB link set eth1 addrgenmode none; ip -n SB link set eth1 up
 * ```
 */
export function macvlanJoinPlan(
  net: DriverNetwork,
  parent: Pick<Link, 'index' | 'mtu'>,
  ep: Pick<DriverEndpoint, 'mac'>,
  req: JoinRequest,
): JoinPlan {
  const s = settings(net);
  const dummy = (net.state as Partial<MacvlanState>).dummy === true;
  const v4 = net.pools.find((p) => p.family === 4)?.gateway;
  const v6 = net.pools.find((p) => p.family === 6)?.gateway;
  return {
    state: {},
    host: [
      {
        op: 'link.add',
        kind: 'macvlan',
        name: req.ifname,
        link: parent.index,
        mode: s.mode,
        ...(s.mode === 'passthru' ? {} : { address: ep.mac }),
        mtu: parent.mtu,
        netns: req.sandbox,
      },
    ],
    sandbox: [
      { op: 'link.set', dev: req.ifname, addrGenMode: 'none', inet: { arp_notify: 1 } },
      { op: 'link.set', dev: req.ifname, up: true },
    ],
    // The LAN's router; none on an internal network, nor behind a dummy parent (no LAN at all).
    ...(net.internal || dummy || (!v4 && !v6)
      ? {}
      : { gateway: { ...(v4 ? { ipv4: v4 } : {}), ...(v6 ? { ipv6: v6 } : {}) } }),
  };
}

async function parentLink(ctx: Parameters<Driver['join']>[0], net: DriverNetwork): Promise<Link> {
  const { parent } = settings(net);
  const link = await findLink(ctx, parent);
  if (!link) {
    throw new CnmError(
      'CNM_INVALID_CONFIG',
      `the parent ${parent} of macvlan network ${net.name} is gone from the host; make it again (or delete the network)`,
    );
  }
  return link;
}

const ignoreGone = (e: { code?: string }) => {
  if (e.code !== 'ENODEV') throw e;
};

/**
 * The macvlan driver (`docker network create -d macvlan -o parent=eth0 ...`).
 *
 * @example
 * ```ts
 * const net = await ctl.createNetwork({ name: 'lan', driver: 'macvlan', options: { parent: 'eth0' },
 *   ipam: { config: [{ subnet: '192.168.1.0/24', gateway: '192.168.1.1' }] } })
 * ```
 */
export const macvlanDriver: Driver = {
  type: 'macvlan',
  capabilities: {
    dataScope: 'local',
    connectivityScope: 'local',
    addresses: true,
    publishesPorts: false,
    exclusive: false,
  },
  options: Object.values(MACVLAN_OPTION_SPECS),

  parseOptions(net) {
    const { unknown, ...known } = parseMacvlanOptions(net.options);
    return { driver: 'macvlan', known, unknown };
  },

  probeNetwork(ctx, net) {
    return probeParent(ctx, net);
  },

  checkNetwork(net, others) {
    checkShared(net, others);
  },

  endpointLimit(net) {
    // The parent has one child in passthru mode: the kernel refuses a second.
    return settings(net).mode === 'passthru'
      ? { count: 1, why: 'a passthru macvlan network holds one endpoint (its parent takes one child)' }
      : undefined;
  },

  async createNetwork(ctx, net, others) {
    // Checked again here: two processes may create networks on one parent at once.
    checkShared(net, others);
    return { ...(await ensureParent(ctx, net, others)) };
  },

  async deleteNetwork(ctx, net, others) {
    // The children went with their sandboxes (the model refuses while endpoints exist).
    await releaseParent(ctx, net, others);
  },

  async createEndpoint(ctx, net) {
    // passthru: the child takes the parent's MAC whatever is asked for.
    if (settings(net).mode !== 'passthru') return undefined;
    const { address } = await parentLink(ctx, net);
    return address ? { mac: address } : undefined;
  },
  async deleteEndpoint() {},

  interfacePrefix() {
    return 'eth';
  },

  plannedJoin() {
    // Nothing in the host namespace: the child lives and dies with the sandbox.
    return { state: {} };
  },

  async join(ctx, net, ep, req) {
    return macvlanJoinPlan(net, await parentLink(ctx, net), ep, req);
  },

  async leave(_ctx, _net, ep, req) {
    // Without a sandbox the child went with it.
    if (!req.sandbox || !req.ifname) return;
    const r = rtnl(req.sandbox);
    const link = await r.link(req.ifname).catch((e: { code?: string }) => {
      ignoreGone(e);
      return undefined;
    });
    // Only the macvlan child this join made — a macvlan with this endpoint's MAC (in
    // passthru the parent's, which createEndpoint recorded) — never another interface
    // of the sandbox that happens to have the name (a container's own, a racing join's).
    const ours = link?.kind === 'macvlan' && (!ep.mac || link.address?.toLowerCase() === ep.mac.toLowerCase());
    if (link && ours) await r.linkDel(link.index).catch(ignoreGone);
  },

  async programExternalConnectivity() {},
  async revokeExternalConnectivity() {},

  async reconcile(ctx, networks) {
    const report: string[] = [];
    const states = new Map<string, Record<string, unknown>>();
    const links = new Set((await rtnl(ctx.host).links()).map((l) => l.name));
    const all = networks.map((n) => n.net);
    for (const { net, endpoints } of networks) {
      const s = net.state as Partial<MacvlanState>;
      // A network whose creation never finished has no state: its repair is the model's.
      if (!s.parent || links.has(s.parent)) continue;
      const lost = endpoints.length > 0 ? `; the links of its ${endpoints.length} endpoint(s) went with it` : '';
      if (!s.createdParent) {
        report.push(`parent ${s.parent} of macvlan network ${net.name} is gone from the host${lost}`);
        continue;
      }
      try {
        states.set(net.id, { ...(await ensureParent(ctx, net, all)) });
        links.add(s.parent);
        report.push(`recreated parent ${s.parent} of macvlan network ${net.name}${lost}`);
      } catch (error) {
        report.push(
          `parent ${s.parent} of macvlan network ${net.name} is gone and could not be made again: ${(error as Error).message}${lost}`,
        );
      }
    }
    return { report, states, firewall: [] };
  },

  async endpointOperInfo(_ctx, net) {
    const s = settings(net);
    return { parent: s.parent, macvlanMode: s.mode };
  },
};
