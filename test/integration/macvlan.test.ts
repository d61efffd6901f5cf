// SPDX-License-Identifier: GPL-2.0-or-later
// macvlan networks through the model. The "LAN" is a veth: `lan0` in the
// test's host namespace is the parent, its far end `eth0` sits in a router
// namespace this test made, holding the gateway addresses. Traffic goes only
// between namespaces the test made; every test takes down what it made.
import { rm } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NetworkController } from '../../lib/cnm/controller';
import type { Network } from '../../lib/cnm/network';
import type { Sandbox } from '../../lib/cnm/sandbox';
import { CnmError } from '../../lib/errors';
import type { Netns } from '../../lib/kernel/binding';
import { netnsDelete, netnsOpen } from '../../lib/kernel/netns';
import { rtnl } from '../../lib/kernel/rtnl';
import { useTestHost } from '../helpers/host';
import { type IpLink, ipJson } from '../helpers/run';
import { ask, closeAll, echoSource } from '../helpers/traffic';

const t = useTestHost(import.meta.url);
const stateDir = `/run/cnm-state-macvlan-${process.pid}`;
let ctl: NetworkController;
// Undone after each test (before the host's leak check runs): sandboxes, then
// networks, then the LANs, each last made first, whatever failed on the way.
const cleanups = {
  sandboxes: [] as (() => Promise<unknown>)[],
  networks: [] as (() => Promise<unknown>)[],
  lans: [] as (() => Promise<unknown>)[],
};

beforeAll(async () => {
  ctl = await NetworkController.open({ stateDir, hostNetns: t.host, netnsDir: t.dir });
});

afterEach(async () => {
  for (const list of [cleanups.sandboxes, cleanups.networks, cleanups.lans]) {
    for (const undo of list.splice(0).reverse()) await undo().catch(() => {});
  }
});

afterAll(async () => {
  await ctl.close();
  await rm(stateDir, { recursive: true, force: true });
});

/** A LAN: `name` in the host, its far end in a router namespace holding `addresses`. */
async function lan(name: string, addresses: readonly string[]): Promise<Netns> {
  const router = await t.netns(`router-${name}`);
  cleanups.lans.push(() => netnsDelete(router));
  await t.r.batch([
    { op: 'link.add', kind: 'veth', name, peer: { name: 'eth0', netns: router } },
    { op: 'link.set', dev: name, addrGenMode: 'none' },
    { op: 'link.set', dev: name, up: true },
  ]);
  cleanups.lans.push(() => t.r.linkDel(name));
  await rtnl(router).batch([
    { op: 'link.set', dev: 'lo', up: true },
    { op: 'link.set', dev: 'eth0', addrGenMode: 'none' },
    { op: 'link.set', dev: 'eth0', up: true },
    ...addresses.map((address) => ({ op: 'addr.add', dev: 2, address }) as const),
  ]);
  return router;
}

async function network(
  name: string,
  subnet: string,
  options: Record<string, string>,
  more: { internal?: boolean } = {},
): Promise<Network> {
  const gateway = subnet.replace(/0\/\d+$/, '1');
  const net = await ctl.createNetwork({
    name,
    driver: 'macvlan',
    options,
    ipam: { config: [{ subnet, gateway }] },
    ...more,
  });
  cleanups.networks.push(() => net.delete());
  return net;
}

async function sandbox(name: string): Promise<{ sb: Sandbox; ns: Netns }> {
  const sb = await ctl.createSandbox({ name });
  const ns = await netnsOpen(sb.info().netnsPath);
  cleanups.sandboxes.push(async () => {
    ns.close();
    await sb.delete();
  });
  return { sb, ns };
}

async function hostLinks(): Promise<string[]> {
  return (await t.ip(['link'])).map((l) => l.ifname).sort();
}

async function sandboxLinks(sb: Sandbox): Promise<IpLink[]> {
  return ipJson<IpLink[]>(sb.info().netnsPath, ['link']);
}

