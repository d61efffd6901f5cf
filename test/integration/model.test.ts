// SPDX-License-Identifier: GPL-2.0-or-later
// The CNM model over the kernel: networks, sandboxes and endpoints with real
// traffic between namespaces this test made; the host and null drivers; bad
// input refused before any kernel call; the store surviving a reopen.
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetworkController } from '../../lib/cnm/controller';
import { bridgeDriver } from '../../lib/drivers/bridge/bridge-driver';
import { CnmError } from '../../lib/errors';
import { netnsDelete, netnsOpen, netnsRemove } from '../../lib/kernel/netns';
import { rtnl } from '../../lib/kernel/rtnl';
import { useTestHost } from '../helpers/host';
import { type IpLink, ipJson, run } from '../helpers/run';
import { storeDb } from '../helpers/store-db';
import { ask, closeAll, echoSource } from '../helpers/traffic';

const t = useTestHost(import.meta.url);
const stateDir = `/run/cnm-state-model-${process.pid}`;
let ctl: NetworkController;

beforeAll(async () => {
  ctl = await NetworkController.open({ stateDir, hostNetns: t.host, netnsDir: t.dir });
});

afterAll(async () => {
  await ctl.close();
  await rm(stateDir, { recursive: true, force: true });
});

async function hostLinks(): Promise<string[]> {
  return (await t.ip(['link'])).map((l) => l.ifname).sort();
}

async function expectRefused(run: () => Promise<unknown>, code: string): Promise<void> {
  const before = await hostLinks();
  const err = await run().catch((e: unknown) => e);
  expect(err, code).toBeInstanceOf(CnmError);
  expect((err as CnmError).code).toBe(code);
  expect(await hostLinks()).toEqual(before);
}

