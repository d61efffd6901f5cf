// SPDX-License-Identifier: GPL-2.0-or-later
// cnm's ruleset (docs/firewall.md) against the kernel: ensuring it is
// idempotent and keeps elements and the user chain; real traffic between
// namespaces this test made proves DNAT (one address, every address, ranges,
// localhost, hairpin), masquerade, isolation, internal networks and the
// drop of unpublished ports.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { FirewallNetwork } from '../../lib/firewall/firewall';
import { networkOps, portMappingOps } from '../../lib/firewall/nftables/elements';
import { ensureRulesetOps, TABLE, USER_CHAIN } from '../../lib/firewall/nftables/ruleset';
import { type Netns, packageRoot } from '../../lib/kernel/binding';
import { netnsDelete } from '../../lib/kernel/netns';
import { nft } from '../../lib/kernel/nft';
import { renderNft } from '../../lib/kernel/nft-render';
import { rtnl } from '../../lib/kernel/rtnl';
import { sysctlWrite } from '../../lib/kernel/sysctl';
import { useTestHost } from '../helpers/host';
import { run } from '../helpers/run';
import { ask, attach, closeAll, echoSource, makeBridge, reach } from '../helpers/traffic';

const t = useTestHost(import.meta.url);
const execFileP = promisify(execFile);

async function nftList(ns: Netns, ...args: string[]): Promise<string> {
  return run('nsenter', [`--net=${ns.path}`, 'nft', ...args]);
}

const NETS: Record<string, FirewallNetwork> = {
  a: { bridge: 'br-a', subnets: ['10.91.1.0/24'], masquerade: true, internal: false },
  b: { bridge: 'br-b', subnets: ['10.91.2.0/24'], masquerade: true, internal: false },
  i: { bridge: 'br-i', subnets: ['10.91.3.0/24'], masquerade: false, internal: true },
};

describe('the cnm ruleset', () => {
  it('ensures idempotently: run twice it is the same, and equals nft given the rendered script', async () => {
    await nft(t.host).batch(ensureRulesetOps());
    const once = await nftList(t.host, 'list', 'ruleset');
    await nft(t.host).batch(ensureRulesetOps());
    expect(await nftList(t.host, 'list', 'ruleset')).toBe(once);
    const other = await t.netns('rs-ref');
    const child = execFileP('nsenter', [`--net=${other.path}`, 'nft', '-f', '-']);
    child.child.stdin?.end(renderNft(ensureRulesetOps()));
    await child;
    expect(await nftList(other, 'list', 'ruleset')).toBe(once);
    await netnsDelete(other);
    // Never the owner flag: the table outlives the process that made it.
    const json = JSON.parse(await nftList(t.host, '-j', 'list', 'tables')) as {
      nftables: { table?: { flags?: string[] } }[];
    };
    expect(json.nftables.find((o) => o.table)?.table?.flags ?? []).not.toContain('owner');
    await nftList(t.host, 'delete', 'table', 'inet', 'cnm');
  });

  it('keeps elements and the user chain across ensures; two processes ensuring at once leave one copy', async () => {
    await nft(t.host).batch([...ensureRulesetOps(), ...networkOps('add', NETS.a as FirewallNetwork)]);
    await nftList(t.host, 'add', 'rule', 'inet', 'cnm', USER_CHAIN, 'tcp', 'dport', '4444', 'drop');
    const script = new URL('../helpers/nft-ensure.mjs', import.meta.url).pathname;
    const args = [script, packageRoot(), t.host.path, '20', JSON.stringify(ensureRulesetOps())];
    await Promise.all([execFileP('node', args), execFileP('node', args)]);
    const rules = await nft(t.host).rules(TABLE);
    const expected = ensureRulesetOps().filter((o) => o.op === 'rule.add').length;
    expect(rules.filter((r) => r.chain !== USER_CHAIN)).toHaveLength(expected);
    expect(rules.filter((r) => r.chain === USER_CHAIN)).toHaveLength(1);
    expect(await nft(t.host).elements({ ...TABLE, set: 'bridges' })).toEqual([{ key: ['br-a'] }]);
    await nftList(t.host, 'delete', 'table', 'inet', 'cnm');
  });
});

