// SPDX-License-Identifier: GPL-2.0-or-later
// The attach work through cnm's kernel layer: per endpoint one crossing into
// the addon — a sequence that creates the namespace, then runs two
// pipelined transactions (host side, sandbox side) on cached sockets.
import { performance } from 'node:perf_hooks';
import type { Netns } from '../../lib/kernel/binding';
import { netnsCurrent, netnsDelete, netnsPending, setSocketCacheLimit } from '../../lib/kernel/netns';
import { rtnl, rtnlSequenceOrThrow } from '../../lib/kernel/rtnl';
import {
  addressOf,
  GATEWAY,
  GROUP,
  makeBridge,
  removeBridge,
  type Sample,
  settle,
  untilHostLinksGone,
  type Way,
} from './common';

/** Attaches endpoints one by one until `n` or the budget; resolves with their times and namespaces. */
async function attachAll(
  hostNs: Netns,
  bridge: number,
  n: number,
  dir: string,
  budgetMs: number,
): Promise<{ attachMs: number[]; namespaces: Netns[] }> {
  const attachMs: number[] = [];
  const namespaces: Netns[] = [];
  const started = performance.now();
  for (let i = 0; i < n && performance.now() - started < budgetMs; i++) {
    const t0 = performance.now();
    const ns = netnsPending(`kb${i}`, { dir });
    const [[created]] = (await rtnlSequenceOrThrow([
      { create: ns },
      {
        netns: hostNs,
        ops: [
          {
            op: 'link.add',
            kind: 'veth',
            name: `vb${i}`,
            master: bridge,
            group: GROUP,
            peer: { name: 'eth0', netns: ns },
          },
          { op: 'link.set', dev: `vb${i}`, addrGenMode: 'none' },
          { op: 'link.set', dev: `vb${i}`, up: true },
        ],
      },
      {
        // In a fresh namespace the peer is ifindex 2.
        netns: ns,
        ops: [
          { op: 'link.set', dev: 2, addrGenMode: 'none' },
          { op: 'link.set', dev: 1, up: true },
          { op: 'link.set', dev: 2, up: true },
          { op: 'addr.add', dev: 2, address: addressOf(i) },
          { op: 'route.add', gateway: GATEWAY, dev: 2 },
        ],
      },
    ])) as [[Netns]];
    namespaces.push(created);
    attachMs.push(performance.now() - t0);
  }
  return { attachMs, namespaces };
}

/** Host ends by group, then the namespaces; done when the host-side links are gone. */
async function teardown(hostNs: Netns, namespaces: readonly Netns[]): Promise<number> {
  const t0 = performance.now();
  await rtnl(hostNs).linkDelGroup(GROUP);
  await Promise.all(namespaces.map((ns) => netnsDelete(ns)));
  await untilHostLinksGone();
  return performance.now() - t0;
}

/** Endpoints attached and torn down untimed first, so V8 has compiled the path (the floor is compiled C). */
const WARM_UP = 50;

export const kernelWay: Way = {
  name: 'cnm lib/kernel',
  describe: 'one rtnlSequence per endpoint: create namespace, host batch, namespace batch',
  async run(n, dir, budgetMs) {
    setSocketCacheLimit(Math.max(1024, n + 16));
    const hostNs = await netnsCurrent();
    const bridge = await makeBridge();
    const warm = await attachAll(hostNs, bridge, Math.min(WARM_UP, n), dir, budgetMs);
    await teardown(hostNs, warm.namespaces);
    await settle();
    const { attachMs, namespaces } = await attachAll(hostNs, bridge, n, dir, budgetMs);
    const teardownMs = await teardown(hostNs, namespaces);
    await removeBridge();
    return { reached: attachMs.length, attachMs, teardownMs } satisfies Sample;
  },
};