describe('bridge networks', () => {
  it('two sandboxes on one network reach each other and the gateway, over quiet links', async () => {
    const net = await ctl.createNetwork({ name: 'web' });
    const { subnet, gateway } = net.info().ipam.config[0] ?? { subnet: '', gateway: '' };
    // The first default pool is the predefined bridge network's: user networks start at the next.
    expect(subnet).toBe('172.18.0.0/16');
    expect(gateway).toBe('172.18.0.1');
    const sb1 = await ctl.createSandbox({ name: 'c1' });
    const sb2 = await ctl.createSandbox({ name: 'c2' });
    const ep1 = await net.connect(sb1);
    const ep2 = await net.connect(sb2, { ipv4Address: '172.18.0.99', macAddress: '02:00:00:00:00:99' });
    expect(ep1.info()).toMatchObject({ ipv4Address: '172.18.0.2/16', ifname: 'eth0' });
    expect(ep2.info()).toMatchObject({ ipv4Address: '172.18.0.99/16', macAddress: '02:00:00:00:00:99' });

    const ns1 = await netnsOpen(sb1.info().netnsPath);
    const ns2 = await netnsOpen(sb2.info().netnsPath);
    const servers = [await echoSource(ns2, '172.18.0.99', 80), await echoSource(t.host, '172.18.0.1', 81)];
    try {
      expect(await ask(ns1, '172.18.0.99', 80)).toBe('172.18.0.2');
      expect(await ask(ns1, '172.18.0.1', 81)).toBe('172.18.0.2');
    } finally {
      await closeAll(servers);
    }
    // Independent checks: the bridge, the port, the sandbox side.
    const bridge = net.info().options['com.docker.network.bridge.name'] ?? `br-${net.id.slice(0, 12)}`;
    const [port] = await t.ip(['link', 'show', ep1.info().hostIfname as string]);
    expect(port?.master).toBe(bridge);
    expect(port?.linkinfo?.info_slave_data?.hairpin).toBe(true);
    expect(port?.inet6_addr_gen_mode).toBe('none');
    const [eth0] = await ipJson<IpLink[]>(sb2.info().netnsPath, ['link', 'show', 'eth0']);
    expect(eth0).toMatchObject({ address: '02:00:00:00:00:99', inet6_addr_gen_mode: 'none' });
    const routes = await ipJson<{ dst: string; gateway?: string }[]>(sb1.info().netnsPath, ['route']);
    expect(routes).toContainEqual(expect.objectContaining({ dst: 'default', gateway: '172.18.0.1' }));
    expect((await ep1.stats()).txPackets).toBeGreaterThan(0);

    await expectRefused(() => net.delete(), 'CNM_NETWORK_IN_USE');
    ns1.close();
    ns2.close();
    await sb1.delete();
    await sb2.delete();
    expect(await hostLinks()).toEqual([bridge, 'lo'].sort());
    await net.delete();
    expect(await hostLinks()).toEqual(['lo']);
  });

  it('IPv6 networks get addresses without DAD delay and carry traffic', async () => {
    const net = await ctl.createNetwork({
      name: 'v6',
      enableIPv6: true,
      ipam: { config: [{ subnet: '10.77.0.0/24' }, { subnet: 'fd00:77::/64' }] },
    });
    const sb1 = await ctl.createSandbox({ name: 'v6a' });
    const sb2 = await ctl.createSandbox({ name: 'v6b' });
    await net.connect(sb1);
    const ep2 = await net.connect(sb2);
    expect(ep2.info()).toMatchObject({ ipv4Address: '10.77.0.3/24', ipv6Address: 'fd00:77::3/64' });
    const [shown] = await ipJson<{ addr_info: { local: string; tentative?: boolean; nodad?: boolean }[] }[]>(
      sb2.info().netnsPath,
      ['addr', 'show', 'eth0'],
    );
    const v6 = shown?.addr_info.find((a) => a.local === 'fd00:77::3');
    expect(v6?.nodad).toBe(true);
    expect(v6?.tentative).toBeUndefined();
    const ns1 = await netnsOpen(sb1.info().netnsPath);
    const ns2 = await netnsOpen(sb2.info().netnsPath);
    const server = await echoSource(ns2, 'fd00:77::3', 80);
    try {
      expect(await ask(ns1, 'fd00:77::3', 80)).toBe('fd00:77::2');
    } finally {
      await closeAll([server]);
      ns1.close();
      ns2.close();
    }
    await sb1.delete();
    await sb2.delete();
    await net.delete();
  });

  it('an adopted namespace works like a created one, and is left in place when the sandbox goes', async () => {
    const net = await ctl.createNetwork({
      name: 'adopt',
      ipam: { config: [{ subnet: '10.78.0.0/24', gateway: '10.78.0.254' }] },
    });
    const ns = await t.netns('adopted');
    const sb = await ctl.createSandbox({ name: 'adopted', netnsPath: ns.path });
    expect(sb.info().owned).toBe(false);
    const ep = await net.connect(sb);
    expect(ep.info().ipv4Address).toBe('10.78.0.1/24');
    const server = await echoSource(t.host, '10.78.0.254', 82);
    try {
      expect(await ask(ns, '10.78.0.254', 82)).toBe('10.78.0.1');
    } finally {
      await closeAll([server]);
    }
    await sb.delete();
    expect((await t.ip(['link'], ns)).map((l) => l.ifname)).toEqual(['lo']);
    await netnsDelete(ns);
    await net.delete();
  });
});

describe('sandboxes', () => {
  it('await using deletes a sandbox, its namespace and its links at the end of the scope', async () => {
    const net = await ctl.createNetwork({ name: 'scoped' });
    let path = '';
    {
      await using sb = await ctl.createSandbox({ name: 'scoped' });
      path = sb.info().netnsPath;
      await net.connect(sb);
      expect(existsSync(path)).toBe(true);
    }
    expect(existsSync(path)).toBe(false);
    expect(net.endpoints()).toEqual([]);
    expect(() => ctl.sandbox('scoped')).toThrow(/CNM_SANDBOX_NOT_FOUND/);
    await net.delete();
  });
});

