// SPDX-License-Identifier: GPL-2.0-or-later
// cnm in the peer benchmark: the model's `net.connect` on sandboxes that
// adopt the premade namespaces (what a runtime does with a container's
// namespace), and the C floor, which makes its own namespaces and times them.
import { rm } from 'node:fs/promises';
import { NetworkController } from '../../lib/cnm/controller';
import type { Sandbox } from '../../lib/cnm/sandbox';
import { floorWay } from '../attach/floor-way';
import { GATEWAY, type PeerSystem, type SelfTimedSystem, SUBNET } from './system';

const WARM_UP = 30;

/**
 * One run's controller and network, warmed up untimed in namespaces of
 * cnm's own (V8 compiles the hot paths; they are gone before the timing
 * starts), and how to take it all down.
 */
async function openCnm(tmp: string) {
  const stateDir = `${tmp}/cnm-state`;
  const ctl = await NetworkController.open({ stateDir, netnsDir: `${tmp}/cnm-netns` });
  const net = await ctl.createNetwork({ name: 'bench', ipam: { config: [{ subnet: SUBNET, gateway: GATEWAY }] } });
  const warm = await net.connectMany(Array.from({ length: WARM_UP }, () => ({})));
  await ctl.deleteSandboxes(warm.flatMap((w) => (w.ok ? [w.sandbox] : [])));
  return {
    ctl,
    net,
    // Adopted namespaces stay (the runner deletes them); their rows go.
    async close(sandboxes: readonly Sandbox[]) {
      await ctl.deleteSandboxes(sandboxes);
      await net.delete();
      await ctl.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

export const cnmConnectSystem: PeerSystem = {
  name: 'cnm (net.connect)',
  leavesNothing: true,
  describe: 'createSandbox({ netnsPath }) + net.connect per endpoint: store, IPAM, intents, bridge driver, firewall',
  async open(ns, tmp) {
    const { ctl, net, close } = await openCnm(tmp);
    const sandboxes: Sandbox[] = [];
    return {
      async attach(i) {
        const sb = await ctl.createSandbox({ name: `pb${i}`, netnsPath: ns.paths[i] as string });
        await net.connect(sb);
        sandboxes.push(sb);
      },
      async detach(i) {
        await net.disconnect(sandboxes[i] as Sandbox);
      },
      close: () => close(sandboxes),
    };
  },
};

export const cnmManySystem: PeerSystem = {
  name: 'cnm (net.connectMany)',
  describe: 'net.connectMany per 100 endpoints, each adopting its premade namespace (4 at a time)',
  block: 100,
  leavesNothing: true,
  async open(ns, tmp) {
    const { ctl, net, close } = await openCnm(tmp);
    const sandboxes: Sandbox[] = [];
    return {
      async attach(from, to) {
        const specs = Array.from({ length: to - from }, (_, k) => ({
          sandboxName: `pb${from + k}`,
          netnsPath: ns.paths[from + k] as string,
        }));
        for (const r of await net.connectMany(specs)) {
          if (!r.ok) throw r.error;
          sandboxes.push(r.sandbox);
        }
      },
      async detachAll() {
        await ctl.deleteSandboxes(sandboxes.splice(0));
      },
      close: () => close(sandboxes),
    };
  },
};

export const floorSystem: SelfTimedSystem = {
  name: 'floor (C)',
  describe: 'bench/floor: raw netlink, pipelined, one process; makes and times its own namespaces',
  async run(n, dir, budgetMs) {
    const s = await floorWay.run(n, dir, budgetMs);
    return { attachMs: [...s.attachMs], netnsMs: [...(s.netnsMs ?? [])], detachMs: s.teardownMs };
  },
};
