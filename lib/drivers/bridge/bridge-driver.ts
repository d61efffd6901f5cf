// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The bridge driver (connectivity; the firewall half is the bridge firewall
 * issue): a Linux bridge holding the gateway addresses, and per endpoint a
 * veth created finished — host end enslaved, in the network's link group,
 * hairpin on; the peer made directly inside the sandbox with its name, MAC
 * and MTU — with quiet links (no IPv6 autoconfiguration chatter) and
 * per-interface settings sent by netlink.
 */
import { createHash } from 'node:crypto';
import { CnmError } from '../../errors';
import type { Netns } from '../../kernel/binding';
import { nft } from '../../kernel/nft';
import type { PendingNetns, RtnlOp } from '../../kernel/ops';
import { rtnl, rtnlSequenceOrThrow } from '../../kernel/rtnl';
import { sysctlRead, sysctlWrite } from '../../kernel/sysctl';
import type { Driver, DriverContext, DriverEndpoint, DriverNetwork } from '../driver';
import { ensureRulesetOps } from './firewall/ruleset';
import { networkFirewallOps, publishOps } from './firewall-ops';
import { BRIDGE_OPTIONS, parseBridgeOptions } from './options';

/** A bridge has port numbers 1..1023: the kernel refuses the 1,024th with EXFULL. */
export const BRIDGE_PORT_LIMIT = 1023;

// The bridge's name: as created, or as it would have been (a network whose
// creation a crash interrupted has no state yet).
function bridgeOf(net: DriverNetwork): string {
  return (net.state.bridge as string | undefined) ?? parseBridgeOptions(net.id, net.options).bridgeName;
}

/**
 * The host end's name: `veth` and 11 hex digits of a hash of the endpoint id
 * (15 bytes, the kernel's limit). Docker uses 7 digits; with 7, two of
 * 5,000 endpoints share a name about once in twenty hosts (the scale
 * benchmark hit it: EEXIST on one item).
 */
export function hostIfname(endpointId: string): string {
  return `veth${createHash('sha256').update(endpointId).digest('hex').slice(0, 11)}`;
}

// Forwarding is host-wide: written once per host namespace, not per endpoint.
async function ensureForwarding(ctx: DriverContext, ipv6: boolean): Promise<void> {
  const keys = ipv6 ? ['net.ipv4.ip_forward', 'net.ipv6.conf.all.forwarding'] : ['net.ipv4.ip_forward'];
  for (const key of keys) {
    if ((await sysctlRead(ctx.host, key)) !== '1') await sysctlWrite(ctx.host, key, 1);
  }
}

/** The ops of one join: host side, inside the sandbox, then addressing once the peer's ifindex is known. */
export interface JoinOps {
  readonly hostIfname: string;
  readonly host: RtnlOp[];
  readonly inside: RtnlOp[];
  addressing(ifindex: number): RtnlOp[];
}

/**
 * Builds a join's rtnetlink ops without sending them, so a caller can put
 * many joins (and the creation of their namespaces) into sequences of its
 * own: in a fresh namespace the peer is ifindex 2, and one crossing does it all.
 */
export function joinOps(
  net: DriverNetwork,
  ep: DriverEndpoint,
  join: {
    readonly sandbox: Netns | PendingNetns;
    readonly ifname: string;
    readonly defaultRoute: boolean;
    readonly bridge: number;
  },
): JoinOps {
  const host = hostIfname(ep.id);
  const mtu = net.state.mtu as number | undefined;
  const mtuAttr = mtu ? { mtu } : {};
  return {
    hostIfname: host,
    host: [
      {
        op: 'link.add',
        kind: 'veth',
        name: host,
        master: join.bridge,
        group: net.linkGroup,
        ...mtuAttr,
        peer: { name: join.ifname, address: ep.mac, netns: join.sandbox, ...mtuAttr },
      },
      // Quiet links: no automatic IPv6 link-local address, so no DAD, RS or MLD floods.
      { op: 'link.set', dev: host, addrGenMode: 'none' },
      // Hairpin: a sandbox may reach its own published port through the host.
      // enable_icc=false: isolated ports cannot talk to each other, only to the
      // bridge (gateway, outside), whatever bridge netfilter is set to.
      { op: 'link.set', dev: host, bridgePort: { hairpin: true, isolated: net.state.icc === false } },
      { op: 'link.set', dev: host, up: true },
    ],
    inside: [
      { op: 'link.set', dev: join.ifname, addrGenMode: 'none', inet: { arp_notify: 1 } },
      { op: 'link.set', dev: 'lo', up: true },
      { op: 'link.set', dev: join.ifname, up: true },
    ],
    addressing(index) {
      const ops: RtnlOp[] = [];
      if (ep.ipv4) ops.push({ op: 'addr.add', dev: index, address: ep.ipv4 });
      if (ep.ipv6) ops.push({ op: 'addr.add', dev: index, address: ep.ipv6, nodad: true });
      if (join.defaultRoute && !net.internal) {
        for (const p of net.pools) ops.push({ op: 'route.add', gateway: p.gateway, dev: index });
      }
      return ops;
    },
  };
}

