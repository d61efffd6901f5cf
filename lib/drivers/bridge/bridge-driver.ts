// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The bridge driver: a Linux bridge holding the gateway addresses, and per
 * endpoint a veth created finished — host end enslaved, in the network's
 * link group, hairpin on, isolated when `enable_icc=false`; the peer made
 * directly inside the sandbox with its name, MAC and MTU — with quiet links
 * (no IPv6 autoconfiguration chatter). Its firewall state goes through the
 * firewall port.
 */
import { createHash } from 'node:crypto';
import { CnmError, everyStep, TeardownError } from '../../errors';
import type { RtnlOp } from '../../kernel/ops';
import { rtnl } from '../../kernel/rtnl';
import { sysctlRead, sysctlWrite } from '../../kernel/sysctl';
import type { Driver, DriverContext, DriverNetwork, JoinPlan } from '../driver';
import { BRIDGE_OPTION_SPECS, type BridgeOptions, parseBridgeOptions } from './options';
import { firewallNetwork, portForwards } from './port-forwards';

/** A bridge has port numbers 1..1023: the kernel refuses the 1,024th with EXFULL. */
export const BRIDGE_PORT_LIMIT = 1023;

/** The driver's record of a network it made. */
interface BridgeState {
  readonly bridge: string;
  readonly bridgeIndex: number;
  readonly ifacePrefix: string;
  readonly icc: boolean;
  readonly masquerade: boolean;
  readonly mtu?: number;
}

// The network's settings: as created, or as they would have been (a network
// whose creation a crash interrupted has no state yet).
function settings(net: DriverNetwork): BridgeState | (BridgeOptions & { bridge: string; bridgeIndex?: undefined }) {
  const s = net.state as Partial<BridgeState>;
  if (s.bridge) return s as BridgeState;
  const o = parseBridgeOptions(net.id, net.options);
  return { ...o, bridge: o.bridgeName };
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

// The settings of a port on the bridge. Hairpin: a sandbox may reach its own
// published port through the host. enable_icc=false: isolated ports cannot
// talk to each other, only to the bridge (gateway, outside), whatever bridge
// netfilter is set to.
function portOps(dev: string, icc: boolean): RtnlOp[] {
  return [
    // Quiet links: no automatic IPv6 link-local address, so no DAD, RS or MLD floods.
    { op: 'link.set', dev, addrGenMode: 'none' },
    { op: 'link.set', dev, bridgePort: { hairpin: true, isolated: !icc } },
    { op: 'link.set', dev, up: true },
  ];
}

// Makes the bridge with its addresses, forwarding and firewall state; undone whole on failure.
async function makeBridge(ctx: DriverContext, net: Omit<DriverNetwork, 'state'>): Promise<BridgeState> {
  const o = parseBridgeOptions(net.id, net.options);
  const r = rtnl(ctx.host);
  // The bridge is made alone first: a name another link has is refused with nothing made.
  await r
    .batch([{ op: 'link.add', kind: 'bridge', name: o.bridgeName, ...(o.mtu ? { mtu: o.mtu } : {}) }])
    .catch((error: { code?: string }) => {
      if (error.code !== 'EEXIST') throw error;
      throw new CnmError(
        'CNM_INVALID_CONFIG',
        `options.${BRIDGE_OPTION_SPECS.bridgeName.name}: a link named ${o.bridgeName} already exists on the host; choose another bridge name`,
        { cause: error },
      );
    });
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
    // The ruleset (idempotent, constant size) and this network's state, in one change.
    await ctx.firewall.addNetwork(firewallNetwork(net, o.bridgeName, o.masquerade));
    return {
      bridge: o.bridgeName,
      bridgeIndex: index,
      ifacePrefix: o.ifacePrefix,
      icc: o.icc,
      masquerade: o.masquerade,
      ...(o.mtu ? { mtu: o.mtu } : {}),
    };
  } catch (error) {
    await r.linkDel(o.bridgeName).catch(() => {});
    throw error;
  }
}

const ignoreGone = (e: { code?: string }) => {
  if (e.code !== 'ENODEV') throw e;
};