describe('host and null drivers', () => {
  it('null: the sandbox keeps only its loopback, up', async () => {
    // The null driver's single network is predefined: a second one is refused, by name or not.
    const none = ctl.network('none');
    expect(none.info().driver).toBe('null');
    await expectRefused(() => ctl.createNetwork({ name: 'none', driver: 'null' }), 'CNM_NETWORK_EXISTS');
    await expectRefused(() => ctl.createNetwork({ name: 'none2', driver: 'null' }), 'CNM_NETWORK_EXISTS');
    const sb = await ctl.createSandbox({ name: 'isolated' });
    await expectRefused(() => none.createEndpoint({ ipv4Address: '10.0.0.2' }), 'CNM_INVALID_CONFIG');
    await none.connect(sb);
    const links = await ipJson<IpLink[]>(sb.info().netnsPath, ['link']);
    expect(links.map((l) => l.ifname)).toEqual(['lo']);
    expect(links[0]?.flags).toContain('UP');
    await sb.delete();
    await expectRefused(() => none.delete(), 'CNM_INVALID_CONFIG');
  });

  it('host: only a sandbox that is the host namespace may join', async () => {
    const hostNet = ctl.network('host');
    await expectRefused(() => ctl.createNetwork({ name: 'host2', driver: 'host' }), 'CNM_NETWORK_EXISTS');
    const other = await ctl.createSandbox({ name: 'not-host' });
    await expectRefused(() => hostNet.connect(other), 'CNM_INVALID_CONFIG');
    const onHost = await ctl.createSandbox({ name: 'on-host', netnsPath: t.host.path });
    await hostNet.connect(onHost);
    expect(await hostLinks()).toEqual(['lo']);
    await onHost.delete();
    await other.delete();
    await expectRefused(() => hostNet.delete(), 'CNM_INVALID_CONFIG');
  });
});

describe('bad input is refused before any kernel call', () => {
  it('refuses bad networks, sandboxes and endpoints with typed errors', async () => {
    await expectRefused(
      () => ctl.createNetwork({ name: 'x', ipam: { config: [{ subnet: '10.0.0.0/33' }] } }),
      'CNM_INVALID_CONFIG',
    );
    await expectRefused(
      () => ctl.createNetwork({ name: 'x', ipam: { config: [{ subnet: '10.0.0.0/24', gateway: '10.0.1.1' }] } }),
      'CNM_INVALID_CONFIG',
    );
    await expectRefused(() => ctl.createNetwork({ name: 'bad name!' }), 'CNM_INVALID_CONFIG');
    await expectRefused(() => ctl.createNetwork({ name: 'x', driver: 'teleport' }), 'CNM_INVALID_CONFIG');
    await expectRefused(() => ctl.createNetwork({ name: 'x', driver: 'macvlan' }), 'CNM_NOT_SUPPORTED');
    await expectRefused(
      () => ctl.createNetwork({ name: 'x', options: { 'com.docker.network.bridge.name': 'a-name-far-too-long' } }),
      'CNM_INVALID_CONFIG',
    );
    await expectRefused(
      () => ctl.createNetwork({ name: 'x', options: { 'com.docker.network.driver.mtu': '9' } }),
      'CNM_INVALID_CONFIG',
    );
    // An option no driver declares is kept and shown, as Docker does; a known one is still checked.
    const odd = await ctl.createNetwork({ name: 'x', options: { 'made.up': '1' } });
    expect(odd.info().options).toEqual({ 'made.up': '1' });
    await odd.delete();
    await expectRefused(() => ctl.createSandbox({ name: 'x', netnsPath: '/etc/hostname' }), 'CNM_INVALID_CONFIG');

    const net = await ctl.createNetwork({ name: 'taken', ipam: { config: [{ subnet: '10.79.0.0/16' }] } });
    await expectRefused(() => ctl.createNetwork({ name: 'taken' }), 'CNM_NETWORK_EXISTS');
    await expectRefused(
      () => ctl.createNetwork({ name: 'y', ipam: { config: [{ subnet: '10.79.1.0/24' }] } }),
      'CNM_SUBNET_OVERLAP',
    );
    const sb = await ctl.createSandbox({ name: 'twice' });
    const ep = await net.connect(sb);
    await expectRefused(() => ep.join(sb), 'CNM_ENDPOINT_EXISTS');
    await expectRefused(() => net.connect(sb), 'CNM_ENDPOINT_EXISTS');
    await expectRefused(
      () => net.createEndpoint({ ipv4Address: ep.info().ipv4Address?.split('/')[0] as string }),
      'CNM_ADDRESS_IN_USE',
    );
    await sb.delete();
    await net.delete();
  });
});

