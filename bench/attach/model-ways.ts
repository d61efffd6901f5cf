// SPDX-License-Identifier: GPL-2.0-or-later
// The attach work through the whole model (store, IPAM, driver): a loop of
// `net.connect` on new sandboxes, and `net.connectMany` in blocks of 100, on
// a bridge network; and the connect loop on a macvlan network (each
// endpoint a macvlan child made inside its sandbox, no host-side link).
// Teardown deletes every sandbox at once (its namespace frees its veth)
// until the host-side links are gone, then the network.
import { rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { NetworkController } from '../../lib/cnm/controller';
import type { Network } from '../../lib/cnm/network';
import type { Sandbox } from '../../lib/cnm/sandbox';
import type { NetworkCreateOptions } from '../../lib/cnm/types';
import { netnsCurrent } from '../../lib/kernel/netns';
import { rtnl } from '../../lib/kernel/rtnl';
import { type Sample, settle, untilHostLinksGone, type Way } from './common';

const WARM_UP = 50;

async function withController<T>(dir: string, run: (ctl: NetworkController) => Promise<T>): Promise<T> {
  const stateDir = `${dir}-state`;
  const ctl = await NetworkController.open({ stateDir, netnsDir: dir });
  try {
    return await run(ctl);
  } finally {
    await ctl.close();
    await rm(stateDir, { recursive: true, force: true });
  }
}

async function teardown(ctl: NetworkController, sandboxes: readonly Sandbox[]): Promise<number> {
  const t0 = performance.now();
  await ctl.deleteSandboxes(sandboxes);
  await untilHostLinksGone();
  return performance.now() - t0;
}

const NETWORK: NetworkCreateOptions = {
  name: 'bench',
  ipam: { config: [{ subnet: '10.88.0.0/16', gateway: '10.88.0.1' }] },
};

// macvlan's parent: one end of a veth pair in the host, up (the other end its "LAN").
const PARENT = 'mvparent0';
const MACVLAN: NetworkCreateOptions = { ...NETWORK, driver: 'macvlan', options: { parent: PARENT } };

async function withParent<T>(run: () => Promise<T>): Promise<T> {
  const host = rtnl(await netnsCurrent());
  await host.batch([
    { op: 'link.add', kind: 'veth', name: PARENT, peer: { name: 'mvparent1' } },
    { op: 'link.set', dev: PARENT, up: true },
    { op: 'link.set', dev: 'mvparent1', up: true },
  ]);
  try {
    return await run();
  } finally {
    await host.linkDel(PARENT);
  }
}

type Attach = (
  ctl: NetworkController,
  net: Network,
  count: number,
  budgetMs: number,
) => Promise<{ sandboxes: Sandbox[]; attachMs: number[] }>;

/** One way's run: a network, an untimed warm-up, the timed attach, the timed teardown. */
function modelRun(attach: Attach, network = NETWORK): Way['run'] {
  return (n, dir, budgetMs) =>
    withController(dir, async (ctl) => {
      const net = await ctl.createNetwork(network);
      await teardown(ctl, (await attach(ctl, net, Math.min(WARM_UP, n), budgetMs)).sandboxes);
      await settle();
      const { sandboxes, attachMs } = await attach(ctl, net, n, budgetMs);
      const teardownMs = await teardown(ctl, sandboxes);
      await net.delete();
      return { reached: attachMs.length, attachMs, teardownMs } satisfies Sample;
    });
}

/** createSandbox + net.connect per endpoint; `defaultSysctls` as the sandbox option (Docker's sysctls or not). */
function connectWay(defaultSysctls: boolean): Way {
  return {
    name: defaultSysctls ? 'cnm model connect' : 'cnm model connect, no sysctls',
    describe: `createSandbox + net.connect per endpoint (store, IPAM, bridge driver)${defaultSysctls ? '' : ', defaultSysctls: false'}`,
    run: modelRun(connectLoop(defaultSysctls)),
  };
}

/** The connect loop on a macvlan network over a veth parent. */
const macvlanWay: Way = {
  name: 'cnm model connect, macvlan',
  describe: 'createSandbox + net.connect per endpoint on a macvlan network (a child made in each sandbox)',
  run: (n, dir, budgetMs) => withParent(() => modelRun(connectLoop(true), MACVLAN)(n, dir, budgetMs)),
};

function connectLoop(defaultSysctls: boolean): Attach {
  return async (ctl, net, count, budgetMs) => {
    const sandboxes: Sandbox[] = [];
    const attachMs: number[] = [];
    const started = performance.now();
    for (let i = 0; i < count && performance.now() - started < budgetMs; i++) {
      const t0 = performance.now();
      const sb = await ctl.createSandbox({ defaultSysctls });
      await net.connect(sb);
      attachMs.push(performance.now() - t0);
      sandboxes.push(sb);
    }
    return { sandboxes, attachMs };
  };
}

/** net.connectMany in blocks of 100; `defaultSysctls` as its option. */
function connectManyWay(defaultSysctls: boolean): Way {
  return {
    name: defaultSysctls ? 'cnm model connectMany' : 'cnm model connectMany, no sysctls',
    describe: `net.connectMany per block of 100 (one transaction, one crossing per sandbox, 4 at a time)${defaultSysctls ? '' : ', defaultSysctls: false'}`,
    run: modelRun(async (_ctl, net, count, budgetMs) => {
      const sandboxes: Sandbox[] = [];
      const attachMs: number[] = [];
      const started = performance.now();
      for (let from = 0; from < count && performance.now() - started < budgetMs; from += 100) {
        const size = Math.min(100, count - from);
        const t0 = performance.now();
        const results = await net.connectMany(
          Array.from({ length: size }, () => ({})),
          { concurrency: 4, defaultSysctls },
        );
        const each = (performance.now() - t0) / size;
        for (const r of results) {
          if (!r.ok) throw r.error;
          sandboxes.push(r.sandbox);
          attachMs.push(each);
        }
      }
      return { sandboxes, attachMs };
    }),
  };
}

/** As a runtime uses it: every new sandbox gets Docker's network sysctls. */
export const modelWay: Way = connectWay(true);
export const modelManyWay: Way = connectManyWay(true);
/** The same without them (`defaultSysctls: false`): what those two /proc/sys writes per namespace cost. */
export const modelPlainWay: Way = connectWay(false);
export const modelManyPlainWay: Way = connectManyWay(false);
export { macvlanWay as modelMacvlanWay };