/** The bridge driver (Docker's default). */
export const bridgeDriver: Driver = {
  type: 'bridge',
  capabilities: {
    dataScope: 'local',
    connectivityScope: 'local',
    addresses: true,
    publishesPorts: true,
    exclusive: false,
    maxEndpoints: { count: BRIDGE_PORT_LIMIT, why: `a Linux bridge holds ${BRIDGE_PORT_LIMIT} ports` },
  },
  options: Object.values(BRIDGE_OPTION_SPECS),

  parseOptions(net) {
    const { unknown, ...known } = parseBridgeOptions(net.id, net.options);
    return { driver: 'bridge', known, unknown };
  },

  async createNetwork(ctx, net) {
    return { ...(await makeBridge(ctx, net)) };
  },

  async deleteNetwork(ctx, net) {
    // Firewall state first, then links; every step tried.
    const s = settings(net);
    const r = rtnl(ctx.host);
    const failures = await everyStep([
      () => ctx.firewall.removeNetwork(firewallNetwork(net, s.bridge, s.masquerade)),
      // Any host ends left go with the group in one call, then the bridge.
      () => r.linkDelGroup(net.linkGroup).catch(ignoreGone),
      () => r.linkDel(s.bridge).catch(ignoreGone),
    ]);
    if (failures.length > 0) throw new TeardownError(`deleting bridge ${s.bridge} of network ${net.name}`, failures);
  },

  async createEndpoint() {
    return undefined;
  },
  async deleteEndpoint() {},

  defaultHostIp(net) {
    return parseBridgeOptions(net.id, net.options).hostBindingIpv4;
  },

  interfacePrefix(net) {
    return settings(net).ifacePrefix;
  },

  plannedJoin(_net, ep) {
    return { hostIfname: hostIfname(ep.id), state: {} };
  },

  async join(ctx, net, ep, req): Promise<JoinPlan> {
    const s = settings(net);
    const bridge = s.bridgeIndex ?? (await rtnl(ctx.host).link(s.bridge)).index;
    const host = hostIfname(ep.id);
    const mtuAttr = s.mtu ? { mtu: s.mtu } : {};
    const v4 = net.pools.find((p) => p.family === 4)?.gateway;
    const v6 = net.pools.find((p) => p.family === 6)?.gateway;
    return {
      hostIfname: host,
      state: {},
      host: [
        {
          op: 'link.add',
          kind: 'veth',
          name: host,
          master: bridge,
          group: net.linkGroup,
          ...mtuAttr,
          peer: { name: req.ifname, address: ep.mac, netns: req.sandbox, ...mtuAttr },
        },
        ...portOps(host, s.icc),
      ],
      sandbox: [
        { op: 'link.set', dev: req.ifname, addrGenMode: 'none', inet: { arp_notify: 1 } },
        { op: 'link.set', dev: req.ifname, up: true },
      ],
      // An internal network offers no way out.
      ...(net.internal ? {} : { gateway: { ...(v4 ? { ipv4: v4 } : {}), ...(v6 ? { ipv6: v6 } : {}) } }),
    };
  },

  async leave(ctx, _net, _ep, req) {
    if (req.hostIfname) await rtnl(ctx.host).linkDel(req.hostIfname).catch(ignoreGone);
  },

  async programExternalConnectivity(ctx, _net, ep) {
    await ctx.firewall.addPortForwards(portForwards(ep));
  },

  async revokeExternalConnectivity(ctx, _net, ep) {
    await ctx.firewall.removePortForwards(portForwards(ep));
  },

  async reconcile(ctx, networks) {
    const report: string[] = [];
    const states = new Map<string, Record<string, unknown>>();
    const host = rtnl(ctx.host);
    const links = new Set((await host.links()).map((l) => l.name));
    const firewall = [];
    const failures: unknown[] = [];
    for (const { net, endpoints } of networks) {
      let s = settings(net);
      // A network whose creation never finished has no state: its repair is the model's.
      if (!(net.state as Partial<BridgeState>).bridge) continue;
      if (!links.has(s.bridge))
        try {
          // Made again with every setting it had, and the host ends that survived it
          // enslaved again with the same port settings (isolation included).
          const made = await makeBridge(ctx, net);
          states.set(net.id, { ...made });
          s = made;
          const ends = endpoints.flatMap((e) =>
            e.join.hostIfname && links.has(e.join.hostIfname) ? [e.join.hostIfname] : [],
          );
          for (const end of ends) {
            await host.batch([{ op: 'link.set', dev: end, master: made.bridgeIndex }, ...portOps(end, made.icc)]);
          }
          report.push(
            `recreated bridge ${s.bridge} of network ${net.name}${ends.length ? `, ${ends.length} port(s) re-attached` : ''}`,
          );
        } catch (error) {
          // The others are still repaired, and this one's firewall state is kept below.
          failures.push(error);
          report.push(`could not recreate bridge ${s.bridge} of network ${net.name}: ${(error as Error).message}`);
        }
      firewall.push({
        network: firewallNetwork(net, s.bridge, s.masquerade),
        forwards: endpoints.flatMap((e) => portForwards(e)),
      });
    }
    return { report, states, firewall, failures };
  },

  async endpointOperInfo(_ctx, net) {
    return { bridge: settings(net).bridge };
  },
};