describe('recover', () => {
  it('reconciles what others changed: a vanished namespace, a deleted bridge, an orphan veth', async () => {
    const net = await ctl.createNetwork({ name: 'rec', ipam: { config: [{ subnet: '10.81.0.0/24' }] } });
    const sb1 = await ctl.createSandbox({ name: 'rec1' });
    const sb2 = await ctl.createSandbox({ name: 'rec2' });
    await net.connect(sb1);
    const ep2 = await net.connect(sb2);
    const bridge = `br-${net.id.slice(0, 12)}`;
    // Someone removes sb1's namespace and the bridge behind cnm's back, and leaves a veth in the group.
    await netnsRemove(sb1.info().netnsPath);
    await rtnl(t.host).linkDel(bridge);
    const group = (
      storeDb(ctl).prepare('SELECT group_id FROM link_groups WHERE network_id = ?').get(net.id) as { group_id: number }
    ).group_id;
    await rtnl(t.host).linkAdd({ kind: 'veth', name: 'stray0', group, peer: { name: 'stray1' } });
    const report = await ctl.recover();
    expect(report.join('\n')).toMatch(/forgot sandbox rec1/);
    expect(report.join('\n')).toMatch(/deleted orphan link stray0/);
    expect(report.join('\n')).toMatch(new RegExp(`recreated bridge ${bridge}`));
    expect(() => ctl.sandbox('rec1')).toThrow(/CNM_SANDBOX_NOT_FOUND/);
    const links = await hostLinks();
    expect(links).toContain(bridge);
    expect(links).not.toContain('stray0');
    // sb2's port is back on the recreated bridge.
    const [port] = await t.ip(['link', 'show', ep2.info().hostIfname as string]);
    expect(port?.master).toBe(bridge);
    expect(await ctl.recover()).toEqual([]);
    await sb2.delete();
    for (const ep of net.endpoints()) await ep.delete();
    await net.delete();
  });
});

describe('the store', () => {
  it('disconnect refuses to forget a failed leave; with force it leaves anyway and nothing stays', async () => {
    const net = await ctl.createNetwork({ name: 'brittle', ipam: { config: [{ subnet: '10.61.0.0/24' }] } });
    const sb = await ctl.createSandbox({ name: 'b1' });
    const ep = await net.connect(sb, { portBindings: [{ proto: 'tcp', hostPort: 8181, containerPort: 80 }] });
    const hostEnd = ep.info().hostIfname ?? '';
    const elements = () => run('nsenter', [`--net=${t.host.path}`, 'nft', 'list', 'map', 'inet', 'cnm', 'ports4any']);
    expect(await elements()).toContain('tcp . 8181 : 10.61.0.2 . 80');
    // A driver whose leave fails (as when the kernel refuses), the real one otherwise.
    ctl.registerDriver({
      ...bridgeDriver,
      async leave() {
        throw new CnmError('CNM_NOT_SUPPORTED', 'leave failed on purpose');
      },
    });
    try {
      const refused = await net.disconnect(sb).catch((e: unknown) => e);
      expect((refused as CnmError).code).toBe('CNM_NOT_SUPPORTED');
      expect(ep.info().sandboxId).toBe(sb.id);
      await net.disconnect(sb, { force: true });
    } finally {
      ctl.registerDriver(bridgeDriver);
    }
    expect(net.endpoints()).toEqual([]);
    expect((await t.ip(['link'])).map((l) => l.ifname)).not.toContain(hostEnd);
    expect(await elements()).not.toContain('8181');
    expect(storeDb(ctl).prepare('SELECT COUNT(*) AS n FROM intents').get()).toEqual({ n: 0 });
    expect(storeDb(ctl).prepare('SELECT COUNT(*) AS n FROM published_bindings').get()).toEqual({ n: 0 });
    await sb.delete();
    await net.delete();
  });

  it('a sandbox whose namespace vanished is still deleted, with the others', async () => {
    const net = await ctl.createNetwork({ name: 'vanish', ipam: { config: [{ subnet: '10.62.0.0/24' }] } });
    const gone = await ctl.createSandbox({ name: 'v1' });
    const kept = await ctl.createSandbox({ name: 'v2' });
    await net.connect(gone);
    await net.connect(kept);
    ctl.dropSandboxNamespace(gone.id)?.close();
    await netnsRemove(gone.info().netnsPath);
    await ctl.deleteSandboxes([gone, kept]);
    expect(ctl.sandboxes()).toEqual([]);
    expect(net.endpoints()).toEqual([]);
    expect(await t.ip(['link', 'show', 'type', 'veth'])).toEqual([]);
    await net.delete();
  });

  it('connectMany adopts namespaces that exist, and leaves them in place when the sandboxes go', async () => {
    const net = await ctl.createNetwork({ name: 'adopting', ipam: { config: [{ subnet: '10.63.0.0/24' }] } });
    const own = [await t.netns('own0'), await t.netns('own1')];
    const results = await net.connectMany([
      { sandboxName: 'a0', netnsPath: own[0]?.path as string },
      { sandboxName: 'a1', netnsPath: own[1]?.path as string, endpoint: { ipv4Address: '10.63.0.77' } },
      { sandboxName: 'a2', netnsPath: `${t.dir}/missing` },
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, true, false]);
    const addrs = await t.ip<{ ifname: string; addr_info: { local: string }[] }[]>(['addr', 'show', 'eth0'], own[1]);
    expect(addrs[0]?.addr_info.map((a) => a.local)).toContain('10.63.0.77');
    expect(ctl.sandbox('a0').info().owned).toBe(false);
    await ctl.deleteSandboxes(results.flatMap((r) => (r.ok ? [r.sandbox] : [])));
    // Left in place, without their interfaces; nothing of the failed item stays.
    for (const ns of own) expect((await t.ip(['link'], ns)).map((l) => l.ifname)).toEqual(['lo']);
    expect(net.endpoints()).toEqual([]);
    expect(await t.ip(['link', 'show', 'type', 'veth'])).toEqual([]);
    for (const ns of own) await netnsDelete(ns);
    await net.delete();
  });

  it('keeps networks across a reopen, and refuses another host namespace', async () => {
    const net = await ctl.createNetwork({ name: 'kept', labels: { team: 'a' } });
    const again = await NetworkController.open({ stateDir, hostNetns: t.host, netnsDir: t.dir });
    expect(again.network('kept').info()).toMatchObject({ id: net.id, labels: { team: 'a' }, driver: 'bridge' });
    expect(again.network(net.id.slice(0, 12)).id).toBe(net.id);
    await again.close();
    const elsewhere = await t.netns('elsewhere');
    const err = await NetworkController.open({ stateDir, hostNetns: elsewhere }).catch((e: unknown) => e);
    expect((err as CnmError).code).toBe('CNM_STORE_MISMATCH');
    await netnsDelete(elsewhere);
    await net.delete();
    expect(() => ctl.network('kept')).toThrow(/CNM_NETWORK_NOT_FOUND/);
  });
});