/** The bridge's name as created (or as it would be). */
export function bridgeName(net: DriverNetwork): string {
  return bridgeOf(net);
}

export const bridgeDriver: Driver = {
  type: 'bridge',
  capabilities: {
    scope: 'local',
    addresses: true,
    publishesPorts: true,
    exclusive: false,
    maxEndpoints: { count: BRIDGE_PORT_LIMIT, why: `a Linux bridge holds ${BRIDGE_PORT_LIMIT} ports` },
  },

  validateNetwork(net) {
    parseBridgeOptions(net.id, net.options);
  },

  async createNetwork(ctx, net) {
    const o = parseBridgeOptions(net.id, net.options);
    const r = rtnl(ctx.host);
    // The bridge is made alone first: a name another link has is refused with nothing made.
    await r
      .batch([{ op: 'link.add', kind: 'bridge', name: o.bridgeName, ...(o.mtu ? { mtu: o.mtu } : {}) }])
      .catch((error: { code?: string }) => {
        if (error.code !== 'EEXIST') throw error;
        throw new CnmError(
          'CNM_INVALID_CONFIG',
          `options.${BRIDGE_OPTIONS.name}: a link named ${o.bridgeName} already exists on the host; choose another bridge name`,
          { cause: error },
        );
      });
    let bridgeIndex: number;
    try {
      const [, , link] = await r.batch([
        // Quiet: no automatic link-local address, so no DAD, router solicitation or MLD.
        { op: 'link.set', dev: o.bridgeName, addrGenMode: 'none' },
        // 127.0.0.1 may be translated onto the bridge (published ports reached from the host);
        // loose reverse-path filtering, as netavark sets it, so hairpinned replies are not dropped.
        { op: 'link.set', dev: o.bridgeName, inet: { route_localnet: 1, rp_filter: 2 } },
        { op: 'link.get', dev: o.bridgeName },
      ] as const);
      const index = (link as { index: number }).index;
      bridgeIndex = index;
      const addrs: RtnlOp[] = net.pools.map((p) => ({
        op: 'addr.add',
        dev: index,
        address: `${p.gateway}/${p.subnet.split('/')[1]}`,
        ...(p.family === 6 ? { nodad: true } : {}),
      }));
      // With addrgenmode none the bridge has no link-local address, and the kernel sends no
      // neighbour solicitation for a forwarded packet without one (ndisc_send_ns needs a
      // link-local source): published IPv6 ports would never reach the sandbox. One fixed,
      // explicit address per IPv6 bridge, no DAD, as the router on that link.
      if (net.pools.some((p) => p.family === 6))
        addrs.push({ op: 'addr.add', dev: index, address: 'fe80::1/64', nodad: true });
      await r.batch([...addrs, { op: 'link.set', dev: index, up: true }]);
      if (!net.internal)
        await ensureForwarding(
          ctx,
          net.pools.some((p) => p.family === 6),
        );
      // The ruleset (idempotent, constant size) and this network's elements, in one transaction.
      await nft(ctx.host).batch([...ensureRulesetOps(), ...networkFirewallOps('add', net, o.bridgeName, o.masquerade)]);
    } catch (error) {
      await r.linkDel(o.bridgeName).catch(() => {});
      throw error;
    }
    return {
      bridge: o.bridgeName,
      bridgeIndex,
      ifacePrefix: o.ifacePrefix,
      icc: o.icc,
      masquerade: o.masquerade,
      ...(o.mtu ? { mtu: o.mtu } : {}),
    };
  },

  async deleteNetwork(ctx, net) {
    // Firewall state first, then links.
    const o = parseBridgeOptions(net.id, net.options);
    await nft(ctx.host)
      .batch(networkFirewallOps('del', net, bridgeOf(net), o.masquerade))
      .catch((e: { code?: string }) => {
        if (e.code !== 'ENOENT') throw e; // the table or the elements are gone already
      });
    const r = rtnl(ctx.host);
    // Any host ends left go with the group in one call, then the bridge.
    await r.linkDelGroup(net.linkGroup).catch((e: { code?: string }) => {
      if (e.code !== 'ENODEV') throw e;
    });
    await r.linkDel(bridgeOf(net)).catch((e: { code?: string }) => {
      if (e.code !== 'ENODEV') throw e;
    });
  },

  async createEndpoint() {},
  async deleteEndpoint() {},

  plannedJoin(_net, ep) {
    return { hostIfname: hostIfname(ep.id) };
  },

  async join(ctx, net, ep, join) {
    const bridge = (net.state.bridgeIndex as number | undefined) ?? (await rtnl(ctx.host).link(bridgeOf(net))).index;
    const ops = joinOps(net, ep, { ...join, bridge });
    if (join.ifindex) {
      // The peer's ifindex is known: everything in one crossing.
      await rtnlSequenceOrThrow([
        { netns: ctx.host, ops: ops.host },
        { netns: join.sandbox, ops: [...ops.inside, ...ops.addressing(join.ifindex)] },
      ]).catch(async (error: unknown) => {
        await rtnl(ctx.host)
          .linkDel(ops.hostIfname)
          .catch(() => {});
        throw error;
      });
      return { hostIfname: ops.hostIfname };
    }
    const [, inside] = await rtnlSequenceOrThrow([
      { netns: ctx.host, ops: ops.host },
      { netns: join.sandbox, ops: [...ops.inside, { op: 'link.get', dev: join.ifname }] },
    ]);
    // In a sandbox that already has links the peer's ifindex is not known in advance.
    const index = (inside?.[ops.inside.length] as { index: number } | undefined)?.index;
    if (!index) throw new CnmError('CNM_INVALID_CONFIG', `${join.ifname} did not appear in the sandbox`);
    try {
      await rtnl(join.sandbox).batch(ops.addressing(index));
    } catch (error) {
      await rtnl(ctx.host)
        .linkDel(ops.hostIfname)
        .catch(() => {});
      throw error;
    }
    return { hostIfname: ops.hostIfname };
  },

  async leave(ctx, _net, _ep, joined) {
    if (!joined.hostIfname) return;
    await rtnl(ctx.host)
      .linkDel(joined.hostIfname)
      .catch((e: { code?: string }) => {
        if (e.code !== 'ENODEV') throw e;
      });
  },

  async programExternalConnectivity(ctx, _net, ep) {
    const ops = publishOps('add', ep);
    if (ops.length > 0) await nft(ctx.host).batch(ops);
  },

  async revokeExternalConnectivity(ctx, _net, ep) {
    const ops = publishOps('del', ep);
    if (ops.length === 0) return;
    const gone = (e: { code?: string }) => {
      if (e.code !== 'ENOENT') throw e;
    };
    try {
      await nft(ctx.host).batch(ops);
    } catch (error) {
      gone(error as { code?: string });
      // One missing element fails the whole (atomic) batch and deletes nothing: after a
      // crash some bindings may have no element. Then each binding alone.
      for (const b of ep.portBindings ?? []) {
        await nft(ctx.host)
          .batch(publishOps('del', { ...ep, portBindings: [b] }))
          .catch(gone);
      }
    }
  },
  async endpointOperInfo(_ctx, net) {
    return { bridge: bridgeOf(net) };
  },
};
