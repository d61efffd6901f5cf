// SPDX-License-Identifier: GPL-2.0-or-later
// The addon's encodings compared byte for byte with what iproute2 sends for
// the same command (captured by scripts/capture-golden.sh). No privileges.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RtnlOp } from '../../lib/kernel/ops';
import { rtnlEncode } from '../../lib/kernel/rtnl';

interface Golden {
  readonly name: string;
  readonly ip: string;
  readonly hex: string;
}

const golden: Golden[] = JSON.parse(readFileSync(new URL('./golden/rtnl.json', import.meta.url), 'utf8'));

// The same commands as cnm ops (br0 is ifindex 2, v0 is 4 where they were captured).
const ops: Record<string, RtnlOp> = {
  'bridge-plain': { op: 'link.add', kind: 'bridge', name: 'br1' },
  'bridge-options': { op: 'link.add', kind: 'bridge', name: 'br1', mtu: 9000, vlanFiltering: true, stpState: 0 },
  'veth-peer': { op: 'link.add', kind: 'veth', name: 'v1', peer: { name: 'p1' } },
  'macvlan-bridge': { op: 'link.add', kind: 'macvlan', name: 'mv0', link: 2, mode: 'bridge' },
  vxlan: { op: 'link.add', kind: 'vxlan', name: 'vx0', vni: 42, local: '10.0.0.1', dstport: 4789, learning: false },
  vlan: { op: 'link.add', kind: 'vlan', name: 'vl0', link: 2, vlanId: 10 },
  'vlan-subif': { op: 'link.add', kind: 'vlan', name: 'br0.10', link: 2, vlanId: 10 },
  'macvlan-endpoint': {
    op: 'link.add',
    kind: 'macvlan',
    name: 'eth1',
    link: 2,
    mode: 'private',
    mtu: 1500,
    address: '02:42:0a:00:00:02',
  },
  'macvlan-vepa': {
    op: 'link.add',
    kind: 'macvlan',
    name: 'eth1',
    link: 2,
    mode: 'vepa',
    mtu: 9000,
    address: '02:42:0a:00:00:03',
  },
  'macvlan-passthru': { op: 'link.add', kind: 'macvlan', name: 'eth1', link: 2, mode: 'passthru', mtu: 1500 },
  dummy: { op: 'link.add', kind: 'dummy', name: 'd0' },
  'set-up': { op: 'link.set', dev: 2, up: true },
  'set-down': { op: 'link.set', dev: 2, up: false },
  'set-mtu': { op: 'link.set', dev: 2, mtu: 1400 },
  'set-master': { op: 'link.set', dev: 4, master: 2 },
  'set-nomaster': { op: 'link.set', dev: 4, master: 0 },
  'set-addrgenmode': { op: 'link.set', dev: 2, addrGenMode: 'none' },
  'addr-v4': { op: 'addr.add', dev: 2, address: '10.0.0.1/24' },
  'addr-v6-nodad': { op: 'addr.add', dev: 2, address: 'fd00::1/64', nodad: true },
  'addr-del': { op: 'addr.del', dev: 2, address: '10.0.0.1/24' },
  'route-via-metric': { op: 'route.add', dst: '10.9.0.0/16', gateway: '10.0.0.2', dev: 2, metric: 5 },
  'route-default': { op: 'route.add', gateway: '10.0.0.1' },
  'route-replace-link': { op: 'route.replace', dst: '10.8.0.0/16', dev: 2 },
  'route-table': { op: 'route.add', dst: '10.7.0.0/16', dev: 2, table: 100 },
  'route-blackhole': { op: 'route.add', dst: '10.6.0.0/16', type: 'blackhole' },
  'neigh-add': { op: 'neigh.add', dev: 2, dst: '10.0.0.9', lladdr: '02:00:00:00:00:09' },
  'neigh-replace': { op: 'neigh.replace', dev: 2, dst: '10.0.0.9', lladdr: '02:00:00:00:00:0a' },
};

/** Sequence number and port id differ by sender; everything else must not. */
function normalize(bytes: Buffer): string {
  const copy = Buffer.from(bytes);
  copy.fill(0, 8, 16);
  return copy.toString('hex');
}

describe('rtnetlink encodings match iproute2', () => {
  it('covers every captured command', () => {
    expect(Object.keys(ops).sort()).toEqual(golden.map((g) => g.name).sort());
  });

  for (const g of golden) {
    it(`${g.name}: ${g.ip}`, () => {
      const op = ops[g.name];
      expect(op, `no op for ${g.name}`).toBeDefined();
      const [encoded] = rtnlEncode([op as RtnlOp]);
      expect(normalize(encoded as Buffer)).toBe(normalize(Buffer.from(g.hex, 'hex')));
    });
  }
});
