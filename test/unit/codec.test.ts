// SPDX-License-Identifier: GPL-2.0-or-later
// Codec round trips without privileges: what the encoder writes, the reply
// parser reads back (requests and replies share the layout of these types).
import { describe, expect, it } from 'vitest';
import type { Addr, Link, Neigh, Route } from '../../lib/kernel/ops';
import { rtnlEncode, rtnlParse } from '../../lib/kernel/rtnl';

describe('codec round trips', () => {
  it('links: attributes, nested link info and bridge-port data', () => {
    const [bridge, vxlan, macvlan, port] = rtnlParse(
      rtnlEncode([
        { op: 'link.add', kind: 'bridge', name: 'br0', mtu: 9000, address: '02:42:ac:11:00:01', group: 7, index: 42 },
        { op: 'link.add', kind: 'vxlan', name: 'vx0', vni: 4096, local: '10.0.0.1', dstport: 4789, learning: false },
        { op: 'link.add', kind: 'macvlan', name: 'mv0', link: 2, mode: 'private' },
        { op: 'link.set', dev: 5, up: true, bridgePort: { hairpin: true, isolated: true }, addrGenMode: 'none' },
      ]),
    ) as Link[];
    expect(bridge).toMatchObject({
      index: 42,
      name: 'br0',
      mtu: 9000,
      address: '02:42:ac:11:00:01',
      group: 7,
      kind: 'bridge',
    });
    expect(vxlan).toMatchObject({ name: 'vx0', kind: 'vxlan', vni: 4096 });
    expect(macvlan).toMatchObject({ name: 'mv0', kind: 'macvlan', macvlanMode: 'private', link: 2 });
    expect(port).toMatchObject({
      index: 5,
      up: true,
      slaveKind: 'bridge',
      addrGenMode: 'none',
      bridgePort: { hairpin: true, isolated: true },
    });
  });

  it('addresses, routes and neighbours', () => {
    const [v4, v6, route, blackhole, neigh, fdb] = rtnlParse(
      rtnlEncode([
        { op: 'addr.add', dev: 3, address: '10.1.2.3/24', broadcast: '10.1.2.255', label: 'eth0' },
        { op: 'addr.add', dev: 3, address: 'fd00::3/64', nodad: true },
        { op: 'route.add', dst: '10.9.0.0/16', gateway: '10.1.2.1', dev: 3, metric: 20, table: 1000 },
        { op: 'route.add', dst: '10.8.0.0/16', type: 'blackhole' },
        { op: 'neigh.add', dev: 3, dst: '10.1.2.9', lladdr: '02:00:00:00:00:09' },
        {
          op: 'neigh.add',
          dev: 4,
          family: 'bridge',
          lladdr: '02:00:00:00:00:0a',
          dst: '192.0.2.7',
          flags: ['self'],
          vni: 42,
        },
      ]),
    ) as [Addr, Addr, Route, Route, Neigh, Neigh];
    expect(v4).toMatchObject({
      family: 4,
      index: 3,
      address: '10.1.2.3',
      prefixlen: 24,
      broadcast: '10.1.2.255',
      label: 'eth0',
    });
    expect(v6).toMatchObject({ family: 6, address: 'fd00::3', prefixlen: 64, nodad: true });
    expect(route).toMatchObject({
      dst: '10.9.0.0/16',
      gateway: '10.1.2.1',
      dev: 3,
      metric: 20,
      table: 1000,
      protocol: 'boot',
    });
    expect(blackhole).toMatchObject({ dst: '10.8.0.0/16', type: 'blackhole' });
    expect(neigh).toMatchObject({
      family: 4,
      dev: 3,
      dst: '10.1.2.9',
      lladdr: '02:00:00:00:00:09',
      state: ['permanent'],
    });
    expect(fdb).toMatchObject({
      family: 'bridge',
      dev: 4,
      lladdr: '02:00:00:00:00:0a',
      dst: '192.0.2.7',
      flags: ['self'],
      vni: 42,
    });
  });

  it('the default route and IPv6 destinations', () => {
    const [def, v6] = rtnlParse(
      rtnlEncode([
        { op: 'route.add', gateway: '10.0.0.1' },
        { op: 'route.replace', dst: 'fd01::/48', gateway: 'fd00::1', dev: 2 },
      ]),
    ) as Route[];
    expect(def).toMatchObject({ family: 4, dst: 'default', gateway: '10.0.0.1', scope: 'universe' });
    expect(v6).toMatchObject({ family: 6, dst: 'fd01::/48', gateway: 'fd00::1', dev: 2 });
  });

  it('sizes and alignment: every message is a whole number of 4-byte units and says its own length', () => {
    const msgs = rtnlEncode([
      { op: 'link.add', kind: 'veth', name: 'a', peer: { name: 'bcd' } },
      { op: 'link.set', dev: 'x', inet: { forwarding: 1 } },
      { op: 'neigh.dump', family: 'bridge', dev: 3 },
    ]);
    for (const m of msgs) {
      expect(m.length % 4).toBe(0);
      expect(m.readUInt32LE(0)).toBe(m.length);
    }
    expect(msgs.map((m) => m.readUInt32LE(8))).toEqual([1, 2, 3]); // sequence numbers
  });
});
