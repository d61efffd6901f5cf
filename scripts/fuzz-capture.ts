// SPDX-License-Identifier: GPL-2.0-or-later
// Inside a private namespace (scripts/fuzz-seed.sh runs it through
// in-private-netns.sh): builds what cnm makes — a bridge with ports, veths,
// vxlan and macvlan links, IPv4 and IPv6 addresses and routes, neighbours
// and FDB entries, cnm's nftables ruleset with elements of every kind — and
// has build-fuzz/capture_seeds write the kernel's own dumps and acks of it
// as seeds.
//   tsx scripts/fuzz-capture.ts OUT_DIR
import { execFileSync } from 'node:child_process';
import { networkOps, portMappingOps } from '../lib/firewall/nftables/elements';
import { ensureRulesetOps } from '../lib/firewall/nftables/ruleset';
import { netnsCurrent } from '../lib/kernel/netns';
import { nft } from '../lib/kernel/nft';
import { fixtureBatch } from '../test/fixtures/nft-batch';

const out = process.argv[2];
if (!out) throw new Error('usage: tsx scripts/fuzz-capture.ts OUT_DIR');

function run(line: string): void {
  const [command, ...args] = line.split(' ') as [string, ...string[]];
  execFileSync(command, args, { stdio: 'inherit' });
}

for (const line of [
  'ip link add br0 type bridge',
  'ip link add v0 type veth peer name v1',
  'ip link set v0 master br0',
  'ip link set v0 type bridge_slave hairpin on learning off',
  'ip link set br0 up',
  'ip link set v0 up',
  'ip link set v1 up',
  'ip addr add 172.18.0.1/16 dev br0',
  'ip addr add fd00:1::1/64 dev br0 nodad',
  'ip addr add 10.0.0.1/24 peer 10.0.0.2 dev v1 label v1:peer',
  'ip route add 10.9.0.0/16 via 172.18.0.2 dev br0 metric 5',
  'ip route add blackhole 10.6.0.0/16',
  'ip route add 10.7.0.0/16 dev br0 table 100',
  'ip -6 route add fd00:9::/64 via fd00:1::2 dev br0',
  'ip neigh add 172.18.0.9 lladdr 02:00:00:00:00:09 dev br0 nud permanent',
  'ip -6 neigh add fd00:1::9 lladdr 02:00:00:00:00:0a dev br0 nud permanent',
  'bridge fdb add 02:00:00:00:00:0b dev v0 master static',
  'ip link add vx0 type vxlan id 42 local 10.0.0.1 dstport 4789 nolearning proxy',
  'bridge fdb append 02:00:00:00:00:0c dev vx0 dst 192.0.2.7 self permanent',
  'ip link add mv0 link v1 type macvlan mode bridge',
]) {
  run(line);
}

const host = await netnsCurrent();
await nft(host).batch([...ensureRulesetOps(), ...fixtureBatch]);
await nft(host).batch([
  ...networkOps('add', { bridge: 'br0', subnets: ['172.18.0.0/16', 'fd00:1::/64'], masquerade: true, internal: false }),
  ...portMappingOps('add', { proto: 'tcp', hostPort: 8080, containerIp: '172.18.0.2', containerPort: 80 }),
  ...portMappingOps('add', {
    proto: 'udp',
    hostIp: '127.0.0.1',
    hostPort: 5000,
    hostPortEnd: 5003,
    containerIp: '172.18.0.2',
    containerPort: 5000,
    containerPortEnd: 5003,
  }),
]);
host.close();

run(`build-fuzz/capture_seeds ${out}`);
