// SPDX-License-Identifier: GPL-2.0-or-later
// What every way of doing the attach benchmark shares: the work (N
// namespaces, a veth each enslaved to one bridge, an address, a default
// route, links up and quiet), the addresses, and how a run is reported.
import { readdir } from 'node:fs/promises';
import { netnsCurrent } from '../../lib/kernel/netns';
import { rtnl } from '../../lib/kernel/rtnl';

// The work itself is the demo's too (lib/cli/demo/ip-batch.ts): one definition.
export {
  addressOf,
  BRIDGE,
  GATEWAY,
  GROUP,
  makeBridge,
  removeBridge,
  untilHostLinksGone,
} from '../../lib/cli/demo/ip-batch';

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
