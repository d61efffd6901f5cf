// SPDX-License-Identifier: GPL-2.0-or-later
// The model on the store's ports, against the fake kernel, unprivileged:
// the store a network lives in is chosen by its driver's data scope, and
// two joins of one endpoint racing each other end with one join, not two
// (the record is compare-and-set; the loser's links are undone).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinDrivers } from '../../lib/drivers/registry';
import { NetworkController } from '../../lib/index';
import { restoreKernelBinding, useKernelBinding } from '../../lib/kernel/binding';
import { FakeKernel, FakeNetns } from '../../lib/kernel/fake/index';
import { rtnl } from '../../lib/kernel/rtnl';
import { storeDb } from '../helpers/store-db';

let done: (() => Promise<void>) | undefined;

afterEach(async () => {
  await done?.();
  done = undefined;
});

async function open() {
  const fake = new FakeKernel();
  useKernelBinding(fake, FakeNetns);
  const stateDir = mkdtempSync(join(tmpdir(), 'cnm-seams-'));
  const host = (await fake.netnsCreate('/cnm-fake-hosts', 'host')) as FakeNetns;
  const ctl = await NetworkController.open({
    stateDir,
    hostNetns: host.path,
    netnsDir: '/cnm-fake-netns',
    defaultBridge: false,
  });
  done = async () => {
    await ctl.close();
    await fake.netnsDelete(host);
    restoreKernelBinding();
    rmSync(stateDir, { recursive: true, force: true });
  };
  const hostLinks = () => fake.dump(host.path).links.map((l) => l.name);
  return { fake, ctl, host, hostLinks };
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
});
