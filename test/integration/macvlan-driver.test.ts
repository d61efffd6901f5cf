// SPDX-License-Identifier: GPL-2.0-or-later
// The macvlan driver against the kernel, without the model: its join plan is
// run the way the model runs one (host ops, then the sandbox's ops with the
// address and the default route, in one crossing), over a "LAN" that is a
// veth whose far end sits in a router namespace this test made. Traffic
// goes only between namespaces the test made.
import { afterEach, describe, expect, it } from 'vitest';
import type { DriverContext, DriverEndpoint, DriverNetwork, JoinPlan } from '../../lib/drivers/driver';
import { macvlanDriver } from '../../lib/drivers/macvlan/macvlan-driver';
import { CnmError } from '../../lib/errors';
import type { Firewall } from '../../lib/firewall/firewall';
import type { Netns } from '../../lib/kernel/binding';
import { netnsDelete, netnsPending } from '../../lib/kernel/netns';
import type { PendingNetns, RtnlOp } from '../../lib/kernel/ops';
import { rtnl, rtnlSequenceOrThrow } from '../../lib/kernel/rtnl';
import { useTestHost } from '../helpers/host';
import { type IpLink, ipJson } from '../helpers/run';
import { ask, closeAll, echoSource } from '../helpers/traffic';

const t = useTestHost(import.meta.url);
// The driver never touches the firewall: a firewall that fails if it is asked.
const ctx = (): DriverContext => ({ host: t.host, firewall: {} as Firewall });
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const undo of cleanups.splice(0).reverse()) await undo().catch(() => {});
});

/** A LAN: `lan` in the host, its far end `eth0` in a router namespace with `address` (the gateway). */
async function lan(name: string, router: string, address: string): Promise<Netns> {
  const rt = await t.netns(router);
  cleanups.push(() => netnsDelete(rt));
  await t.r.batch([
    { op: 'link.add', kind: 'veth', name, peer: { name: 'eth0', netns: rt } },
    { op: 'link.set', dev: name, addrGenMode: 'none' },
    { op: 'link.set', dev: name, up: true },
  ]);
  cleanups.push(() => t.r.linkDel(name));
  await rtnl(rt).batch([
    { op: 'link.set', dev: 'lo', up: true },
    { op: 'link.set', dev: 'eth0', addrGenMode: 'none' },
    { op: 'link.set', dev: 'eth0', up: true },
    { op: 'addr.add', dev: 2, address },
  ]);
  return rt;
}

function network(id: string, options: Record<string, string>, o: Partial<DriverNetwork> = {}): DriverNetwork {
  return {
    id,
    name: `mv-${id.slice(0, 4)}`,
    options,
    internal: false,
    enableIPv6: false,
    pools: [{ family: 4, subnet: '192.168.50.0/24', gateway: '192.168.50.1', auxAddresses: {} }],
    linkGroup: 100,
    allocation: {},
    state: {},
    ...o,
  };
}

async function create(net: DriverNetwork, others: readonly DriverNetwork[] = []): Promise<DriverNetwork> {
  const { state: _, ...bare } = net;
  const made = { ...net, state: await macvlanDriver.createNetwork(ctx(), bare, others) };
  cleanups.push(() => macvlanDriver.deleteNetwork(ctx(), made, []));
  return made;
}

/** What the model does with a plan: host ops, then lo, the driver's sandbox ops, address and route. */
async function runPlan(plan: JoinPlan, sandbox: Netns | PendingNetns, ifname: string, ep: DriverEndpoint) {
  const create = 'id' in sandbox ? [] : [{ create: sandbox }];
  const settled = await rtnlSequenceOrThrow([
    ...create,
    { netns: t.host, ops: plan.host },
    {
      netns: sandbox,
      ops: [{ op: 'link.set', dev: 'lo', up: true }, ...plan.sandbox, { op: 'link.get', dev: ifname }],
    },
  ]);
  const made = create.length > 0 ? (settled[0]?.[0] as Netns) : (sandbox as Netns);
  const index = (settled[settled.length - 1]?.at(-1) as { index: number }).index;
  const tail: RtnlOp[] = [{ op: 'addr.add', dev: index, address: ep.ipv4 as string }];
  if (plan.gateway?.ipv4) tail.push({ op: 'route.add', gateway: plan.gateway.ipv4, dev: index });
  await rtnl(made).batch(tail);
  return made;
}

async function refusal(run: () => Promise<unknown>): Promise<CnmError> {
  const e = await run().catch((error: unknown) => error);
  expect(e).toBeInstanceOf(CnmError);
  return e as CnmError;
}