describe('the cnm ruleset with real traffic', () => {
  /** Three networks (a, b, internal i), five sandboxes, and an "outside" namespace. */
  async function topology() {
    const [a1, a2, b1, i1, i2, ext] = (await Promise.all(
      ['a1', 'a2', 'b1', 'i1', 'i2', 'ext'].map((n) => t.netns(`fw-${n}`)),
    )) as [Netns, Netns, Netns, Netns, Netns, Netns];
    await sysctlWrite(t.host, 'net.ipv4.ip_forward', 1);
    await makeBridge(t.host, 'br-a', '10.91.1.1/24');
    await makeBridge(t.host, 'br-b', '10.91.2.1/24');
    await makeBridge(t.host, 'br-i', '10.91.3.1/24');
    const sandboxes: [Netns, string, string, string][] = [
      [a1, 'v-a1', 'br-a', '10.91.1.2'],
      [a2, 'v-a2', 'br-a', '10.91.1.3'],
      [b1, 'v-b1', 'br-b', '10.91.2.2'],
      [i1, 'v-i1', 'br-i', '10.91.3.2'],
      [i2, 'v-i2', 'br-i', '10.91.3.3'],
    ];
    for (const [ns, hostEnd, bridge, ip] of sandboxes) {
      await attach(t.host, ns, { hostEnd, bridge, address: `${ip}/24`, gateway: ip.replace(/\.\d+$/, '.1') });
    }
    await attach(t.host, ext, { hostEnd: 'v-ext', address: '10.250.1.2/24' });
    const r = rtnl(t.host);
    await r.addrAdd({ dev: (await r.link('v-ext')).index, address: '10.250.1.1/24' });
    // A route into the sandboxes from outside, to prove unpublished ports stay closed.
    await rtnl(ext).routeAdd({ dst: '10.91.0.0/16', gateway: '10.250.1.1', dev: 2 });
    // What the bridge driver sets: 127.0.0.1 may reach the bridge, and a port may hairpin.
    await r.batch([
      { op: 'link.set', dev: 'br-a', inet: { route_localnet: 1 } },
      { op: 'link.set', dev: 'v-a1', bridgePort: { hairpin: true } },
    ]);
    return { a1, a2, b1, i1, i2, ext };
  }

  it('DNAT, localhost, hairpin, masquerade, isolation, internal, unpublished drop, user chain, withdrawal', async () => {
    const { a1, a2, b1, i1, i2, ext } = await topology();
    await nft(t.host).batch([
      ...ensureRulesetOps(),
      ...networkOps('add', NETS.a as FirewallNetwork),
      ...networkOps('add', NETS.b as FirewallNetwork),
      ...networkOps('add', NETS.i as FirewallNetwork),
      ...portMappingOps('add', { proto: 'tcp', hostPort: 8080, containerIp: '10.91.1.2', containerPort: 80 }),
      ...portMappingOps('add', {
        proto: 'tcp',
        hostIp: '10.250.1.1',
        hostPort: 8081,
        containerIp: '10.91.1.3',
        containerPort: 80,
      }),
      ...portMappingOps('add', {
        proto: 'tcp',
        hostPort: 8000,
        hostPortEnd: 8002,
        containerIp: '10.91.1.3',
        containerPort: 8000,
        containerPortEnd: 8002,
      }),
    ]);
    const servers = [
      await echoSource(a1, '10.91.1.2', 80),
      await echoSource(a2, '10.91.1.3', 80),
      await echoSource(a2, '10.91.1.3', 8001),
      await echoSource(b1, '10.91.2.2', 80),
      await echoSource(i2, '10.91.3.3', 80),
      await echoSource(ext, '10.250.1.2', 9000),
    ];
    try {
      expect(await ask(ext, '10.250.1.1', 8080), 'published on every address').toBe('10.250.1.2');
      expect(await ask(ext, '10.250.1.1', 8081), 'published on one address').toBe('10.250.1.2');
      expect(await ask(ext, '10.250.1.1', 8001), 'a same-port range').toBe('10.250.1.2');
      expect(await ask(t.host, '127.0.0.1', 8080), 'the host through 127.0.0.1').toBe('10.91.1.1');
      expect(await ask(a1, '10.250.1.1', 8080), 'hairpin to its own published port').toBe('10.91.1.1');
      expect(await ask(a1, '10.250.1.2', 9000), 'masquerade going out').toBe('10.250.1.1');
      expect(await ask(a1, '10.91.1.3', 80), 'no NAT within a network').toBe('10.91.1.2');
      expect(await reach(a1, '10.91.2.2', 80), 'isolation a -> b').toBe('ETIMEDOUT');
      expect(await reach(b1, '10.91.1.2', 80), 'isolation b -> a').toBe('ETIMEDOUT');
      expect(await reach(b1, '10.91.2.1', 8080), "a's published port from b, through the host").toBe('connected');
      expect(await ask(i1, '10.91.3.3', 80), 'internal sandboxes reach each other').toBe('10.91.3.2');
      expect(await reach(i1, '10.250.1.2', 9000), 'internal: no way out').toBe('ETIMEDOUT');
      expect(await reach(ext, '10.91.1.2', 80), 'unpublished ports stay closed').toBe('ETIMEDOUT');

      await nftList(t.host, 'add', 'rule', 'inet', 'cnm', USER_CHAIN, 'tcp', 'dport', '80', 'drop');
      expect(await reach(ext, '10.250.1.1', 8080), 'the user chain decides first').toBe('ETIMEDOUT');
      await nftList(t.host, 'flush', 'chain', 'inet', 'cnm', USER_CHAIN);

      const mapping = { proto: 'tcp', hostPort: 8080, containerIp: '10.91.1.2', containerPort: 80 } as const;
      await nft(t.host).batch(portMappingOps('del', mapping));
      expect(await reach(ext, '10.250.1.1', 8080), 'withdrawn').not.toBe('connected');
      await nft(t.host).batch(portMappingOps('add', mapping));
      expect(await reach(ext, '10.250.1.1', 8080), 'published again').toBe('connected');
    } finally {
      await closeAll(servers);
      // Firewall state first, then links (netavark #1482 leaked DNAT the other way round).
      await nftList(t.host, 'delete', 'table', 'inet', 'cnm');
      await sysctlWrite(t.host, 'net.ipv4.ip_forward', 0);
      for (const ns of [a1, a2, b1, i1, i2, ext]) await netnsDelete(ns);
      await rtnl(t.host).batch([
        { op: 'link.del', dev: 'br-a' },
        { op: 'link.del', dev: 'br-b' },
        { op: 'link.del', dev: 'br-i' },
      ]);
    }
  });
});