/** Refused with `code`, leaving the host's links and the network list as they were. */
async function refused(run: () => Promise<unknown>, code: string): Promise<CnmError> {
  const links = await hostLinks();
  const networks = ctl.networks().length;
  const e = await run().catch((error: unknown) => error);
  expect(e, code).toBeInstanceOf(CnmError);
  expect((e as CnmError).code, (e as Error).message).toBe(code);
  expect(await hostLinks()).toEqual(links);
  expect(ctl.networks()).toHaveLength(networks);
  return e as CnmError;
}

describe('macvlan networks', () => {
  it('sandboxes on a parent reach each other and the LAN router; children made in the sandbox, removed on disconnect', async () => {
    const router = await lan('lan0', ['192.168.50.1/24', '192.168.60.1/24']);
    const net = await network('lan', '192.168.50.0/24', { parent: 'lan0', 'com.example.kept': 'yes' });
    expect(net.info()).toMatchObject({
      driver: 'macvlan',
      scope: 'local',
      options: { parent: 'lan0', 'com.example.kept': 'yes' },
      ipam: { config: [{ subnet: '192.168.50.0/24', gateway: '192.168.50.1' }] },
    });
    const { sb: sb1, ns: ns1 } = await sandbox('m1');
    const { sb: sb2, ns: ns2 } = await sandbox('m2');
    const ep1 = await net.connect(sb1);
    const ep2 = await net.connect(sb2, { ipv4Address: '192.168.50.99', macAddress: '02:00:00:00:00:99' });
    expect(ep1.info()).toMatchObject({ ipv4Address: '192.168.50.2/24', ifname: 'eth0' });
    expect(ep2.info()).toMatchObject({ ipv4Address: '192.168.50.99/24', macAddress: '02:00:00:00:00:99' });
    // No host-side link per endpoint: the host has its parent and nothing new.
    expect(await hostLinks()).toEqual(['lan0', 'lo']);

    const [parent] = await t.ip(['link', 'show', 'lan0']);
    const [child] = await ipJson<IpLink[]>(sb2.info().netnsPath, ['link', 'show', 'eth0']);
    expect(child).toMatchObject({
      address: '02:00:00:00:00:99',
      mtu: parent?.mtu,
      inet6_addr_gen_mode: 'none',
      linkinfo: { info_kind: 'macvlan', info_data: { mode: 'bridge' } },
    });
    expect(child?.flags).toContain('UP');
    const routes = await ipJson<{ dst: string; gateway?: string }[]>(sb1.info().netnsPath, ['route']);
    expect(routes).toContainEqual(expect.objectContaining({ dst: 'default', gateway: '192.168.50.1' }));

    const servers = [await echoSource(router, '192.168.50.1', 80), await echoSource(ns2, '192.168.50.99', 81)];
    try {
      expect(await ask(ns1, '192.168.50.1', 80)).toBe('192.168.50.2');
      expect(await ask(ns1, '192.168.50.99', 81)).toBe('192.168.50.2');
      expect(await ask(ns2, '192.168.50.1', 80)).toBe('192.168.50.99');
    } finally {
      await closeAll(servers);
    }

    // A second network on the same parent: the sandbox already has eth0, the new child is eth1.
    const net2 = await network('lan-b', '192.168.60.0/24', { parent: 'lan0', macvlan_mode: 'private' });
    const ep3 = await net2.connect(sb1);
    expect(ep3.info()).toMatchObject({ ipv4Address: '192.168.60.2/24', ifname: 'eth1' });
    const kinds = (await sandboxLinks(sb1)).map((l) => [l.ifname, l.linkinfo?.info_data?.mode ?? null]);
    expect(kinds.sort()).toEqual([
      ['eth0', 'bridge'],
      ['eth1', 'private'],
      ['lo', null],
    ]);
    const server = await echoSource(router, '192.168.60.1', 82);
    try {
      expect(await ask(ns1, '192.168.60.1', 82)).toBe('192.168.60.2');
    } finally {
      await closeAll([server]);
    }

    // Disconnect removes the child from the sandbox, nothing else.
    await net.disconnect(sb2);
    expect((await sandboxLinks(sb2)).map((l) => l.ifname)).toEqual(['lo']);
    await net2.disconnect(sb1);
    expect((await sandboxLinks(sb1)).map((l) => l.ifname).sort()).toEqual(['eth0', 'lo']);
    await net.disconnect(sb1);
    expect((await sandboxLinks(sb1)).map((l) => l.ifname)).toEqual(['lo']);
    // network rm leaves the parent the user gave.
    await net2.delete();
    await net.delete();
    expect(ctl.networks().map((n) => n.info().name)).not.toContain('lan');
    expect(await hostLinks()).toEqual(['lan0', 'lo']);
  });

  it('IPv6: both families from IPAM, the LAN router the default route of each, traffic over quiet children', async () => {
    const router = await lan('lan0', ['192.168.50.1/24']);
    await rtnl(router).addrAdd({ dev: 2, address: 'fd00:50::1/64', nodad: true });
    const net = await ctl.createNetwork({
      name: 'lan6',
      driver: 'macvlan',
      options: { parent: 'lan0' },
      enableIPv6: true,
      ipam: { config: [{ subnet: '192.168.50.0/24' }, { subnet: 'fd00:50::/64' }] },
    });
    cleanups.networks.push(() => net.delete());
    const { sb: sb1, ns: ns1 } = await sandbox('m61');
    const { sb: sb2, ns: ns2 } = await sandbox('m62');
    await net.connect(sb1);
    const ep2 = await net.connect(sb2);
    expect(ep2.info()).toMatchObject({ ipv4Address: '192.168.50.3/24', ipv6Address: 'fd00:50::3/64' });
    const routes = await ipJson<{ dst: string; gateway?: string }[]>(sb1.info().netnsPath, ['-6', 'route']);
    expect(routes).toContainEqual(expect.objectContaining({ dst: 'default', gateway: 'fd00:50::1' }));
    const servers = [await echoSource(router, 'fd00:50::1', 80), await echoSource(ns2, 'fd00:50::3', 81)];
    try {
      expect(await ask(ns1, 'fd00:50::1', 80)).toBe('fd00:50::2');
      expect(await ask(ns1, 'fd00:50::3', 81)).toBe('fd00:50::2');
    } finally {
      await closeAll(servers);
    }
    await net.disconnect(sb1);
    await net.disconnect(sb2);
  });

  it('--internal: no default route, the subnet on link', async () => {
    await lan('lan0', ['192.168.50.1/24']);
    const net = await network('lan-int', '192.168.50.0/24', { parent: 'lan0' }, { internal: true });
    const { sb } = await sandbox('mi');
    await net.connect(sb);
    const routes = await ipJson<{ dst: string; gateway?: string }[]>(sb.info().netnsPath, ['route']);
    expect(routes.map((r) => r.dst)).toEqual(['192.168.50.0/24']);
    await net.disconnect(sb);
  });

  it('deleting a sandbox takes its children with it', async () => {
    await lan('lan0', ['192.168.50.1/24']);
    const net = await network('lan-sb', '192.168.50.0/24', { parent: 'lan0' });
    const sb = await ctl.createSandbox({ name: 'ms' });
    cleanups.sandboxes.push(() => sb.delete());
    await net.connect(sb);
    await sb.delete();
    expect(net.endpoints()).toHaveLength(0);
    expect(await hostLinks()).toEqual(['lan0', 'lo']);
  });

  it("a failed join never takes an interface that is not its own (an adopted namespace's eth0)", async () => {
    await lan('lan0', ['192.168.50.1/24']);
    const net = await network('lan-own', '192.168.50.0/24', { parent: 'lan0' });
    // A container's namespace that already has a macvlan eth0 of its own, made outside cnm.
    const theirs = await t.netns('theirs');
    cleanups.lans.push(() => netnsDelete(theirs));
    const base = (await t.r.link('lan0')).index;
    await t.r.batch([
      {
        op: 'link.add',
        kind: 'macvlan',
        name: 'eth0',
        link: base,
        mode: 'bridge',
        address: '02:00:00:00:0e:01',
        netns: theirs,
      },
    ]);
    const sb = await ctl.createSandbox({ name: 'adopter', netnsPath: theirs.path });
    cleanups.sandboxes.push(() => sb.delete());
    // cnm picks eth0 (it knows of no interface there), the kernel says EEXIST, and the undo
    // must leave the container's eth0 alone.
    await expect(net.connect(sb)).rejects.toThrow(/EEXIST/);
    const [eth0] = await ipJson<IpLink[]>(theirs.path, ['link', 'show', 'eth0']);
    expect(eth0?.address).toBe('02:00:00:00:0e:01');
    expect(net.endpoints()).toEqual([]);
  });

  it('recover() reports a parent that vanished; the endpoints can still be disconnected', async () => {
    await lan('lan1', ['192.168.70.1/24']);
    const net = await network('lan-gone', '192.168.70.0/24', { parent: 'lan1' });
    const { sb } = await sandbox('mg');
    await net.connect(sb);
    await t.r.linkDel('lan1');
    const report = await ctl.recover();
    expect(report.join('\n')).toContain('parent lan1 of macvlan network lan-gone is gone from the host');
    expect((await sandboxLinks(sb)).map((l) => l.ifname)).toEqual(['lo']);
    await net.disconnect(sb);
    await net.delete();
  });
});

