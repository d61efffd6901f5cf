// SPDX-License-Identifier: GPL-2.0-or-later
// Addresses, routes, neighbours and bridge/VXLAN FDB entries against the
// real kernel, checked with `ip -j`.
import { describe, expect, it } from 'vitest';
import { useTestHost } from '../helpers/host';

const t = useTestHost(import.meta.url);

interface IpAddrInfo {
  readonly family: string;
  readonly local: string;
  readonly prefixlen: number;
  readonly nodad?: boolean;
  readonly broadcast?: string;
}
interface IpRoute {
  readonly dst: string;
  readonly gateway?: string;
  readonly dev?: string;
  readonly metric?: number;
  readonly scope?: string;
  readonly type?: string;
  readonly protocol?: string;
}
interface IpNeigh {
  readonly dst: string;
  readonly lladdr?: string;
  readonly state?: string[];
  readonly mac?: string;
  readonly flags?: string[];
}

async function withVethUp(name: string): Promise<number> {
  await t.r.linkAdd({ kind: 'veth', name, peer: { name: `${name}p` } });
  await t.r.batch([
    { op: 'link.set', dev: name, addrGenMode: 'none' },
    { op: 'link.set', dev: `${name}p`, addrGenMode: 'none' },
    { op: 'link.set', dev: name, up: true },
    { op: 'link.set', dev: `${name}p`, up: true },
  ]);
  return (await t.r.link(name)).index;
}

describe('addresses', () => {
  it('adds, dumps and deletes IPv4 and IPv6 (nodad) addresses', async () => {
    const dev = await withVethUp('ad0');
    await t.r.batch([
      { op: 'addr.add', dev, address: '10.20.0.1/24', broadcast: '10.20.0.255' },
      { op: 'addr.add', dev, address: 'fd20::1/64', nodad: true },
    ]);
    const [shown] = await t.ip<{ addr_info: IpAddrInfo[] }[]>(['addr', 'show', 'dev', 'ad0']);
    const v4 = shown?.addr_info.find((a) => a.family === 'inet');
    const v6 = shown?.addr_info.find((a) => a.family === 'inet6');
    expect(v4).toMatchObject({ local: '10.20.0.1', prefixlen: 24, broadcast: '10.20.0.255' });
    expect(v6).toMatchObject({ local: 'fd20::1', prefixlen: 64, nodad: true });
    // With addrgenmode none there is no automatic fe80:: address: only ours.
    expect(shown?.addr_info.length).toBe(2);

    const ours = await t.r.addrs({ dev });
    expect(ours.map((a) => `${a.address}/${a.prefixlen}`).sort()).toEqual(['10.20.0.1/24', 'fd20::1/64']);
    expect(ours.find((a) => a.family === 6)?.nodad).toBe(true);
    expect((await t.r.addrs({ family: 6, dev })).map((a) => a.address)).toEqual(['fd20::1']);

    await t.r.batch([
      { op: 'addr.del', dev, address: '10.20.0.1/24' },
      { op: 'addr.del', dev, address: 'fd20::1/64' },
    ]);
    expect((await t.ip<{ addr_info: IpAddrInfo[] }[]>(['addr', 'show', 'dev', 'ad0']))[0]?.addr_info).toEqual([]);
    await t.r.linkDel('ad0');
  });
});

