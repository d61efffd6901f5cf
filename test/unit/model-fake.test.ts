// SPDX-License-Identifier: GPL-2.0-or-later
// The model suite (test/model/suite.ts) against the fake kernel: no root, no
// addon. Each test gets a fresh fake kernel, a host namespace in it and a
// state directory of its own. Nothing is mocked: everything the model asks
// of the machine (namespaces, links, the firewall, whether it may
// administer networking at all) goes through the kernel binding.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryStore } from '../../lib/cnm/store/kv/kv-store';
import type { Store } from '../../lib/cnm/store/ports';
import { NetworkController } from '../../lib/index';
import { restoreKernelBinding, useKernelBinding } from '../../lib/kernel/binding';
import { FakeKernel, FakeNetns } from '../../lib/kernel/fake/index';
import type { KernelView, ModelEnv } from '../model/kernel-view';
import { modelSuite } from '../model/suite';

function fakeView(fake: FakeKernel, hostPath: string): KernelView {
  const at = (netns?: string) => fake.dump(netns ?? hostPath);
  return {
    async links(netns) {
      const links = at(netns).links;
      const byIndex = new Map(links.map((l) => [l.index, l.name]));
      return links.map((l) => ({
        name: l.name,
        up: l.up,
        mtu: l.mtu,
        ...(l.address ? { address: l.address } : {}),
        ...(l.master !== undefined ? { master: byIndex.get(l.master) as string } : {}),
        ...(l.addrGenMode ? { addrGenMode: l.addrGenMode } : {}),
        ...(l.bridgePort ? { hairpin: l.bridgePort.hairpin } : {}),
      }));
    },
    async addrs4(netns, ifname) {
      const dump = at(netns);
      const index = dump.links.find((l) => l.name === ifname)?.index;
      return dump.addrs.filter((a) => a.family === 4 && a.index === index).map((a) => `${a.address}/${a.prefixlen}`);
    },
    async routes4(netns) {
      return at(netns)
        .routes.filter((r) => r.family === 4 && r.table === 254)
        .map((r) => (r.gateway ? `${r.dst} via ${r.gateway}` : r.dst));
    },
    async elements(set) {
      const table = at().nft.tables.find((t) => t.family === 'inet' && t.name === 'cnm');
      const found = table?.sets.find((s) => s.name === set);
      return (found?.elements ?? [])
        .map((e) => `${e.key.join(' . ')}${e.data ? ` : ${e.data.join(' . ')}` : ''}`)
        .sort();
    },
    exists: (path) => fake.exists(path),
    async deleteLink(name) {
      const host = await fake.netnsOpen(hostPath);
      try {
        const [result] = await fake.rtnlBatch(host, [{ op: 'link.del', dev: name }]);
        if (result instanceof Error) throw result;
      } finally {
        host.close();
      }
    },
    async holdPort(port) {
      fake.holdPort(hostPath, 'tcp', port);
      return async () => fake.releasePort(hostPath, 'tcp', port);
    },
  };
}

const onStore = (name: string, store?: () => Store): ModelEnv => ({
  name,
  async open() {
    const fake = new FakeKernel();
    useKernelBinding(fake, FakeNetns);
    const stateDir = mkdtempSync(join(tmpdir(), 'cnm-model-fake-'));
    const netnsDir = `/cnm-fake-netns-${process.pid}`;
    const host = await fake.netnsCreate('/cnm-fake-hosts', 'host');
    const ctl = await NetworkController.open({
      stateDir,
      hostNetns: host.path,
      netnsDir,
      ...(store ? { store: store() } : {}),
    });
    return {
      ctl,
      view: fakeView(fake, host.path),
      async close() {
        await ctl.close();
        await fake.netnsDelete(host);
        // The host held the bridges and the host ends: nothing may survive it.
        expect(fake.paths()).toEqual([]);
        expect(fake.namespaceCount()).toBe(1);
        restoreKernelBinding();
        rmSync(stateDir, { recursive: true, force: true });
      },
    };
  },
});

modelSuite(onStore('the fake kernel'));
// The same model on the repositories over keys the cluster store (etcd) is built on.
modelSuite(onStore('the fake kernel, records in the in-memory key store', () => memoryStore()));

describe('the fake run', () => {
  afterAll(() => restoreKernelBinding());

  it('never loaded the addon', () => {
    const loaded = Object.keys(createRequire(import.meta.url).cache).filter((f) => f.endsWith('.node'));
    expect(loaded.filter((f) => f.includes('cnm'))).toEqual([]);
  });
});
