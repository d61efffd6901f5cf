// SPDX-License-Identifier: GPL-2.0-or-later
// Link ops against the real kernel, checked with `ip -j -d link`.
import { describe, expect, it } from 'vitest';
import { NetlinkError } from '../../lib/errors';
import { netnsDelete } from '../../lib/kernel/netns';
import { rtnl } from '../../lib/kernel/rtnl';
import { useTestHost } from '../helpers/host';
import { run } from '../helpers/run';

const t = useTestHost(import.meta.url);

/** Kernel features this machine may lack (DESIGN.md "Kernel facts"): probe, and say why when skipping. */
async function unsupported(probe: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await probe();
    return undefined;
  } catch (e) {
    if (e instanceof NetlinkError && e.code === 'EOPNOTSUPP') return `this kernel refuses it: ${e.message}`;
    throw e;
  }
}

describe('link.add', () => {
  it('creates a bridge with mtu, mac and stp off', async () => {
    await t.r.linkAdd({ kind: 'bridge', name: 'br-a', mtu: 1400, address: '02:00:00:00:01:01', stpState: 0 });
    const [br] = await t.ip(['link', 'show', 'br-a']);
    expect(br?.mtu).toBe(1400);
    expect(br?.address).toBe('02:00:00:00:01:01');
    expect(br?.linkinfo?.info_kind).toBe('bridge');
    expect(br?.linkinfo?.info_data?.stp_state).toBe(0);
    await t.r.linkDel('br-a');
  });

  it('creates a bridge with vlan_filtering where the kernel has it', async (ctx) => {
    const why = await unsupported(() => t.r.linkAdd({ kind: 'bridge', name: 'br-vf', vlanFiltering: true }));
    if (why) {
      console.log(`skipped: bridge vlan_filtering: ${why}`);
      ctx.skip(why);
    }
    const [br] = await t.ip(['link', 'show', 'br-vf']);
    expect(br?.linkinfo?.info_data?.vlan_filtering).toBe(1);
    await t.r.linkDel('br-vf');
  });

  it('creates a veth finished in one message: host end enslaved, peer named, indexed and in another namespace', async () => {
    const sb = await t.netns('sb-veth');
    await t.r.linkAdd({ kind: 'bridge', name: 'br-v' });
    const br = await t.r.link('br-v');
    await t.r.linkAdd({
      kind: 'veth',
      name: 'veth-h',
      index: 100, // the kernel honours the peer's index only when this one is given too
      master: br.index,
      mtu: 1450,
      peer: { name: 'eth0', index: 7, address: '02:00:00:00:02:02', mtu: 1450, netns: sb },
    });
    const [host] = await t.ip(['link', 'show', 'veth-h']);
    expect(host?.ifindex).toBe(100);
    expect(host?.master).toBe('br-v');
    expect(host?.mtu).toBe(1450);
    const [peer] = await t.ip(['link', 'show', 'eth0'], sb);
    expect(peer?.ifindex).toBe(7);
    expect(peer?.address).toBe('02:00:00:00:02:02');
    expect(peer?.mtu).toBe(1450);
    // Quiet links (DESIGN.md principle 8): addrgenmode none on both ends before up.
    await t.r.batch([
      { op: 'link.set', dev: 'veth-h', addrGenMode: 'none' },
      { op: 'link.set', dev: 'veth-h', up: true },
    ]);
    await rtnl(sb).batch([
      { op: 'link.set', dev: 7, addrGenMode: 'none' },
      { op: 'link.set', dev: 7, up: true },
    ]);
    const [quiet] = await t.ip(['link', 'show', 'eth0'], sb);
    expect(quiet?.inet6_addr_gen_mode).toBe('none');
    expect(quiet?.flags).toContain('UP');
    expect((await rtnl(sb).link('eth0')).addrGenMode).toBe('none');
    await netnsDelete(sb);
    await t.r.linkDel('br-v');
  });

  it('reports the kernel refusing a peer created up inside another namespace (ENOTCONN), leaving nothing', async () => {
    const sb = await t.netns('sb-up');
    const err = await t.r
      .linkAdd({ kind: 'veth', name: 'veth-u', peer: { name: 'eth0', up: true, netns: sb } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetlinkError);
    expect((err as NetlinkError).code).toBe('ENOTCONN');
    expect((await t.ip(['link'])).map((l) => l.ifname)).toEqual(['lo']);
    expect((await t.ip(['link'], sb)).map((l) => l.ifname)).toEqual(['lo']);
    await netnsDelete(sb);
  });

  it('creates a macvlan on a parent, in bridge mode', async () => {
    await t.r.linkAdd({ kind: 'veth', name: 'mvp', peer: { name: 'mvp-peer' } });
    const parent = await t.r.link('mvp');
    await t.r.linkAdd({ kind: 'macvlan', name: 'mv0', link: parent.index, mode: 'bridge' });
    const [mv] = await t.ip(['link', 'show', 'mv0']);
    expect(mv?.linkinfo?.info_kind).toBe('macvlan');
    expect(mv?.linkinfo?.info_data?.mode).toBe('bridge');
    expect(mv?.link_index ?? (mv as unknown as { link: string }).link).toBeTruthy();
    expect((await t.r.link('mv0')).macvlanMode).toBe('bridge');
    await t.r.linkDel('mv0');
    await t.r.linkDel('mvp');
  });

  it('creates a vxlan with vni, local, dstport, learning off and a source port range', async () => {
    await t.r.linkAdd({
      kind: 'vxlan',
      name: 'vx0',
      vni: 4242,
      local: '10.99.0.1',
      dstport: 4789,
      learning: false,
      portRange: { low: 1000, high: 2000 },
    });
    const [vx] = await t.ip(['link', 'show', 'vx0']);
    const data = vx?.linkinfo?.info_data;
    expect(data?.id).toBe(4242);
    expect(data?.local).toBe('10.99.0.1');
    expect(data?.port).toBe(4789);
    expect(data?.learning).toBe(false);
    expect(data?.port_range).toEqual({ low: 1000, high: 2000 });
    expect((await t.r.link('vx0')).vni).toBe(4242);
    await t.r.linkDel('vx0');
  });

  it('creates a vlan (802.1q) where the kernel has it', async (ctx) => {
    await t.r.linkAdd({ kind: 'veth', name: 'vlp', peer: { name: 'vlp-peer' } });
    const parent = await t.r.link('vlp');
    const why = await unsupported(() => t.r.linkAdd({ kind: 'vlan', name: 'vl0', link: parent.index, vlanId: 10 }));
    if (why) {
      await t.r.linkDel('vlp');
      console.log(`skipped: vlan: ${why} (its message is checked against iproute2's bytes in the unit suite)`);
      ctx.skip(why);
    }
    const [vl] = await t.ip(['link', 'show', 'vl0']);
    expect(vl?.linkinfo?.info_data?.id).toBe(10);
    await t.r.linkDel('vl0');
    await t.r.linkDel('vlp');
  });

  it('creates a dummy where the kernel has it', async (ctx) => {
    const why = await unsupported(() => t.r.linkAdd({ kind: 'dummy', name: 'd0' }));
    if (why) {
      console.log(`skipped: dummy: ${why} (its message is checked against iproute2's bytes in the unit suite)`);
      ctx.skip(why);
    }
    expect((await t.ip(['link', 'show', 'd0']))[0]?.linkinfo?.info_kind).toBe('dummy');
    await t.r.linkDel('d0');
  });
});

describe('link.set', () => {
  it('sets up/down, mtu, mac, name, group, master and nomaster', async () => {
    await t.r.batch([
      { op: 'link.add', kind: 'bridge', name: 'br-s' },
      { op: 'link.add', kind: 'veth', name: 'vs0', peer: { name: 'vs1' } },
    ]);
    const [br, vs0] = await Promise.all([t.r.link('br-s'), t.r.link('vs0')]);
    await t.r.batch([
      { op: 'link.set', dev: vs0.index, mtu: 1280, address: '02:00:00:00:03:03', group: 42, name: 'vs-renamed' },
      { op: 'link.set', dev: vs0.index, master: br.index },
      { op: 'link.set', dev: vs0.index, up: true },
    ]);
    let [l] = await t.ip(['link', 'show', 'dev', 'vs-renamed']);
    expect(l).toMatchObject({ mtu: 1280, address: '02:00:00:00:03:03', group: '42', master: 'br-s' });
    expect(l?.flags).toContain('UP');
    await t.r.batch([
      { op: 'link.set', dev: vs0.index, up: false },
      { op: 'link.set', dev: vs0.index, master: 0 },
    ]);
    [l] = await t.ip(['link', 'show', 'dev', 'vs-renamed']);
    expect(l?.flags).not.toContain('UP');
    expect(l?.master).toBeUndefined();
    await t.r.batch([
      { op: 'link.del', dev: vs0.index },
      { op: 'link.del', dev: 'br-s' },
    ]);
  });

  it('moves a link into another namespace', async () => {
    const sb = await t.netns('sb-move');
    await t.r.linkAdd({ kind: 'veth', name: 'mv-a', peer: { name: 'mv-b' } });
    await t.r.linkSet({ dev: 'mv-b', netns: sb });
    expect((await t.ip(['link'])).map((l) => l.ifname)).not.toContain('mv-b');
    expect((await t.ip(['link'], sb)).map((l) => l.ifname)).toContain('mv-b');
    await netnsDelete(sb);
    await t.r.linkDel('mv-a').catch(() => {}); // may already be gone with its peer's namespace
  });

  it('sets IPv6 addrgenmode and IPv4 per-interface settings by netlink', async () => {
    await t.r.linkAdd({ kind: 'veth', name: 'cf0', peer: { name: 'cf1' } });
    await t.r.linkSet({ dev: 'cf0', addrGenMode: 'none', inet: { rp_filter: 2, arp_notify: 1, route_localnet: 1 } });
    const [l] = await t.ip(['link', 'show', 'cf0']);
    expect(l?.inet6_addr_gen_mode).toBe('none');
    const read = (key: string) => run('nsenter', [`--net=${t.host.path}`, 'cat', `/proc/sys/net/ipv4/conf/cf0/${key}`]);
    expect((await read('rp_filter')).trim()).toBe('2');
    expect((await read('arp_notify')).trim()).toBe('1');
    expect((await read('route_localnet')).trim()).toBe('1');
    expect((await t.r.link('cf0')).inet).toMatchObject({ rp_filter: 2, arp_notify: 1, route_localnet: 1 });
    await t.r.linkDel('cf0');
  });

  it('sets bridge-port hairpin, isolated, learning and neigh_suppress', async () => {
    await t.r.linkAdd({ kind: 'bridge', name: 'br-p' });
    const br = await t.r.link('br-p');
    await t.r.batch([
      { op: 'link.add', kind: 'veth', name: 'bp0', master: br.index, peer: { name: 'bp1' } },
      {
        op: 'link.set',
        dev: 'bp0',
        bridgePort: { hairpin: true, isolated: true, learning: false, neighSuppress: true },
      },
    ]);
    const [l] = await t.ip(['link', 'show', 'bp0']);
    expect(l?.linkinfo?.info_slave_data).toMatchObject({
      hairpin: true,
      isolated: true,
      learning: false,
      neigh_suppress: true,
    });
    expect((await t.r.link('bp0')).bridgePort).toMatchObject({
      hairpin: true,
      isolated: true,
      learning: false,
      neighSuppress: true,
    });
    await t.r.batch([
      { op: 'link.del', dev: 'bp0' },
      { op: 'link.del', dev: 'br-p' },
    ]);
  });
});

describe('link.del, link.get, link.dump', () => {
  it('deletes by name, by index and by group', async () => {
    await t.r.batch([
      { op: 'link.add', kind: 'veth', name: 'd-name', peer: { name: 'd-name-p' } },
      { op: 'link.add', kind: 'veth', name: 'd-index', peer: { name: 'd-index-p' } },
      { op: 'link.add', kind: 'veth', name: 'd-g1', group: 77, peer: { name: 'd-g1-p', group: 77 } },
      { op: 'link.add', kind: 'veth', name: 'd-g2', group: 77, peer: { name: 'd-g2-p', group: 77 } },
    ]);
    const byIndex = await t.r.link('d-index');
    await t.r.linkDel('d-name');
    await t.r.linkDel(byIndex.index);
    await t.r.linkDelGroup(77);
    expect((await t.ip(['link'])).map((l) => l.ifname)).toEqual(['lo']);
  });

  it('gets one link and dumps all, with the kernel filtering by master and kind', async () => {
    await t.r.linkAdd({ kind: 'bridge', name: 'br-d' });
    const br = await t.r.link('br-d');
    await t.r.batch([
      { op: 'link.add', kind: 'veth', name: 'dd0', master: br.index, peer: { name: 'dd0p' } },
      { op: 'link.add', kind: 'veth', name: 'dd1', master: br.index, peer: { name: 'dd1p' } },
    ]);
    const all = await t.r.links();
    const ip = await t.ip(['link']);
    expect(all.map((l) => [l.index, l.name]).sort()).toEqual(ip.map((l) => [l.ifindex, l.ifname]).sort());
    const ports = await t.r.links({ master: br.index });
    expect(ports.map((l) => l.name).sort()).toEqual(['dd0', 'dd1']);
    const bridges = await t.r.links({ kind: 'bridge' });
    expect(bridges.map((l) => l.name)).toEqual(['br-d']);
    const got = await t.r.link('dd0');
    expect(got).toMatchObject({ name: 'dd0', kind: 'veth', master: br.index, slaveKind: 'bridge' });
    expect(got.stats).toMatchObject({ rxPackets: expect.any(Number), txBytes: expect.any(Number) });
    await t.r.batch([
      { op: 'link.del', dev: 'dd0' },
      { op: 'link.del', dev: 'dd1' },
      { op: 'link.del', dev: 'br-d' },
    ]);
  });
});