describe('macvlan driver on a real parent', () => {
  it('makes each child finished inside its sandbox, next to interfaces already there; traffic flows; leave removes it', async () => {
    const rt = await lan('lan0', 'router', '192.168.50.1/24');
    const net = await create(network('a1b2c3d4e5f60718', { parent: 'lan0' }));
    expect(net.state).toEqual({ parent: 'lan0', mode: 'bridge', createdParent: false, dummy: false });

    // sb1 is created in the same crossing; sb2 already has an eth0 of its own.
    const ep1 = { id: 'ep1', mac: '02:42:c0:a8:32:0a', ipv4: '192.168.50.10/24' };
    const ep2 = { id: 'ep2', mac: '02:42:c0:a8:32:0b', ipv4: '192.168.50.11/24' };
    const pending = netnsPending('sb1', { dir: t.dir });
    const plan1 = await macvlanDriver.join(ctx(), net, ep1, { sandbox: pending, ifname: 'eth0' });
    const sb1 = await runPlan(plan1, pending, 'eth0', ep1);
    cleanups.push(() => netnsDelete(sb1));
    const sb2 = await t.netns('sb2');
    cleanups.push(() => netnsDelete(sb2));
    await rtnl(sb2).batch([{ op: 'link.add', kind: 'veth', name: 'eth0', peer: { name: 'other' } }]);
    const plan2 = await macvlanDriver.join(ctx(), net, ep2, { sandbox: sb2, ifname: 'eth1' });
    await runPlan(plan2, sb2, 'eth1', ep2);

    const [parent] = await t.ip(['link', 'show', 'lan0']);
    const [child] = await ipJson<IpLink[]>(sb2.path, ['link', 'show', 'eth1']);
    expect(child).toMatchObject({
      address: ep2.mac,
      mtu: parent?.mtu,
      inet6_addr_gen_mode: 'none',
      linkinfo: { info_kind: 'macvlan', info_data: { mode: 'bridge' } },
    });
    expect(child?.flags).toContain('UP');
    // No host-side link per endpoint: the host still has only lo and the parent.
    expect((await t.ip(['link'])).map((l) => l.ifname).sort()).toEqual(['lan0', 'lo']);
    const routes = await ipJson<{ dst: string; gateway?: string }[]>(sb1.path, ['route']);
    expect(routes).toContainEqual(expect.objectContaining({ dst: 'default', gateway: '192.168.50.1' }));

    const servers = [await echoSource(rt, '192.168.50.1', 80), await echoSource(sb2, '192.168.50.11', 81)];
    try {
      expect(await ask(sb1, '192.168.50.1', 80)).toBe('192.168.50.10');
      expect(await ask(sb1, '192.168.50.11', 81)).toBe('192.168.50.10');
      expect(await ask(sb2, '192.168.50.1', 80)).toBe('192.168.50.11');
    } finally {
      await closeAll(servers);
    }

    await macvlanDriver.leave(ctx(), net, ep2, { sandbox: sb2, ifname: 'eth1', state: plan2.state });
    expect((await ipJson<IpLink[]>(sb2.path, ['link'])).map((l) => l.ifname).sort()).toEqual(['eth0', 'lo', 'other']);
    // Leaving again, or leaving an interface that is not a macvlan child, removes nothing.
    await macvlanDriver.leave(ctx(), net, ep2, { sandbox: sb2, ifname: 'eth1', state: {} });
    await macvlanDriver.leave(ctx(), net, ep2, { sandbox: sb2, ifname: 'eth0', state: {} });
    await macvlanDriver.leave(ctx(), net, ep2, { state: {} });
    expect((await ipJson<IpLink[]>(sb2.path, ['link'])).map((l) => l.ifname).sort()).toEqual(['eth0', 'lo', 'other']);
  });

  it('offers no gateway on an internal network: no default route', async () => {
    await lan('lan0', 'router', '192.168.50.1/24');
    const net = await create(network('b1b2c3d4e5f60718', { parent: 'lan0' }, { internal: true }));
    const ep = { id: 'ep1', mac: '02:42:c0:a8:32:0c', ipv4: '192.168.50.12/24' };
    const pending = netnsPending('sb1', { dir: t.dir });
    const plan = await macvlanDriver.join(ctx(), net, ep, { sandbox: pending, ifname: 'eth0' });
    expect(plan.gateway).toBeUndefined();
    const sb = await runPlan(plan, pending, 'eth0', ep);
    cleanups.push(() => netnsDelete(sb));
    const routes = await ipJson<{ dst: string }[]>(sb.path, ['route']);
    expect(routes.map((r) => r.dst)).toEqual(['192.168.50.0/24']);
  });

  it('passthru: the only child takes the parent and its MAC', async () => {
    await lan('lan0', 'router', '192.168.50.1/24');
    const net = await create(network('c1b2c3d4e5f60718', { parent: 'lan0', macvlan_mode: 'passthru' }));
    const [parent] = await t.ip(['link', 'show', 'lan0']);
    const ep = { id: 'ep1', mac: '02:42:c0:a8:32:0d', ipv4: '192.168.50.13/24' };
    expect(await macvlanDriver.createEndpoint(ctx(), net, ep)).toEqual({ mac: parent?.address });
    const pending = netnsPending('sb1', { dir: t.dir });
    const sb = await runPlan(
      await macvlanDriver.join(ctx(), net, ep, { sandbox: pending, ifname: 'eth0' }),
      pending,
      'eth0',
      ep,
    );
    cleanups.push(() => netnsDelete(sb));
    const [child] = await ipJson<IpLink[]>(sb.path, ['link', 'show', 'eth0']);
    expect(child).toMatchObject({ address: parent?.address, linkinfo: { info_data: { mode: 'passthru' } } });
  });
});

