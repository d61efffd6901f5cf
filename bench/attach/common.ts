// SPDX-License-Identifier: GPL-2.0-or-later
// What every way of doing the attach benchmark shares: the work (N
// namespaces, a veth each enslaved to one bridge, an address, a default
// route, links up and quiet), the addresses, and how a run is reported.
import { readdir } from 'node:fs/promises';
import { netnsCurrent } from '../../lib/kernel/netns';
import { rtnl } from '../../lib/kernel/rtnl';

/** The host-side veth ends of one run share this link group, so one request deletes them all. */
export const GROUP = 77;
export const BRIDGE = 'benchbr0';
export const GATEWAY = '10.88.0.1';

/** Endpoint i's address in 10.88.0.0/16 (the gateway is .0.1). */
export function addressOf(i: number): string {
  const n = i + 2;
  return `10.88.${n >> 8}.${n & 255}/16`;
}

/** One run of one way. Times in milliseconds. */
export interface Sample {
  /** Endpoints attached before the budget ran out (N when it did not). */
  readonly reached: number;
  /** Per endpoint, namespace creation included; per-chunk means where a way cannot time each one. */
  readonly attachMs: readonly number[];
  /** Per endpoint, namespace creation alone (where the way can tell). */
  readonly netnsMs?: readonly number[];
  /** The whole teardown, until the host-side links are gone. */
  readonly teardownMs: number;
}

export interface Way {
  readonly name: string;
  readonly describe: string;
  run(n: number, dir: string, budgetMs: number): Promise<Sample>;
}

/** Waits until no link of the bench group is left on the host (bounded). */
export async function untilHostLinksGone(timeoutMs = 60_000): Promise<void> {
  const host = rtnl(await netnsCurrent());
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = (await host.links()).filter((l) => l.group === GROUP || l.name.startsWith('vb'));
    if (left.length === 0) return;
    if (Date.now() > deadline) throw new Error(`teardown: ${left.length} host links still there after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** The bridge every way but the floor attaches to (the floor makes its own, the same way). */
export async function makeBridge(): Promise<number> {
  const host = rtnl(await netnsCurrent());
  await host.batch([
    { op: 'link.add', kind: 'bridge', name: BRIDGE },
    { op: 'link.set', dev: BRIDGE, addrGenMode: 'none' },
    { op: 'link.set', dev: BRIDGE, up: true },
  ]);
  const br = await host.link(BRIDGE);
  await host.addrAdd({ dev: br.index, address: `${GATEWAY}/16` });
  return br.index;
}

export async function removeBridge(): Promise<void> {
  await rtnl(await netnsCurrent()).linkDel(BRIDGE);
}

/**
 * Deleted namespaces are freed by the kernel asynchronously (cleanup_net)
 * after teardown returns; waiting a moment keeps one way's teardown from
 * slowing the next way's first endpoints.
 */
export function settle(ms = 2_000): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Fails loudly if a way left anything behind. */
export async function assertClean(dir: string, way: string): Promise<void> {
  const files = await readdir(dir);
  const links = (await rtnl(await netnsCurrent()).links()).filter((l) => l.name !== 'lo');
  if (files.length > 0 || links.length > 0) {
    throw new Error(`${way} left behind: ${[...files, ...links.map((l) => l.name)].join(', ')}`);
  }
}