describe('routes', () => {
  it('adds, replaces, dumps and deletes routes with gateway, dev, metric, table, scope and type', async () => {
    const dev = await withVethUp('rt0');
    await t.r.addrAdd({ dev, address: '10.30.0.1/24' });
    await t.r.batch([
      { op: 'route.add', dst: '10.31.0.0/16', gateway: '10.30.0.2', dev, metric: 7 },
      { op: 'route.add', dst: '10.32.0.0/16', dev, scope: 'link' },
      { op: 'route.add', dst: '10.33.0.0/16', dev, table: 1000 },
      { op: 'route.add', dst: '10.34.0.0/16', type: 'blackhole' },
      { op: 'route.add', gateway: '10.30.0.254', dev },
    ]);
    const main = await t.ip<IpRoute[]>(['route', 'show']);
    expect(main).toContainEqual(
      expect.objectContaining({ dst: '10.31.0.0/16', gateway: '10.30.0.2', dev: 'rt0', metric: 7 }),
    );
    expect(main).toContainEqual(expect.objectContaining({ dst: '10.32.0.0/16', dev: 'rt0', scope: 'link' }));
    expect(main).toContainEqual(expect.objectContaining({ dst: '10.34.0.0/16', type: 'blackhole' }));
    expect(main).toContainEqual(expect.objectContaining({ dst: 'default', gateway: '10.30.0.254', dev: 'rt0' }));
    const t1000 = await t.ip<IpRoute[]>(['route', 'show', 'table', '1000']);
    expect(t1000).toEqual([expect.objectContaining({ dst: '10.33.0.0/16', dev: 'rt0' })]);

    await t.r.routeReplace({ dst: '10.31.0.0/16', gateway: '10.30.0.3', dev, metric: 7 });
    const replaced = (await t.ip<IpRoute[]>(['route', 'show', '10.31.0.0/16']))[0];
    expect(replaced?.gateway).toBe('10.30.0.3');

    const dumped = await t.r.routes({ family: 4, table: 1000 });
    expect(dumped).toEqual([expect.objectContaining({ dst: '10.33.0.0/16', dev, table: 1000 })]);
    const mainDump = await t.r.routes({ family: 4, table: 254 });
    expect(mainDump).toContainEqual(expect.objectContaining({ dst: 'default', gateway: '10.30.0.254' }));
    expect(mainDump).toContainEqual(expect.objectContaining({ dst: '10.34.0.0/16', type: 'blackhole' }));

    await t.r.batch([
      { op: 'route.del', dst: '10.31.0.0/16' },
      { op: 'route.del', dst: '10.32.0.0/16' },
      { op: 'route.del', dst: '10.33.0.0/16', table: 1000 },
      { op: 'route.del', dst: '10.34.0.0/16', type: 'blackhole' },
      { op: 'route.del', dst: 'default', family: 4 },
    ]);
    expect((await t.ip<IpRoute[]>(['route', 'show'])).map((r) => r.dst)).toEqual(['10.30.0.0/24']);
    expect(await t.ip<IpRoute[]>(['route', 'show', 'table', '1000'])).toEqual([]);
    await t.r.linkDel('rt0');
  });

  it('adds IPv6 routes', async () => {
    const dev = await withVethUp('rt6');
    await t.r.addrAdd({ dev, address: 'fd30::1/64', nodad: true });
    await t.r.routeAdd({ dst: 'fd31::/48', gateway: 'fd30::2', dev });
    const routes = await t.ip<IpRoute[]>(['-6', 'route', 'show', 'fd31::/48']);
    expect(routes[0]).toMatchObject({ dst: 'fd31::/48', gateway: 'fd30::2', dev: 'rt6' });
    expect(await t.r.routes({ family: 6 })).toContainEqual(
      expect.objectContaining({ dst: 'fd31::/48', gateway: 'fd30::2' }),
    );
    await t.r.linkDel('rt6');
  });
});

describe('neighbours and FDB', () => {
  it('adds, replaces, dumps and deletes a static ARP entry', async () => {
    const dev = await withVethUp('nb0');
    await t.r.neighAdd({ dev, dst: '10.40.0.9', lladdr: '02:00:00:00:40:09' });
    let shown = await t.ip<IpNeigh[]>(['neigh', 'show', 'dev', 'nb0']);
    expect(shown).toEqual([
      expect.objectContaining({ dst: '10.40.0.9', lladdr: '02:00:00:00:40:09', state: ['PERMANENT'] }),
    ]);
    await t.r.neighReplace({ dev, dst: '10.40.0.9', lladdr: '02:00:00:00:40:0a', state: 'reachable' });
    shown = await t.ip<IpNeigh[]>(['neigh', 'show', 'dev', 'nb0']);
    expect(shown[0]?.lladdr).toBe('02:00:00:00:40:0a');
    const ours = await t.r.neighs({ family: 4, dev });
    expect(ours).toEqual([expect.objectContaining({ dst: '10.40.0.9', lladdr: '02:00:00:00:40:0a' })]);
    await t.r.neighDel({ dev, dst: '10.40.0.9' });
    expect(await t.ip<IpNeigh[]>(['neigh', 'show', 'dev', 'nb0'])).toEqual([]);
    await t.r.linkDel('nb0');
  });

  it('adds and deletes VXLAN FDB entries pointing at a remote VTEP', async () => {
    await t.r.linkAdd({ kind: 'vxlan', name: 'vxf', vni: 100, local: '10.50.0.1', dstport: 4789, learning: false });
    const dev = (await t.r.link('vxf')).index;
    await t.r.neighAdd({ dev, family: 'bridge', lladdr: '02:00:00:00:50:02', dst: '10.50.0.2', flags: ['self'] });
    const fdb = JSON.parse(
      await (await import('../helpers/run')).run('nsenter', [
        `--net=${t.host.path}`,
        'bridge',
        '-j',
        'fdb',
        'show',
        'dev',
        'vxf',
      ]),
    ) as IpNeigh[];
    expect(fdb).toContainEqual(expect.objectContaining({ mac: '02:00:00:00:50:02', dst: '10.50.0.2' }));
    const ours = await t.r.neighs({ family: 'bridge', dev });
    expect(ours).toContainEqual(
      expect.objectContaining({ lladdr: '02:00:00:00:50:02', dst: '10.50.0.2', flags: ['self'] }),
    );
    await t.r.neighDel({ dev, family: 'bridge', lladdr: '02:00:00:00:50:02', dst: '10.50.0.2', flags: ['self'] });
    const after = await t.r.neighs({ family: 'bridge', dev });
    expect(after.find((n) => n.lladdr === '02:00:00:00:50:02')).toBeUndefined();
    await t.r.linkDel('vxf');
  });
});