describe('parents that are not there', () => {
  it('refuses a parent the host does not have, naming it, making nothing', async () => {
    const e = await refusal(() => create(network('d1b2c3d4e5f60718', { parent: 'nosuch0' })));
    expect(e.code).toBe('CNM_INVALID_CONFIG');
    expect(e.message).toContain('nosuch0');
    const e2 = await refusal(() => create(network('d2b2c3d4e5f60718', { parent: 'nosuch0.10' })));
    expect(e2.code).toBe('CNM_INVALID_CONFIG');
    expect(e2.message).toContain('nosuch0');
    expect((await t.ip(['link'])).map((l) => l.ifname)).toEqual(['lo']);
  });

  it('IF.VID: makes an 802.1q sub-interface where the kernel can, else CNM_NOT_SUPPORTED with its answer', async () => {
    await lan('lan0', 'router', '192.168.50.1/24');
    const net = network('e1b2c3d4e5f60718', { parent: 'lan0.10' });
    const e = await create(net).catch((error: unknown) => error);
    if (e instanceof CnmError) {
      console.log(`vlan parent refused, as this kernel lacks 802.1q: ${e.message}`);
      expect(e.code).toBe('CNM_NOT_SUPPORTED');
      expect(e.message).toContain('lan0.10');
      expect(e.message).toMatch(/EOPNOTSUPP.*Unknown device type/);
    } else {
      const made = e as DriverNetwork;
      expect(made.state).toMatchObject({ parent: 'lan0.10', createdParent: true });
      const [vlan] = await t.ip(['link', 'show', 'lan0.10']);
      expect(vlan?.linkinfo).toMatchObject({ info_kind: 'vlan', info_data: { id: 10 } });
      await macvlanDriver.deleteNetwork(ctx(), made, []);
    }
    expect((await t.ip(['link'])).map((l) => l.ifname).sort()).toEqual(['lan0', 'lo']);
  });

  it('no parent: a dummy dm-<id> where the kernel has one, else CNM_NOT_SUPPORTED with its answer', async () => {
    const net = network('f1b2c3d4e5f60718', {});
    const e = await create(net).catch((error: unknown) => error);
    if (e instanceof CnmError) {
      console.log(`dummy parent refused, as this kernel lacks dummy: ${e.message}`);
      expect(e.code).toBe('CNM_NOT_SUPPORTED');
      expect(e.message).toContain('dm-f1b2c3d4e5f6');
      expect(e.message).toMatch(/EOPNOTSUPP.*Unknown device type/);
    } else {
      const made = e as DriverNetwork;
      expect(made.state).toMatchObject({ parent: 'dm-f1b2c3d4e5f6', createdParent: true, dummy: true });
      await macvlanDriver.deleteNetwork(ctx(), made, []);
    }
    expect((await t.ip(['link'])).map((l) => l.ifname)).toEqual(['lo']);
  });

  it('reconcile reports a parent that vanished, whose children went with it', async () => {
    const rt = await lan('lan1', 'router', '192.168.50.1/24');
    const net = await create(network('a9b2c3d4e5f60718', { parent: 'lan1' }));
    const ep = { id: 'ep1', mac: '02:42:c0:a8:32:0e', ipv4: '192.168.50.14/24' };
    const pending = netnsPending('sb1', { dir: t.dir });
    const sb = await runPlan(
      await macvlanDriver.join(ctx(), net, ep, { sandbox: pending, ifname: 'eth0' }),
      pending,
      'eth0',
      ep,
    );
    cleanups.push(() => netnsDelete(sb));
    const join = { sandbox: sb, ifname: 'eth0', state: {} };
    expect(await macvlanDriver.reconcile(ctx(), [{ net, endpoints: [{ ...ep, join }] }])).toEqual({
      report: [],
      states: new Map(),
      firewall: [],
    });
    await t.r.linkDel('lan1');
    const done = await macvlanDriver.reconcile(ctx(), [{ net, endpoints: [{ ...ep, join }] }]);
    expect(done.report).toEqual([
      `parent lan1 of macvlan network ${net.name} is gone from the host; the links of its 1 endpoint(s) went with it`,
    ]);
    expect(done.firewall).toEqual([]);
    expect((await ipJson<IpLink[]>(sb.path, ['link'])).map((l) => l.ifname)).toEqual(['lo']);
    const e = await refusal(() => macvlanDriver.join(ctx(), net, ep, { sandbox: sb, ifname: 'eth0' }));
    expect(e.code).toBe('CNM_INVALID_CONFIG');
    expect(e.message).toContain('lan1');
    await netnsDelete(rt);
  });
});
