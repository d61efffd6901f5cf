// SPDX-License-Identifier: GPL-2.0-or-later
// The model suite: the CNM model through its public API only, checked against
// the kernel through a view independent of cnm. It runs twice: unprivileged
// against the fake kernel (test/unit/model-fake.test.ts) and as root against
// the real one (test/integration/model-real.test.ts).
import { describe, expect, it } from 'vitest';
import { CnmError, type Network, type NetworkController, PREDEFINED_NETWORKS } from '../../lib/index';
import { gatewaylessDriver } from '../helpers/gatewayless-driver';
import type { KernelView, ModelEnv, ModelFixture } from './kernel-view';

const BRIDGE = 'br-model';
const SUBNET = '10.77.0.0/24';
const GATEWAY = '10.77.0.1';

function bridgeNetwork(ctl: NetworkController, name = 'm-web', bridge = BRIDGE, subnet = SUBNET): Promise<Network> {
  return ctl.createNetwork({
    name,
    ipam: { config: [{ subnet }] },
    options: { 'com.docker.network.bridge.name': bridge },
  });
}

async function refused(run: () => Promise<unknown>, code: string): Promise<void> {
  const err = await run().catch((e: unknown) => e);
  expect(err, `expected ${code}`).toBeInstanceOf(CnmError);
  expect((err as CnmError).code).toBe(code);
}

async function names(view: KernelView, netns?: string): Promise<string[]> {
  return (await view.links(netns)).map((l) => l.name).sort();
}

const predefined = new Set(PREDEFINED_NETWORKS.map((n) => n.name));
const userNetworks = (ctl: NetworkController) => ctl.networks().filter((n) => !predefined.has(n.info().name));

// Every test ends with nothing of cnm left in the host: sandboxes, then the user's
// networks (the predefined ones stay, with no objects in the kernel).
async function cleanUp(f: ModelFixture): Promise<void> {
  try {
    await f.ctl.deleteSandboxes(f.ctl.sandboxes());
    for (const net of userNetworks(f.ctl)) await net.delete();
    await f.ctl.releasePredefined();
    expect(await names(f.view)).toEqual(['lo']);
    expect(f.ctl.networks().map((n) => n.info().name)).toEqual([...predefined]);
  } finally {
    await f.close();
  }
}

