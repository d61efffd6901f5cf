// SPDX-License-Identifier: GPL-2.0-or-later
// The bridge driver's firewall through the model, with real traffic between
// namespaces this test made: an "outside" namespace on a veth to the host,
// and sandboxes on bridge networks with Docker's options.
import { rm } from 'node:fs/promises';
import type { Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetworkController } from '../../lib/cnm/controller';
import type { Sandbox } from '../../lib/cnm/sandbox';
import type { ResolvedBinding } from '../../lib/cnm/types';
import type { CnmError } from '../../lib/errors';
import type { Netns } from '../../lib/kernel/binding';
import { netnsDelete, netnsOpen } from '../../lib/kernel/netns';
import { rtnl } from '../../lib/kernel/rtnl';
import { useTestHost } from '../helpers/host';
import { run } from '../helpers/run';
import { ask, attach, closeAll, echoSource, reach } from '../helpers/traffic';

const t = useTestHost(import.meta.url);
const stateDir = `/run/cnm-state-fw-${process.pid}`;
let ctl: NetworkController;
let ext: Netns;

beforeAll(async () => {
  ctl = await NetworkController.open({ stateDir, hostNetns: t.host, netnsDir: t.dir });
});

afterAll(async () => {
  await ctl.close();
  await rm(stateDir, { recursive: true, force: true });
});

async function outside(): Promise<Netns> {
  ext = await t.netns('outside');
  await attach(t.host, ext, { hostEnd: 'v-out', address: '10.250.2.2/24' });
  const dev = (await rtnl(t.host).link('v-out')).index;
  await rtnl(t.host).batch([
    { op: 'addr.add', dev, address: '10.250.2.1/24' },
    { op: 'addr.add', dev, address: 'fd00:250::1/64', nodad: true },
  ]);
  // The outside knows its way back to un-masqueraded networks, as a real router would.
  await rtnl(ext).batch([
    { op: 'addr.add', dev: 2, address: 'fd00:250::2/64', nodad: true },
    { op: 'route.add', dst: '10.92.0.0/16', gateway: '10.250.2.1', dev: 2 },
  ]);
  return ext;
}

async function ruleCount(): Promise<number> {
  const json = JSON.parse(
    await run('nsenter', [`--net=${t.host.path}`, 'nft', '-j', 'list', 'table', 'inet', 'cnm']),
  ) as {
    nftables: Record<string, unknown>[];
  };
  return json.nftables.filter((o) => 'rule' in o).length;
}

async function ns(sb: Sandbox): Promise<Netns> {
  return netnsOpen(sb.info().netnsPath);
}

const ip = (sbAddr: string | undefined) => (sbAddr ?? '').split('/')[0] as string;

