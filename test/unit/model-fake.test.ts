// SPDX-License-Identifier: GPL-2.0-or-later
// The model suite (test/model/suite.ts) against the fake kernel: no root, no
// addon. Each test gets a fresh fake kernel, a host namespace in it and a
// state directory of its own. Two things the model reads from the machine
// itself are answered for the fake here (see docs/testing.md): the
// CAP_NET_ADMIN check of NetworkController.open reads /proc/self/status,
// and recover() asks the file system whether a sandbox's namespace file is
// still there.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { NetworkController } from '../../lib/index';
import { restoreKernelBinding, useKernelBinding } from '../../lib/kernel/binding';
import { FakeKernel, FakeNetns } from '../../lib/kernel/fake/index';
import type { KernelView, ModelEnv } from '../model/kernel-view';
import { modelSuite } from '../model/suite';

const machine = vi.hoisted(() => ({
  fake: undefined as { exists(path: string): boolean } | undefined,
  netnsDir: '',
}));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const readFileSync = ((...args: Parameters<typeof fs.readFileSync>) => {
    const text = Reflect.apply(fs.readFileSync, fs, args) as string | Buffer;
    // The fake kernel lets anyone administer its namespaces: CAP_NET_ADMIN (bit 12) is granted.
    if (machine.fake && args[0] === '/proc/self/status' && typeof text === 'string')
      return text.replace(/^CapEff:.*$/m, 'CapEff:\t0000000000001000');
    return text;
  }) as typeof fs.readFileSync;
  const existsSync = ((path: Parameters<typeof fs.existsSync>[0]) =>
    machine.fake && typeof path === 'string' && machine.netnsDir && path.startsWith(`${machine.netnsDir}/`)
      ? machine.fake.exists(path)
      : fs.existsSync(path)) as typeof fs.existsSync;
  const patched = { ...fs, readFileSync, existsSync };
  return { ...patched, default: patched };
});

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

const env: ModelEnv = {
  name: 'the fake kernel',
  async open() {
    const fake = new FakeKernel();
    useKernelBinding(fake, FakeNetns);
    const stateDir = mkdtempSync(join(tmpdir(), 'cnm-model-fake-'));
    const netnsDir = `/cnm-fake-netns-${process.pid}`;
    machine.fake = fake;
    machine.netnsDir = netnsDir;
    const host = await fake.netnsCreate('/cnm-fake-hosts', 'host');
    const ctl = await NetworkController.open({ stateDir, hostNetns: host.path, netnsDir });
    return {
      ctl,
      view: fakeView(fake, host.path),
      async close() {
        await ctl.close();
        await fake.netnsDelete(host);
        // The host held the bridges and the host ends: nothing may survive it.
        expect(fake.paths()).toEqual([]);
        expect(fake.namespaceCount()).toBe(1);
        machine.fake = undefined;
        restoreKernelBinding();
        rmSync(stateDir, { recursive: true, force: true });
      },
    };
  },
};

modelSuite(env);

describe('the fake run', () => {
  afterAll(() => restoreKernelBinding());

  it('never loaded the addon', () => {
    const loaded = Object.keys(createRequire(import.meta.url).cache).filter((f) => f.endsWith('.node'));
    expect(loaded.filter((f) => f.includes('cnm'))).toEqual([]);
  });
});