/** Registers the model tests against `env`. */
export function modelSuite(env: ModelEnv): void {
  async function withController(test: (f: ModelFixture) => Promise<void>): Promise<void> {
    const f = await env.open();
    try {
      await test(f);
    } finally {
      await cleanUp(f);
    }
  }

  describe(`the CNM model on ${env.name}`, () => {
    it('creates a bridge network: the bridge is up with the gateway address, and in the firewall', () =>
      withController(async ({ ctl, view }) => {
        const net = await bridgeNetwork(ctl);
        expect(net.info().ipam.config[0]).toMatchObject({ subnet: SUBNET, gateway: GATEWAY });
        const bridge = (await view.links()).find((l) => l.name === BRIDGE);
        expect(bridge).toMatchObject({ up: true, addrGenMode: 'none' });
        expect(await view.addrs4(undefined, BRIDGE)).toEqual([`${GATEWAY}/24`]);
        expect(await view.elements('bridges')).toEqual([BRIDGE]);
        await net.delete();
        expect(await names(view)).toEqual(['lo']);
        expect(await view.elements('bridges')).toEqual([]);
      }));

    it('gives a sandbox whose networks offer no gateway its way out on docker_gwbridge, with their ports, while it needs it', () =>
      withController(async ({ ctl, view }) => {
        ctl.registerDriver(gatewaylessDriver);
        const gwless = (name: string, subnet: string, internal = false) =>
          ctl.createNetwork({
            name,
            driver: 'gwless',
            internal,
            ipam: { config: [{ subnet }] },
            options: { 'com.docker.network.bridge.name': `br-${name}` },
          });
        const ov = await gwless('m-ov', '10.78.0.0/24');
        const sb = await ctl.createSandbox({ name: 'm-c1' });
        const path = sb.info().netnsPath;
        const ep = await ov.connect(sb, { portBindings: [{ proto: 'tcp', hostPort: 18080, containerPort: 80 }] });
        expect(ep.info()).toMatchObject({ ifname: 'eth0', published: [] });
        // Docker's docker_gwbridge, made at this first need: a bridge of its own, no traffic between its endpoints.
        const gw = ctl.network('docker_gwbridge');
        expect(gw.info()).toMatchObject({
          driver: 'bridge',
          scope: 'local',
          internal: false,
          options: {
            'com.docker.network.bridge.name': 'cnm_gwbridge',
            'com.docker.network.bridge.enable_icc': 'false',
            'com.docker.network.bridge.enable_ip_masquerade': 'true',
          },
        });
        const gateway = gw.info().ipam.config[0]?.gateway;
        const gwEndpoint = () => gw.endpoints().map((e) => e.info());
        expect(gwEndpoint()).toMatchObject([
          { name: `gateway_${sb.id.slice(0, 12)}`, ifname: 'eth1', sandboxId: sb.id },
        ]);
        const gwAddress = gwEndpoint()[0]?.ipv4Address?.split('/')[0];
        expect(await view.routes4(path)).toContain(`default via ${gateway}`);
        expect(await names(view)).toContain('cnm_gwbridge');
        // The ports asked on the gateway-less endpoint are published on the way in: the gateway endpoint.
        expect(await view.elements('ports4any')).toEqual([`tcp . 18080 : ${gwAddress} . 80`]);

        // A second such network, with a port of its own: published too, and taken back when it leaves.
        const ov2 = await gwless('m-ov2', '10.79.0.0/24');
        await ov2.connect(sb, { portBindings: [{ proto: 'tcp', hostPort: 18081, containerPort: 81 }] });
        expect(gwEndpoint()).toHaveLength(1);
        expect((await view.elements('ports4any')).sort()).toEqual([
          `tcp . 18080 : ${gwAddress} . 80`,
          `tcp . 18081 : ${gwAddress} . 81`,
        ]);
        await ov2.disconnect(sb);
        expect(await view.elements('ports4any')).toEqual([`tcp . 18080 : ${gwAddress} . 80`]);

        // An internal one needs no way out.
        const inner = await gwless('m-inner', '10.80.0.0/24', true);
        const lone = await ctl.createSandbox({ name: 'm-c2' });
        await inner.connect(lone);
        expect(gw.endpoints().filter((e) => e.info().sandboxId === lone.id)).toEqual([]);

        // A network that offers a gateway carries the sandbox out: the gateway endpoint goes (with its
        // ports), and comes back when that network leaves.
        const net = await bridgeNetwork(ctl);
        await net.connect(sb);
        expect(gwEndpoint()).toEqual([]);
        expect(await view.routes4(path)).toContain(`default via ${GATEWAY}`);
        expect(await view.elements('ports4any')).toEqual([]);
        await net.disconnect(sb);
        expect(gwEndpoint()).toMatchObject([{ sandboxId: sb.id }]);
        expect(await view.routes4(path)).toContain(`default via ${gateway}`);
        expect(await view.elements('ports4any')).toHaveLength(1);

        // Leaving the last gateway-less network takes the way out with it.
        await ov.disconnect(sb);
        expect(gwEndpoint()).toEqual([]);
        expect(await names(view, path)).toEqual(['lo']);
        expect(await view.elements('ports4any')).toEqual([]);
      }));

    it('settles a sandbox left without its way out by a crash between the two halves, on recover()', () =>
      withController(async ({ ctl }) => {
        ctl.registerDriver(gatewaylessDriver);
        const ov = await ctl.createNetwork({
          name: 'm-ov',
          driver: 'gwless',
          ipam: { config: [{ subnet: '10.78.0.0/24' }] },
          options: { 'com.docker.network.bridge.name': 'br-m-ov' },
        });
        const sb = await ctl.createSandbox({ name: 'm-c1' });
        // The join's first half alone, as a process killed right after it leaves it.
        await ov.attach(sb);
        expect(ctl.read.networks.byName('docker_gwbridge')).toBeUndefined();
        const report = await ctl.recover();
        expect(report).toContain('sandbox m-c1: connected it to docker_gwbridge, its way out');
        expect(ctl.network('docker_gwbridge').endpoints()).toHaveLength(1);
        expect(await ctl.recover()).toEqual([]);
      }));

    it('connects a sandbox: a finished veth, eth0 with its address and default route; disconnect takes it away', () =>
      withController(async ({ ctl, view }) => {
        const net = await bridgeNetwork(ctl);
        const sb = await ctl.createSandbox({ name: 'm-c1' });
        const path = sb.info().netnsPath;
        expect(view.exists(path)).toBe(true);
        expect(await names(view, path)).toEqual(['lo']);
        const ep = await net.connect(sb, { macAddress: '02:00:00:00:77:02' });
        const info = ep.info();
        expect(info).toMatchObject({ ipv4Address: '10.77.0.2/24', ifname: 'eth0' });
        const hostEnd = info.hostIfname as string;
        const port = (await view.links()).find((l) => l.name === hostEnd);
        expect(port).toMatchObject({ up: true, master: BRIDGE, hairpin: true, addrGenMode: 'none' });
        const eth0 = (await view.links(path)).find((l) => l.name === 'eth0');
        expect(eth0).toMatchObject({ up: true, address: '02:00:00:00:77:02', addrGenMode: 'none' });
        expect(await view.addrs4(path, 'eth0')).toEqual(['10.77.0.2/24']);
        expect(await view.routes4(path)).toContain(`default via ${GATEWAY}`);
        expect((await view.links(path)).find((l) => l.name === 'lo')?.up).toBe(true);

        await net.disconnect(sb);
        expect(await names(view)).toEqual([BRIDGE, 'lo']);
        expect(await names(view, path)).toEqual(['lo']);
        expect(net.endpoints()).toHaveLength(0);
        // The address is free again.
        const again = await net.connect(sb, { ipv4Address: '10.77.0.2' });
        expect(again.info().ipv4Address).toBe('10.77.0.2/24');
        expect(await view.addrs4(path, 'eth0')).toEqual(['10.77.0.2/24']);
      }));

    it('allocates addresses once each and releases them with their endpoints', () =>
      withController(async ({ ctl, view }) => {
        const net = await bridgeNetwork(ctl);
        const sbs = [];
        for (const n of [1, 2, 3]) sbs.push(await ctl.createSandbox({ name: `m-a${n}` }));
        const eps = [];
        for (const sb of sbs) eps.push(await net.connect(sb));
        const addresses = eps.map((e) => e.info().ipv4Address);
        expect(new Set(addresses).size).toBe(3);
        expect(addresses).not.toContain(`${GATEWAY}/24`);
        for (const [i, sb] of sbs.entries())
          expect(await view.addrs4(sb.info().netnsPath, 'eth0')).toEqual([addresses[i]]);
        const taken = (addresses[1] as string).split('/')[0] as string;
        const extra = await ctl.createSandbox({ name: 'm-a4' });
        await refused(() => net.connect(extra, { ipv4Address: taken }), 'CNM_ADDRESS_IN_USE');
        expect(await names(view, extra.info().netnsPath)).toEqual(['lo']);
        await net.disconnect(sbs[1] as (typeof sbs)[number]);
        const reused = await net.connect(extra, { ipv4Address: taken });
        expect(reused.info().ipv4Address).toBe(addresses[1]);
        expect(await view.addrs4(extra.info().netnsPath, 'eth0')).toEqual([addresses[1]]);
      }));

    it('publishes ports as map elements, and refuses a host port that is taken, leaving nothing', () =>
      withController(async ({ ctl, view }) => {
        const net = await bridgeNetwork(ctl);
        const sb1 = await ctl.createSandbox({ name: 'm-p1' });
        const sb2 = await ctl.createSandbox({ name: 'm-p2' });
        const ep1 = await net.connect(sb1, { portBindings: [{ proto: 'tcp', hostPort: 18080, containerPort: 80 }] });
        expect(ep1.info().published).toEqual([{ proto: 'tcp', hostPort: 18080, containerPort: 80 }]);
        expect(await view.elements('ports4any')).toEqual(['tcp . 18080 : 10.77.0.2 . 80']);
        const hostLinks = await names(view);
        // Published by another endpoint.
        await refused(
          () => net.connect(sb2, { portBindings: [{ proto: 'tcp', hostPort: 18080, containerPort: 8080 }] }),
          'CNM_PORT_IN_USE',
        );
        // Held by a process on the host.
        const release = await view.holdPort(18081);
        try {
          await refused(
            () => net.connect(sb2, { portBindings: [{ proto: 'tcp', hostPort: 18081, containerPort: 80 }] }),
            'CNM_PORT_IN_USE',
          );
        } finally {
          await release();
        }
        expect(await names(view)).toEqual(hostLinks);
        expect(await names(view, sb2.info().netnsPath)).toEqual(['lo']);
        expect(net.endpoints()).toHaveLength(1);
        expect(await view.elements('ports4any')).toEqual(['tcp . 18080 : 10.77.0.2 . 80']);
        // Once free, the port can be published; disconnecting takes the element away.
        const ep2 = await net.connect(sb2, { portBindings: [{ proto: 'udp', hostPort: 18081, containerPort: 53 }] });
        expect(await view.elements('ports4any')).toEqual(
          ['tcp . 18080 : 10.77.0.2 . 80', `udp . 18081 : ${ep2.info().ipv4Address?.split('/')[0]} . 53`].sort(),
        );
        await net.disconnect(sb1);
        await net.disconnect(sb2);
        expect(await view.elements('ports4any')).toEqual([]);
      }));

    it('refuses to delete a network while endpoints exist, and keeps it whole', () =>
      withController(async ({ ctl, view }) => {
        const net = await bridgeNetwork(ctl);
        const sb = await ctl.createSandbox({ name: 'm-d1' });
        const ep = await net.connect(sb);
        await refused(() => net.delete(), 'CNM_NETWORK_IN_USE');
        expect(await names(view)).toEqual([BRIDGE, ep.info().hostIfname, 'lo'].sort());
        expect(await view.elements('bridges')).toEqual([BRIDGE]);
        expect(userNetworks(ctl).map((n) => n.info().name)).toEqual(['m-web']);
      }));

    it('connectMany attaches 20 sandboxes, each with its own address, and deleteSandboxes takes them all away', () =>
      withController(async ({ ctl, view }) => {
        const net = await bridgeNetwork(ctl);
        const results = await net.connectMany(
          Array.from({ length: 20 }, (_, i) => ({ sandboxName: `m-many-${i}` })),
          { concurrency: 4 },
        );
        expect(results.filter((r) => !r.ok)).toEqual([]);
        const ok = results.flatMap((r) => (r.ok ? [r] : []));
        const addresses = ok.map((r) => r.endpoint.info().ipv4Address as string);
        expect(new Set(addresses).size).toBe(20);
        const ports = (await view.links()).filter((l) => l.master === BRIDGE);
        expect(ports.map((l) => l.name).sort()).toEqual(ok.map((r) => r.endpoint.info().hostIfname).sort());
        for (const r of ok) {
          const path = r.sandbox.info().netnsPath;
          expect(await view.addrs4(path, 'eth0')).toEqual([r.endpoint.info().ipv4Address]);
          expect(await view.routes4(path)).toContain(`default via ${GATEWAY}`);
        }
        const paths = ok.map((r) => r.sandbox.info().netnsPath);
        await ctl.deleteSandboxes(ok.map((r) => r.sandbox));
        expect(await names(view)).toEqual([BRIDGE, 'lo']);
        for (const path of paths) expect(view.exists(path)).toBe(false);
        expect(net.endpoints()).toHaveLength(0);
      }));

    it('deleting a sandbox removes its links on every network and its namespace', () =>
      withController(async ({ ctl, view }) => {
        const web = await bridgeNetwork(ctl);
        const db = await bridgeNetwork(ctl, 'm-db', 'br-model-db', '10.78.0.0/24');
        const sb = await ctl.createSandbox({ name: 'm-s1' });
        const path = sb.info().netnsPath;
        const e1 = await web.connect(sb);
        const e2 = await db.connect(sb);
        expect([e1.info().ifname, e2.info().ifname]).toEqual(['eth0', 'eth1']);
        expect(await names(view, path)).toEqual(['eth0', 'eth1', 'lo']);
        expect(await view.addrs4(path, 'eth1')).toEqual(['10.78.0.2/24']);
        await sb.delete();
        expect(await names(view)).toEqual(['br-model', 'br-model-db', 'lo']);
        expect(view.exists(path)).toBe(false);
        expect(web.endpoints()).toHaveLength(0);
        expect(db.endpoints()).toHaveLength(0);
        expect(ctl.sandboxes()).toHaveLength(0);
      }));

    it('recover() after links are deleted behind its back: the endpoint is disconnected, the bridge comes back', () =>
      withController(async ({ ctl, view }) => {
        const net = await bridgeNetwork(ctl);
        const sb1 = await ctl.createSandbox({ name: 'm-r1' });
        const sb2 = await ctl.createSandbox({ name: 'm-r2' });
        const ep1 = await net.connect(sb1);
        const ep2 = await net.connect(sb2);
        const info1 = ep1.info();
        const gone = info1.hostIfname as string;
        // The host end goes, and its peer with it.
        await view.deleteLink(gone);
        expect(await names(view, sb1.info().netnsPath)).toEqual(['lo']);
        const report = await ctl.recover();
        expect(report.some((line) => line.includes(gone) && line.includes('disconnected'))).toBe(true);
        expect(net.endpoints().map((e) => e.id)).toEqual([ep2.id]);
        // Its address is free again.
        const back = await net.connect(sb1, { ipv4Address: info1.ipv4Address?.split('/')[0] ?? '' });
        expect(back.info().ipv4Address).toBe(info1.ipv4Address);

        // The bridge goes: recover() makes it again and re-attaches the surviving ports.
        await view.deleteLink(BRIDGE);
        expect((await view.links()).find((l) => l.name === BRIDGE)).toBeUndefined();
        const again = await ctl.recover();
        expect(again.some((line) => line.includes(`recreated bridge ${BRIDGE}`))).toBe(true);
        const links = await view.links();
        expect(links.find((l) => l.name === BRIDGE)).toMatchObject({ up: true });
        expect(links.find((l) => l.name === ep2.info().hostIfname)).toMatchObject({ master: BRIDGE });
        expect(await view.addrs4(undefined, BRIDGE)).toEqual([`${GATEWAY}/24`]);
      }));
  });
}