describe('the bridge firewall', () => {
  it('publishes ports, masquerades, isolates, and keeps the rule count constant', async () => {
    const out = await outside();
    const a = await ctl.createNetwork({ name: 'fa', ipam: { config: [{ subnet: '10.92.1.0/24' }] } });
    const b = await ctl.createNetwork({
      name: 'fb',
      ipam: { config: [{ subnet: '10.92.2.0/24' }] },
      options: { 'com.docker.network.bridge.enable_ip_masquerade': 'false' },
    });
    const rulesWithNetworks = await ruleCount();
    const a1 = await ctl.createSandbox({ name: 'fa1' });
    const b1 = await ctl.createSandbox({ name: 'fb1' });
    // The first port of the ephemeral range is bound on the host: an automatic port must skip it.
    const [low] = (await run('nsenter', [`--net=${t.host.path}`, 'cat', '/proc/sys/net/ipv4/ip_local_port_range']))
      .split(/\s+/)
      .map(Number) as [number];
    const busy = await echoSource(t.host, '0.0.0.0', low);
    const epA = await a.connect(a1, {
      portBindings: [
        { proto: 'tcp', hostPort: 8080, containerPort: 80 },
        { proto: 'tcp', hostIp: '10.250.2.1', hostPort: 8081, containerPort: 80 },
        { proto: 'tcp', hostPort: 8000, hostPortEnd: 8002, containerPort: 8000, containerPortEnd: 8002 },
        { proto: 'tcp', hostPort: 9000, hostPortEnd: 9001, containerPort: 7000, containerPortEnd: 7001 },
        { proto: 'tcp', hostPort: 8100, hostPortEnd: 8110, containerPort: 80 },
        { proto: 'tcp', containerPort: 80 },
        { proto: 'udp', hostPort: 5353, containerPort: 53 },
        { proto: 'sctp', hostPort: 3868, containerPort: 3868 },
      ],
    });
    await closeAll([busy]);
    await b.connect(b1);
    // Only elements were added.
    expect(await ruleCount()).toBe(rulesWithNetworks);
    const nsA = await ns(a1);
    const nsB = await ns(b1);
    const aIp = ip(epA.info().ipv4Address);
    const servers: Server[] = [
      await echoSource(nsA, aIp, 80),
      await echoSource(nsA, aIp, 8001),
      await echoSource(nsA, aIp, 7001),
      await echoSource(nsB, ip((await b.endpoints()[0]?.info())?.ipv4Address), 80),
      await echoSource(out, '10.250.2.2', 9999),
    ];
    try {
      expect(await ask(nsB, '10.250.2.2', 9999), 'enable_ip_masquerade=false: the outside sees the sandbox').toBe(
        ip(b.endpoints()[0]?.info().ipv4Address),
      );
      expect(await ask(out, '10.250.2.1', 8080), 'published on every address').toBe('10.250.2.2');
      expect(await ask(out, '10.250.2.1', 8081), 'published on one address').toBe('10.250.2.2');
      expect(await ask(out, '10.250.2.1', 8001), 'a same-port range').toBe('10.250.2.2');
      expect(await ask(out, '10.250.2.1', 9001), 'a shifted range').toBe('10.250.2.2');
      const published = epA.info();
      expect(published.portBindings).toHaveLength(8);
      expect(await ask(t.host, '127.0.0.1', 8080), 'the host via 127.0.0.1').toBe('10.92.1.1');
      expect(await ask(nsA, '10.250.2.1', 8080), 'hairpin').toBe('10.92.1.1');
      expect(await ask(nsA, '10.250.2.2', 9999), 'masquerade').toBe('10.250.2.1');
      expect(await reach(nsA, ip(b.endpoints()[0]?.info().ipv4Address), 80), 'isolation a -> b').toBe('ETIMEDOUT');
      expect(await reach(nsB, '10.92.2.1', 8080), "a's published port from b through the host").toBe('connected');
      expect(await reach(out, aIp, 80), 'unpublished: no route in from outside').not.toBe('connected');
      // Routed through the host to an address that is not the host's: port 8080 is not translated.
      expect(
        await reach(out, ip(b.endpoints()[0]?.info().ipv4Address), 8080),
        'published ports only for the host`s own addresses',
      ).not.toBe('connected');
    } finally {
      await closeAll(servers);
      nsA.close();
      nsB.close();
    }
    // The picked and automatic host ports, and a port already taken.
    const elements = await run('nsenter', [`--net=${t.host.path}`, 'nft', 'list', 'map', 'inet', 'cnm', 'ports4any']);
    expect(elements).toMatch(/tcp \. 8100 : 10\.92\.1\.\d+ \. 80/);
    expect(elements).toMatch(/sctp \. 3868/);
    const autoPort = [...elements.matchAll(/tcp \. (\d+) : /g)].map((m) => Number(m[1])).find((p) => p >= low);
    expect(autoPort, 'an automatic host port from the ephemeral range').toBeDefined();
    expect(autoPort, 'never one bound on the host').not.toBe(low);
    const c1 = await ctl.createSandbox({ name: 'fa2' });
    const clash = await a
      .connect(c1, { portBindings: [{ proto: 'tcp', hostPort: 8080, containerPort: 80 }] })
      .catch((e: unknown) => e);
    expect((clash as CnmError).code).toBe('CNM_PORT_IN_USE');
    const local = await a
      .createEndpoint({ portBindings: [{ proto: 'tcp', hostIp: '::1', hostPort: 1, containerPort: 1 }] })
      .catch((e: unknown) => e);
    expect((local as CnmError).code).toBe('CNM_NOT_SUPPORTED');
    // Teardown takes the elements first: nothing of a1's ports is left.
    await ctl.deleteSandboxes([a1, b1, c1]);
    const after = await run('nsenter', [`--net=${t.host.path}`, 'nft', 'list', 'map', 'inet', 'cnm', 'ports4any']);
    expect(after).not.toMatch(/8080/);
    expect(await ruleCount()).toBe(rulesWithNetworks);
    await a.delete();
    await b.delete();
    await netnsDelete(out);
  });

  it('icc=false keeps sandboxes apart but lets them reach the gateway; internal networks have no way out', async () => {
    const out = await outside();
    const c = await ctl.createNetwork({
      name: 'fc',
      ipam: { config: [{ subnet: '10.92.3.0/24' }] },
      options: { 'com.docker.network.bridge.enable_icc': 'false' },
    });
    const i = await ctl.createNetwork({ name: 'fi', internal: true, ipam: { config: [{ subnet: '10.92.4.0/24' }] } });
    const [c1, c2, i1, i2] = await Promise.all(['fc1', 'fc2', 'fi1', 'fi2'].map((n) => ctl.createSandbox({ name: n })));
    const ep = await Promise.all([
      c.connect(c1 as Sandbox),
      c.connect(c2 as Sandbox),
      i.connect(i1 as Sandbox),
      i.connect(i2 as Sandbox),
    ]);
    const [n1, n2, m1, m2] = await Promise.all([c1, c2, i1, i2].map((s) => ns(s as Sandbox)));
    const servers = [
      await echoSource(n2 as Netns, ip(ep[1]?.info().ipv4Address), 80),
      await echoSource(t.host, '10.92.3.1', 81),
      await echoSource(m2 as Netns, ip(ep[3]?.info().ipv4Address), 80),
      await echoSource(out, '10.250.2.2', 9999),
    ];
    try {
      expect(await reach(n1 as Netns, ip(ep[1]?.info().ipv4Address), 80), 'icc=false between sandboxes').toBe(
        'ETIMEDOUT',
      );
      expect(await reach(n1 as Netns, '10.92.3.1', 81), 'icc=false to the gateway').toBe('connected');
      expect(await reach(n1 as Netns, '10.250.2.2', 9999), 'icc=false to the outside').toBe('connected');
      expect(await reach(m1 as Netns, ip(ep[3]?.info().ipv4Address), 80), 'internal: each other').toBe('connected');
      expect(await reach(m1 as Netns, '10.250.2.2', 9999), 'internal: no way out').not.toBe('connected');
    } finally {
      await closeAll(servers);
      for (const n of [n1, n2, m1, m2]) (n as Netns).close();
    }
    await ctl.deleteSandboxes(ctl.sandboxes());
    await c.delete();
    await i.delete();
    await netnsDelete(out);
  });

  it('IPv6: published ports on IPv6 host addresses, NAT66 masquerade, and ports published after the join', async () => {
    const out = await outside();
    const v6 = await ctl.createNetwork({
      name: 'f6',
      enableIPv6: true,
      ipam: { config: [{ subnet: '10.92.6.0/24' }, { subnet: 'fd00:93::/64' }] },
    });
    const s1 = await ctl.createSandbox({ name: 'f61' });
    const ep = await v6.connect(s1, { portBindings: [{ proto: 'tcp', hostPort: 8443, containerPort: 80 }] });
    const n1 = await ns(s1);
    const servers = [
      await echoSource(n1, '::', 80),
      await echoSource(n1, '::', 81),
      await echoSource(out, 'fd00:250::2', 9999),
    ];
    try {
      expect(await ask(out, 'fd00:250::1', 8443), 'published on [::]').toBe('fd00:250::2');
      expect(await ask(out, '10.250.2.1', 8443), 'and on 0.0.0.0').toBe('::ffff:10.250.2.2');
      expect(await ask(n1, 'fd00:250::2', 9999), 'NAT66 masquerade').toBe('fd00:250::1');
      // From the host itself: 127.0.0.1 is translated; [::1] cannot be (IPv6 has no
      // route_localnet) and is left alone, so it is refused at once instead of hanging
      // — a client trying `localhost` moves on to 127.0.0.1.
      expect(await ask(t.host, '127.0.0.1', 8443), 'the host through 127.0.0.1').toBe('::ffff:10.92.6.1');
      expect(await reach(t.host, '::1', 8443), 'the host through [::1]').toBe('ECONNREFUSED');
      const [late] = await ep.publish([{ proto: 'tcp', hostIp: 'fd00:250::1', containerPort: 81 }]);
      expect(late?.hostIp).toBe('fd00:250::1');
      expect(ep.info().published, 'docker port').toEqual([
        { proto: 'tcp', hostPort: 8443, containerPort: 80 },
        { proto: 'tcp', hostIp: 'fd00:250::1', hostPort: late?.hostPort, containerPort: 81 },
      ]);
      expect(await ask(out, 'fd00:250::1', late?.hostPort as number), 'published after the join').toBe('fd00:250::2');
    } finally {
      await closeAll(servers);
      n1.close();
    }
    // Picks go on after the last port handed out in the range, then wrap around.
    const pick = (containerPort: number) =>
      ep.publish([{ proto: 'udp', hostPort: 40000, hostPortEnd: 40001, containerPort }]);
    const [r1] = await pick(1);
    const [r2] = await pick(2);
    expect([r1?.hostPort, r2?.hostPort]).toEqual([40000, 40001]);
    const full = await pick(3).catch((e: unknown) => e);
    expect((full as CnmError).code, 'a host range with no free port').toBe('CNM_PORT_IN_USE');
    await ep.revokePorts([r1 as ResolvedBinding]);
    expect((await pick(4))[0]?.hostPort, 'wraps around to a freed port').toBe(40000);
    // Bad input is refused before anything is recorded or programmed.
    const before = ep.info().published;
    const bad = await ep.publish([{ proto: 'tcp', hostPort: 70000, containerPort: 80 }]).catch((e: unknown) => e);
    expect((bad as CnmError).code).toBe('CNM_INVALID_CONFIG');
    const taken = await ep.publish([{ proto: 'tcp', hostPort: 8443, containerPort: 82 }]).catch((e: unknown) => e);
    expect((taken as CnmError).code, 'a port published already').toBe('CNM_PORT_IN_USE');
    expect(ep.info().published).toEqual(before);
    await ep.revokePorts();
    expect(ep.info().published, 'revokePorts unpublishes and stays joined').toEqual([]);
    for (const map of ['ports4any', 'ports6any', 'ports6']) {
      const left = await run('nsenter', [`--net=${t.host.path}`, 'nft', 'list', 'map', 'inet', 'cnm', map]);
      expect(left, `${map} is empty after revokePorts`).not.toMatch(/elements =/);
    }
    expect(ep.info().sandboxId).toBe(s1.id);
    await ep.leave(s1);
    const notJoined = await ep.publish([{ proto: 'tcp', containerPort: 80 }]).catch((e: unknown) => e);
    expect((notJoined as CnmError).code, 'publish needs a joined endpoint').toBe('CNM_ENDPOINT_NOT_FOUND');
    expect(ep.info().published, 'leaving takes the ports back').toEqual([]);
    await ep.delete();
    await ctl.deleteSandboxes([s1]);
    await v6.delete();
    await netnsDelete(out);
  });

  it('recover() rebuilds the ruleset after `nft flush ruleset`, with the published ports', async () => {
    const out = await outside();
    const a = await ctl.createNetwork({
      name: 'fr',
      ipam: { config: [{ subnet: '10.92.5.0/24' }] },
      options: { 'com.docker.network.bridge.host_binding_ipv4': '10.250.2.1' },
    });
    const a1 = await ctl.createSandbox({ name: 'fr1' });
    const ep = await a.connect(a1, { portBindings: [{ proto: 'tcp', hostPort: 8090, containerPort: 80 }] });
    expect(ep.info().published, 'host_binding_ipv4 is the default host address').toEqual([
      { proto: 'tcp', hostIp: '10.250.2.1', hostPort: 8090, containerPort: 80 },
    ]);
    const nsA = await ns(a1);
    const server = await echoSource(nsA, ip(ep.info().ipv4Address), 80);
    try {
      expect(await reach(out, '10.250.2.1', 8090)).toBe('connected');
      await run('nsenter', [`--net=${t.host.path}`, 'nft', 'flush', 'ruleset']);
      expect(await reach(out, '10.250.2.1', 8090)).not.toBe('connected');
      const report = await ctl.recover();
      expect(report.join('\n')).toMatch(/recreated the firewall ruleset/);
      expect(await reach(out, '10.250.2.1', 8090)).toBe('connected');
      // An element whose endpoint does not exist goes at the next recover().
      const map = ['nft', 'list', 'map', 'inet', 'cnm', 'ports4'];
      await run('nsenter', [
        `--net=${t.host.path}`,
        'nft',
        'add element inet cnm ports4 { 10.250.2.1 . tcp . 8091 : 10.92.5.99 . 80 }',
      ]);
      expect(await run('nsenter', [`--net=${t.host.path}`, ...map])).toMatch(/8091/);
      await ctl.recover();
      const left = await run('nsenter', [`--net=${t.host.path}`, ...map]);
      expect(left).not.toMatch(/8091/);
      expect(left).toMatch(/10\.250\.2\.1 \. tcp \. 8090 : 10\.92\.5\.\d+ \. 80/);
    } finally {
      await closeAll([server]);
      nsA.close();
    }
    await ctl.deleteSandboxes([a1]);
    await a.delete();
    await netnsDelete(out);
  });
});
