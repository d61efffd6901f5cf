// SPDX-License-Identifier: GPL-2.0-or-later
// The model on the store's ports, against the fake kernel, unprivileged:
// the store a network lives in is chosen by its driver's data scope, and
// two joins of one endpoint racing each other end with one join, not two
// (the record is compare-and-set; the loser's links are undone).
import { afterEach, describe, expect, it } from 'vitest';
import { builtinDrivers } from '../../lib/drivers/registry';
import { rtnl } from '../../lib/kernel/rtnl';
import { type FakeController, openFakeController } from '../helpers/fake-controller';
import { storeDb } from '../helpers/store-db';

let opened: FakeController | undefined;

afterEach(async () => {
  await opened?.close();
  opened = undefined;
});

async function open(): Promise<FakeController> {
  opened = await openFakeController();
  return opened;
}

describe('the store behind ports', () => {
  it("a global-scope driver's network is refused before anything is recorded: no cluster store yet", async () => {
    const { ctl, hostLinks } = await open();
    const bridge = builtinDrivers().find((d) => d.type === 'bridge');
    if (!bridge) throw new Error('no bridge driver');
    const before = hostLinks();
    ctl.registerDriver({
      ...bridge,
      type: 'cluster-test',
      capabilities: { ...bridge.capabilities, dataScope: 'global' },
    } as typeof bridge);
    await expect(ctl.createNetwork({ name: 'g', driver: 'cluster-test' })).rejects.toThrow(
      /CNM_NOT_SUPPORTED: a global-scope network needs a cluster store/,
    );
    expect(ctl.networks().map((n) => n.info().name)).toEqual(['host', 'none']);
    expect(hostLinks()).toEqual(before);
    expect(storeDb(ctl).prepare('SELECT COUNT(*) AS n FROM intents').get()).toEqual({ n: 0 });
  });

  it('two joins of one endpoint at once: one wins, the other fails with CNM_CONFLICT and is undone', async () => {
    const { fake, ctl, host } = await open();
    // macvlan: its links are made in each sandbox, named there, so nothing in the kernel
    // stops the second join; only the compare-and-set of the endpoint's record does.
    await rtnl(host).batch([{ op: 'link.add', kind: 'bridge', name: 'lan0', up: true }]);
    const net = await ctl.createNetwork({
      name: 'n',
      driver: 'macvlan',
      options: { parent: 'lan0' },
      ipam: { config: [{ subnet: '10.7.0.0/24' }] },
    });
    const ep = await net.createEndpoint({ name: 'e' });
    const a = await ctl.createSandbox({ name: 'a' });
    const b = await ctl.createSandbox({ name: 'b' });
    const outcomes = await Promise.allSettled([ep.join(a), ep.join(b)]);
    const lost = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as { code?: string }] : []));
    expect(lost.map((e) => e.code)).toEqual(['CNM_CONFLICT']);
    const [winner, loser] = outcomes[0]?.status === 'fulfilled' ? [a, b] : [b, a];
    expect(ep.info().sandboxId).toBe(winner.id);
    // The winner has its interface; the loser's was taken away again.
    expect(fake.dump(winner.info().netnsPath).links.map((l) => l.name)).toEqual(['lo', 'eth0']);
    expect(fake.dump(loser.info().netnsPath).links.map((l) => l.name)).toEqual(['lo']);
    expect(storeDb(ctl).prepare('SELECT COUNT(*) AS n FROM intents').get()).toEqual({ n: 0 });
    // Deleting the winner removes the endpoint with it (as removing a container does).
    await ctl.deleteSandboxes([a, b]);
    expect(net.endpoints()).toEqual([]);
    await net.delete();
  });

  it("recover() leaves alone a link that a live process's operation in flight names, and deletes a true orphan", async () => {
    const { ctl, host, hostLinks } = await open();
    const net = await ctl.createNetwork({ name: 'n', ipam: { config: [{ subnet: '10.8.0.0/24' }] } });
    const group = storeDb(ctl).prepare('SELECT group_id FROM link_groups WHERE network_id = ?').get(net.id) as {
      group_id: number;
    };
    // Two host ends in the network's link group that no endpoint owns: one named by a join
    // in flight in a live process (this one), the other nobody's.
    await rtnl(host).batch([
      { op: 'link.add', kind: 'veth', name: 'vinflight', group: group.group_id, peer: { name: 'vinflight-p' } },
      { op: 'link.add', kind: 'veth', name: 'vorphan', group: group.group_id, peer: { name: 'vorphan-p' } },
    ]);
    const intent = await ctl.intents.begin('endpoint.join', {
      endpoint: 'e',
      network: net.id,
      hostIfname: 'vinflight',
    });
    const report = await ctl.recover();
    expect(report).toContain('deleted orphan link vorphan');
    expect(hostLinks()).toContain('vinflight');
    expect(hostLinks()).not.toContain('vorphan');
    await ctl.intents.end(intent);
    // Its operation over (and nothing recorded it joined), the next recover() takes it.
    expect(await ctl.recover()).toContain('deleted orphan link vinflight');
    await net.delete();
  });

  it('recover() leaves the firewall as it is while a join publishing ports is in flight in a live process', async () => {
    const { fake, ctl, host } = await open();
    const net = await ctl.createNetwork({ name: 'n', ipam: { config: [{ subnet: '10.8.0.0/24' }] } });
    const ep = await net.createEndpoint({ name: 'e' });
    // What such a join has done before it records itself joined: its ports recorded, its
    // intent held, its forward programmed.
    await ctl.store.transact((tx) => tx.ports.add(ep.id, [{ proto: 'tcp', hostPort: 8080, containerPort: 80 }]));
    const intent = await ctl.intents.begin('endpoint.join', { endpoint: ep.id, network: net.id });
    const containerIp = (ep.info().ipv4Address ?? '').split('/')[0] ?? '';
    await ctl.ctx.firewall.addPortForwards([{ proto: 'tcp', hostPort: 8080, containerIp, containerPort: 80 }]);
    const tables = () => JSON.stringify(fake.dump(host.path).nft);
    const before = tables();
    const element = `"${containerIp}"`;
    expect(before).toContain(element);
    const report = await ctl.recover();
    expect(report.join('\n')).toMatch(/left the firewall ruleset as it is: 1 join\(s\) publishing ports are in flight/);
    expect(tables()).toBe(before);
    await ctl.intents.end(intent);
    // Over (and never recorded joined): now the rebuild runs, and the forward goes with it.
    expect((await ctl.recover()).join('\n')).not.toMatch(/left the firewall ruleset as it is/);
    expect(tables()).not.toContain(element);
    await ctl.store.transact((tx) => tx.ports.remove(ep.id));
    await ep.delete();
    await net.delete();
  });

  it('two joins of one sandbox at once: distinct interface names, and the default route where the store says', async () => {
    const { fake, ctl } = await open();
    const aaa = await ctl.createNetwork({ name: 'aaa', ipam: { config: [{ subnet: '10.11.0.0/24' }] } });
    const zzz = await ctl.createNetwork({ name: 'zzz', ipam: { config: [{ subnet: '10.12.0.0/24' }] } });
    const sb = await ctl.createSandbox({ name: 's' });
    // Neither join sees the other's endpoint when it chooses (neither is recorded yet), so
    // each takes the route; the one that records last puts it where the store's choice is:
    // aaa (equal priority, the name that sorts first).
    const [a] = await Promise.all([aaa.connect(sb), zzz.connect(sb)]);
    // Each chose its interface name in the transaction that recorded its intent: no clash.
    expect(
      sb
        .endpoints()
        .map((e) => e.info().ifname)
        .sort(),
    ).toEqual(['eth0', 'eth1']);
    const links = fake.dump(sb.info().netnsPath).links;
    const onA = links.find((l) => l.name === a.info().ifname)?.index;
    const defaults = fake.dump(sb.info().netnsPath).routes.filter((r) => r.dst === 'default');
    expect(defaults.map((r) => r.dev)).toEqual([onA]);
    expect(defaults.map((r) => r.gateway)).toEqual(['10.11.0.1']);
    await sb.delete();
    await zzz.delete();
    await aaa.delete();
  });
});