describe('connectMany', () => {
  it('attaches many sandboxes in one call; a bad item fails alone; the bridge limit is checked first', async () => {
    const net = await ctl.createNetwork({ name: 'many', ipam: { config: [{ subnet: '10.82.0.0/24' }] } });
    await ctl.createSandbox({ name: 'taken-name' });
    const specs = Array.from({ length: 41 }, (_, i) =>
      i === 7
        ? { sandboxName: 'taken-name' }
        : i === 40
          ? { sandboxName: 'twice' }
          : i === 39
            ? { sandboxName: 'twice' }
            : {},
    );
    const results = await net.connectMany(specs, { concurrency: 4 });
    expect(results.filter((r) => r.ok)).toHaveLength(39);
    expect((results[40] as { error: CnmError }).error.code).toBe('CNM_SANDBOX_EXISTS');
    const failed = results[7];
    expect(failed?.ok).toBe(false);
    expect((failed as { error: CnmError }).error.code).toBe('CNM_SANDBOX_EXISTS');
    const ok = results.flatMap((r) => (r.ok ? [r] : []));
    const addresses = ok.map((r) => r.endpoint.info().ipv4Address);
    expect(new Set(addresses).size).toBe(39);
    // Independent check: 39 ports on the bridge, and traffic between two of the new sandboxes.
    const bridge = `br-${net.id.slice(0, 12)}`;
    expect((await t.ip(['link', 'show', 'master', bridge])).length).toBe(39);
    const [a, b] = ok as [(typeof ok)[0], (typeof ok)[0]];
    const nsA = await netnsOpen(a.sandbox.info().netnsPath);
    const nsB = await netnsOpen(b.sandbox.info().netnsPath);
    const ipB = (b.endpoint.info().ipv4Address as string).split('/')[0] as string;
    const server = await echoSource(nsB, ipB, 80);
    try {
      expect(await ask(nsA, ipB, 80)).toBe((a.endpoint.info().ipv4Address as string).split('/')[0]);
    } finally {
      await closeAll([server]);
      nsA.close();
      nsB.close();
    }
    await expectRefused(() => net.connectMany(Array.from({ length: 1000 }, () => ({}))), 'CNM_BRIDGE_FULL');
    for (const sb of ctl.sandboxes()) await sb.delete();
    await net.delete();
  });
});