describe('macvlan refusals', () => {
  it('a parent the host does not have: CNM_INVALID_CONFIG naming it', async () => {
    const e = await refused(
      () => ctl.createNetwork({ name: 'x', driver: 'macvlan', options: { parent: 'nosuch0' } }),
      'CNM_INVALID_CONFIG',
    );
    expect(e.message).toContain('nosuch0');
  });

  it('parent=IF.VID: CNM_NOT_SUPPORTED with the kernel’s answer where the kernel has no 802.1q', async () => {
    await lan('lan0', ['192.168.50.1/24']);
    const links = await hostLinks();
    const made = await ctl
      .createNetwork({ name: 'v10', driver: 'macvlan', options: { parent: 'lan0.10' } })
      .catch((error: unknown) => error);
    if (!(made instanceof CnmError)) {
      // A kernel with 802.1q: the sub-interface is made, and goes with the network.
      console.log('this kernel has 802.1q: the vlan parent was made, checking it goes with the network');
      expect(await hostLinks()).toContain('lan0.10');
      await (made as Network).delete();
      expect(await hostLinks()).toEqual(links);
      return;
    }
    expect(made.code).toBe('CNM_NOT_SUPPORTED');
    expect(made.message).toContain('lan0.10');
    expect(made.message).toMatch(/EOPNOTSUPP.*Unknown device type/);
    expect(await hostLinks()).toEqual(links);
    expect(ctl.networks().map((n) => n.info().name)).not.toContain('v10');
  });

  it('no parent: CNM_NOT_SUPPORTED with the kernel’s answer where the kernel has no dummy', async () => {
    const made = await ctl.createNetwork({ name: 'nop', driver: 'macvlan' }).catch((error: unknown) => error);
    if (!(made instanceof CnmError)) {
      console.log('this kernel has dummy: the dm- parent was made, checking it goes with the network');
      await (made as Network).delete();
      expect(await hostLinks()).toEqual(['lo']);
      return;
    }
    expect(made.code).toBe('CNM_NOT_SUPPORTED');
    expect(made.message).toMatch(/dummy link dm-[0-9a-f]{12}/);
    expect(made.message).toMatch(/EOPNOTSUPP.*Unknown device type/);
    expect(await hostLinks()).toEqual(['lo']);
  });

  it('passthru shares its parent with no network, either way round', async () => {
    await lan('lan0', ['192.168.50.1/24']);
    await lan('lan1', ['192.168.70.1/24']);
    await network('shared', '192.168.50.0/24', { parent: 'lan0' });
    const e1 = await refused(
      () =>
        ctl.createNetwork({
          name: 'pt',
          driver: 'macvlan',
          options: { parent: 'lan0', macvlan_mode: 'passthru' },
          ipam: { config: [{ subnet: '192.168.51.0/24' }] },
        }),
      'CNM_INVALID_CONFIG',
    );
    expect(e1.message).toContain('lan0');
    expect(e1.message).toContain('shared');
    await network('pt1', '192.168.70.0/24', { parent: 'lan1', macvlan_mode: 'passthru' });
    const e2 = await refused(
      () =>
        ctl.createNetwork({
          name: 'after',
          driver: 'macvlan',
          options: { parent: 'lan1' },
          ipam: { config: [{ subnet: '192.168.71.0/24' }] },
        }),
      'CNM_INVALID_CONFIG',
    );
    expect(e2.message).toContain('passthru network pt1');
  });

  it('passthru: the one child takes the parent and its MAC; a second is refused, leaving nothing', async () => {
    await lan('lan1', ['192.168.70.1/24']);
    const net = await network('pt2', '192.168.70.0/24', { parent: 'lan1', macvlan_mode: 'passthru' });
    const { sb } = await sandbox('mp');
    await net.connect(sb);
    const [parent] = await t.ip(['link', 'show', 'lan1']);
    const [child] = await ipJson<IpLink[]>(sb.info().netnsPath, ['link', 'show', 'eth0']);
    expect(child).toMatchObject({ address: parent?.address, linkinfo: { info_data: { mode: 'passthru' } } });
    // What createEndpoint said the MAC would be is what the model shows.
    expect(net.endpoints()[0]?.info().macAddress).toBe(parent?.address);
    // One child per passthru parent: a second endpoint is refused before any kernel call, leaving nothing.
    const { sb: sb2 } = await sandbox('mp2');
    await expect(net.connect(sb2)).rejects.toMatchObject({ code: 'CNM_BRIDGE_FULL' });
    expect((await sandboxLinks(sb2)).map((l) => l.ifname)).toEqual(['lo']);
    expect(net.endpoints()).toHaveLength(1);
    await net.disconnect(sb);
  });

  it('a subnet overlapping another network on the parent: CNM_SUBNET_OVERLAP', async () => {
    await lan('lan0', ['192.168.50.1/24']);
    await network('first', '192.168.50.0/24', { parent: 'lan0' });
    const e = await refused(
      () =>
        ctl.createNetwork({
          name: 'second',
          driver: 'macvlan',
          options: { parent: 'lan0' },
          ipam: { config: [{ subnet: '192.168.50.128/25' }] },
        }),
      'CNM_SUBNET_OVERLAP',
    );
    expect(e.message).toContain('192.168.50.128/25');
  });

  it('a mode macvlan does not have: CNM_INVALID_CONFIG; ipvlan: CNM_NOT_SUPPORTED', async () => {
    await lan('lan0', ['192.168.50.1/24']);
    const e = await refused(
      () => ctl.createNetwork({ name: 'm', driver: 'macvlan', options: { parent: 'lan0', macvlan_mode: 'l3' } }),
      'CNM_INVALID_CONFIG',
    );
    expect(e.message).toContain('macvlan_mode');
    await refused(
      () => ctl.createNetwork({ name: 'i', driver: 'ipvlan', options: { parent: 'lan0' } }),
      'CNM_NOT_SUPPORTED',
    );
  });
});
