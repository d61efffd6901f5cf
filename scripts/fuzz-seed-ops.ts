// SPDX-License-Identifier: GPL-2.0-or-later
// Writes seeds that need no kernel: for the op-reader fuzz targets, the ops
// cnm really sends (the firewall ruleset, network and port elements, the nft
// fixture batch, the iproute2 golden commands) and ops the unit suite
// refuses, as JSON in the fuzz targets' dialect (fuzz/common/json_op_tree.h);
// for rtnl_reply and nl_attr, the messages iproute2 sent for the golden
// commands (test/unit/golden/rtnl.json) and their attributes.
//   npx tsx scripts/fuzz-seed-ops.ts [fuzz/corpus]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { networkOps, portMappingOps } from '../lib/firewall/nftables/elements';
import { ensureRulesetOps } from '../lib/firewall/nftables/ruleset';
import { fixtureBatch } from '../test/fixtures/nft-batch';

/** Stands for an open Netns handle ($ns) or a namespace a sequence creates first ($p0..$p3). */
class Token {
  constructor(readonly text: string) {}
}
const NS = new Token('$ns');
const P0 = new Token('$p0');

/** JSON, with the dialect's tokens for what JSON cannot say. */
function write(value: unknown): string {
  if (value instanceof Token) return value.text;
  if (Array.isArray(value)) return `[${value.map(write).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${write(v)}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

const rtnl: Record<string, unknown[]> = {
  // The iproute2 golden commands (test/unit/rtnl-golden.test.ts).
  'link-add': [
    { op: 'link.add', kind: 'bridge', name: 'br1', mtu: 9000, vlanFiltering: true, stpState: 0 },
    { op: 'link.add', kind: 'veth', name: 'v1', peer: { name: 'p1' } },
    { op: 'link.add', kind: 'macvlan', name: 'mv0', link: 2, mode: 'bridge' },
    { op: 'link.add', kind: 'vxlan', name: 'vx0', vni: 42, local: '10.0.0.1', dstport: 4789, learning: false },
    { op: 'link.add', kind: 'vlan', name: 'vl0', link: 2, vlanId: 10, protocol: '802.1ad' },
    { op: 'link.add', kind: 'dummy', name: 'd0' },
  ],
  'link-set': [
    { op: 'link.set', dev: 2, up: true, mtu: 1400, master: 0 },
    { op: 'link.set', dev: 2, addrGenMode: 'none', inet: { rp_filter: 2, arp_notify: 1, forwarding: 1 } },
    { op: 'link.set', dev: 4, bridgePort: { hairpin: true, isolated: false, learning: true, neighSuppress: true } },
    { op: 'link.set', dev: 'eth0', address: '02:42:ac:11:00:02', txqueuelen: 1000, group: 7 },
  ],
  // What a bridge attach sends: a veth already in place, then the sandbox side.
  attach: [
    {
      op: 'link.add',
      kind: 'veth',
      name: 'veth0123',
      master: 3,
      up: true,
      peer: { name: 'eth0', index: 2, netns: P0, address: '02:42:ac:11:00:02' },
    },
    { op: 'link.set', dev: 'veth0123', addrGenMode: 'none' },
  ],
  sandbox: [
    { op: 'link.set', dev: 1, up: true },
    { op: 'link.set', dev: 2, up: true, netns: NS },
    { op: 'addr.add', dev: 2, address: '172.18.0.2/16', broadcast: '172.18.255.255' },
    { op: 'addr.add', dev: 2, address: 'fd00::2/64', nodad: true, noprefixroute: true },
    { op: 'route.add', gateway: '172.18.0.1', dev: 2 },
    { op: 'route.replace', dst: 'fd00::/64', dev: 2, metric: 256, table: 100, protocol: 'static' },
  ],
  addresses: [
    { op: 'addr.add', dev: 2, address: '10.0.0.1/24', label: 'eth0:1', scope: 'link', peer: '10.0.0.2' },
    { op: 'addr.del', dev: 2, address: '10.0.0.1/24' },
    { op: 'addr.dump', family: 4, dev: 2 },
  ],
  routes: [
    { op: 'route.add', dst: '10.9.0.0/16', gateway: '10.0.0.2', dev: 2, metric: 5, src: '10.0.0.1' },
    { op: 'route.add', dst: '10.6.0.0/16', type: 'blackhole', scope: 253 },
    { op: 'route.del', dst: 'default', family: 6 },
    { op: 'route.dump', family: 4, table: 254 },
  ],
  neighbours: [
    { op: 'neigh.add', dev: 2, dst: '10.0.0.9', lladdr: '02:00:00:00:00:09', state: 'permanent' },
    { op: 'neigh.replace', dev: 5, family: 'bridge', lladdr: '02:00:00:00:00:0a', dst: '192.0.2.7', flags: ['self'] },
    {
      op: 'neigh.add',
      dev: 5,
      family: 'bridge',
      lladdr: '02:00:00:00:00:0b',
      vlan: 10,
      vni: 42,
      port: 4789,
      master: 3,
    },
    { op: 'neigh.del', dev: 2, dst: 'fd00::9' },
    { op: 'neigh.dump', family: 'bridge', dev: 5, master: 3 },
  ],
  dumps: [
    { op: 'link.get', dev: 'lo' },
    { op: 'link.dump', master: 3, kind: 'veth' },
    { op: 'link.del', group: 7 },
  ],
  // Refused by test/unit/validation.test.ts.
  'bad-name': [{ op: 'link.add', kind: 'bridge', name: 'x'.repeat(16) }],
  'bad-peer': [{ op: 'link.add', kind: 'veth', name: 'v', peer: { name: 'p', master: 3 } }],
  'bad-vni': [{ op: 'link.add', kind: 'vxlan', name: 'v', vni: 1 << 24, portRange: { low: 9, high: 8 } }],
  'bad-rename': [{ op: 'link.set', dev: 'eth0', name: 'eth1' }],
  'bad-mtu': [{ op: 'link.set', dev: 2, mtu: 1.5 }],
  'bad-netns': [{ op: 'link.set', dev: 2, netns: 5 }],
  'bad-prefix': [{ op: 'addr.add', dev: 2, address: 'fd00::1/129' }],
  'bad-family': [{ op: 'route.add', dst: '10.0.0.0/8', src: 'fd00::1' }],
  'bad-flags': [{ op: 'neigh.add', dev: 2, dst: '10.0.0.1', flags: ['nope'] }],
  'bad-op': [{ op: 'link.set', dev: 1, up: true }, { op: 'nope' }, 7],
};

const T = { family: 'inet', table: 't' } as const;
const nft: Record<string, unknown[]> = {
  ruleset: ensureRulesetOps(),
  network: networkOps('add', {
    bridge: 'br-1',
    subnets: ['172.18.0.0/16', 'fd00:1::/64'],
    masquerade: true,
    internal: false,
  }),
  'network-del': networkOps('del', { bridge: 'br-2', subnets: ['10.1.0.0/24'], masquerade: false, internal: true }),
  port: portMappingOps('add', { proto: 'tcp', hostPort: 8080, containerIp: '172.18.0.2', containerPort: 80 }),
  'port-range': portMappingOps('add', {
    proto: 'udp',
    hostIp: '127.0.0.1',
    hostPort: 5000,
    hostPortEnd: 5003,
    containerIp: '172.18.0.2',
    containerPort: 6000,
    containerPortEnd: 6003,
  }),
  'port-v6': portMappingOps('del', { proto: 'tcp', hostPort: 443, containerIp: 'fd00:1::2', containerPort: 443 }),
  fixture: [...fixtureBatch],
  // Refused by test/unit/nft-render.test.ts.
  'bad-handle': [{ op: 'rule.del', ...T, chain: 'c' }],
  'bad-type': [{ op: 'set.add', ...T, name: 's', key: ['bogus'] }],
  'bad-set-flag': [{ op: 'set.add', ...T, name: 's', key: ['ifname'], flags: ['sparkly'] }],
  'bad-port': [{ op: 'element.add', ...T, set: 's', key: ['inet_service'], elements: [{ key: [70000] }] }],
  'bad-map': [
    { op: 'element.add', ...T, set: 's', key: ['ifname'], data: ['ipv4_addr'], elements: [{ key: ['br0'] }] },
  ],
};
// One file per fixture op too: small seeds mutate best.
fixtureBatch.forEach((op, i) => {
  nft[`fixture-${String(i).padStart(2, '0')}`] = [op];
});

const root = process.argv[2] ?? 'fuzz/corpus';
for (const [target, seeds] of [
  ['rtnl_ops', rtnl],
  ['nft_ops', nft],
] as const) {
  const dir = join(root, target);
  mkdirSync(dir, { recursive: true });
  for (const [name, ops] of Object.entries(seeds)) writeFileSync(join(dir, `${name}.json`), `${write(ops)}\n`);
  console.log(`fuzz-seed-ops: ${Object.keys(seeds).length} seeds in ${dir}`);
}

/** The golden messages: whole for rtnl_reply, their attributes (after the family header) for nl_attr. */
const HEADER: Record<number, number> = { 16: 16, 20: 8, 24: 12, 28: 12 }; // ifinfomsg, ifaddrmsg, rtmsg, ndmsg
const golden: { name: string; hex: string }[] = JSON.parse(
  readFileSync(new URL('../test/unit/golden/rtnl.json', import.meta.url), 'utf8'),
);
mkdirSync(join(root, 'rtnl_reply'), { recursive: true });
mkdirSync(join(root, 'nl_attr'), { recursive: true });
for (const g of golden) {
  const bytes = Buffer.from(g.hex, 'hex');
  const type = bytes.readUInt16LE(4) & ~3; // RTM_NEW*, RTM_DEL* and RTM_GET* share their family header
  writeFileSync(join(root, 'rtnl_reply', `golden-${g.name}`), bytes);
  writeFileSync(join(root, 'nl_attr', `golden-${g.name}`), bytes.subarray(16 + (HEADER[type] ?? 16)));
}
console.log(
  `fuzz-seed-ops: ${golden.length} golden messages in ${join(root, 'rtnl_reply')} and ${join(root, 'nl_attr')}`,
);
