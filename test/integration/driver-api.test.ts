// SPDX-License-Identifier: GPL-2.0-or-later
// Driver API v2 as users meet it: recover asks the driver to repair its own
// objects (an enable_icc=false bridge deleted behind cnm's back comes back
// isolated), the model chooses and moves the sandbox's default route across
// its networks, and ports asked for on an internal network are not published.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetworkController } from '../../lib/cnm/controller';
import { netnsOpen } from '../../lib/kernel/netns';
import { useTestHost } from '../helpers/host';
import { ipJson, run } from '../helpers/run';
import { closeAll, echoSource, reach } from '../helpers/traffic';

const t = useTestHost(import.meta.url);
const stateDir = `/run/cnm-state-driver-api-${process.pid}`;
let ctl: NetworkController;

beforeAll(async () => {
  ctl = await NetworkController.open({ stateDir, hostNetns: t.host, netnsDir: t.dir });
});

afterAll(async () => {
  await ctl.close();
  await rm(stateDir, { recursive: true, force: true });
});

const ip = (cidr: string | undefined) => (cidr ?? '').split('/')[0] as string;

type Route = { dst: string; gateway?: string; dev?: string };
const defaults = async (path: string, family: '-4' | '-6' = '-4') =>
  (await ipJson<Route[]>(path, [family, 'route'])).filter((r) => r.dst === 'default');

describe('recover() and the driver', () => {
  it('an enable_icc=false bridge deleted behind cnm is made again isolated; sandboxes still reach the gateway', async () => {
    const net = await ctl.createNetwork({
      name: 'noicc',
      ipam: { config: [{ subnet: '10.93.1.0/24' }] },
      options: { 'com.docker.network.bridge.enable_icc': 'false' },
    });
    const [a, b] = [await ctl.createSandbox({ name: 'icc-a' }), await ctl.createSandbox({ name: 'icc-b' })];
    const [ea, eb] = [await net.connect(a), await net.connect(b)];
    const bridge = `br-${net.id.slice(0, 12)}`;
    await run('nsenter', [`--net=${t.host.path}`, 'ip', 'link', 'del', bridge]);
    const report = await ctl.recover();
    expect(report.join('\n')).toContain(`recreated bridge ${bridge}`);
    // Independent: the bridge is back, both ports enslaved to it and isolated.
    for (const e of [ea, eb]) {
      const [port] = await t.ip(['-d', 'link', 'show', e.info().hostIfname as string]);
      expect(port?.master).toBe(bridge);
      expect(port?.linkinfo?.info_slave_data).toMatchObject({ isolated: true, hairpin: true });
    }
    const [nsA, nsB] = [await netnsOpen(a.info().netnsPath), await netnsOpen(b.info().netnsPath)];
    const servers = [await echoSource(nsB, ip(eb.info().ipv4Address), 80), await echoSource(t.host, '10.93.1.1', 81)];
    try {
      // The control first: the gateway answers, so a blocked neighbour is isolation, not a dead link.
      expect(await reach(nsA, '10.93.1.1', 81), 'a -> gateway').toBe('connected');
      expect(await reach(nsB, '10.93.1.1', 81), 'b -> gateway').toBe('connected');
      expect(await reach(nsA, ip(eb.info().ipv4Address), 80), 'a -> b, isolated').toBe('ETIMEDOUT');
    } finally {
      await closeAll(servers);
      nsA.close();
      nsB.close();
    }
    await ctl.deleteSandboxes([a, b]);
    await net.delete();
  });
});

describe('the default route, chosen by the model', () => {
  it('moves to the remaining network when its carrier leaves; an internal network never carries it; priority wins', async () => {
    const zzz = await ctl.createNetwork({ name: 'n-zzz', ipam: { config: [{ subnet: '10.93.2.0/24' }] } });
    const aaa = await ctl.createNetwork({ name: 'n-aaa', ipam: { config: [{ subnet: '10.93.3.0/24' }] } });
    const internal = await ctl.createNetwork({
      name: 'n-000',
      internal: true,
      ipam: { config: [{ subnet: '10.93.4.0/24' }] },
    });
    const sb = await ctl.createSandbox({ name: 'gw-sb' });
    const path = sb.info().netnsPath;
    await zzz.connect(sb);
    expect(await defaults(path)).toEqual([expect.objectContaining({ gateway: '10.93.2.1', dev: 'eth0' })]);
    // Same priority: the network whose name sorts first carries it, as in Docker.
    await aaa.connect(sb);
    expect(await defaults(path)).toEqual([expect.objectContaining({ gateway: '10.93.3.1', dev: 'eth1' })]);
    // An internal network offers no way out, whatever its name.
    await internal.connect(sb);
    expect(await defaults(path)).toEqual([expect.objectContaining({ gateway: '10.93.3.1', dev: 'eth1' })]);
    // The carrier leaves: the next in line (n-zzz; never the internal one) takes it.
    await aaa.disconnect(sb);
    expect(await defaults(path)).toEqual([expect.objectContaining({ gateway: '10.93.2.1', dev: 'eth0' })]);
    // A higher priority wins over the name.
    await aaa.connect(sb, { priority: 5 });
    expect(await defaults(path)).toEqual([expect.objectContaining({ gateway: '10.93.3.1' })]);
    await aaa.disconnect(sb);
    await zzz.disconnect(sb);
    // Only the internal network is left: no default route at all.
    expect(await defaults(path)).toEqual([]);
    await sb.delete();
    for (const n of [zzz, aaa, internal]) await n.delete();
  });
});

describe('ports on an internal network', () => {
  it('are not published, and the endpoint says so', async () => {
    const net = await ctl.createNetwork({
      name: 'inner',
      internal: true,
      ipam: { config: [{ subnet: '10.93.5.0/24' }] },
    });
    const sb = await ctl.createSandbox({ name: 'inner-sb' });
    const ep = await net.connect(sb, { portBindings: [{ proto: 'tcp', hostPort: 18080, containerPort: 80 }] });
    expect(ep.info().published).toEqual([]);
    expect(ep.info().warnings).toEqual(['1 published port(s) ignored: network inner is internal']);
    const dump = JSON.parse(
      await run('nsenter', [`--net=${t.host.path}`, 'nft', '-j', 'list', 'map', 'inet', 'cnm', 'ports4any']),
    ) as {
      nftables: { map?: { elem?: unknown[] } }[];
    };
    expect(dump.nftables.flatMap((x) => x.map?.elem ?? [])).toEqual([]);
    await expect(ep.publish([{ proto: 'tcp', hostPort: 18081, containerPort: 80 }])).rejects.toMatchObject({
      code: 'CNM_INVALID_CONFIG',
    });
    await sb.delete();
    await net.delete();
  });
});
