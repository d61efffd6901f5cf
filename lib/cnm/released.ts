// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * A global network deleted from another host: its record is gone from the
 * cluster store, but this host still has its objects (made at its first
 * join here). They are taken away here — by the agent as the store's watch
 * brings the deletion, and by recover().
 */
import type { NetworkController } from './controller';
import { oneAtATime } from './one-at-a-time';

/**
 * Takes away this host's objects of global networks the cluster store no
 * longer has; returns a line per network released. One that fails is kept
 * (and said), to be tried again. One run at a time per controller.
 *
 * @example
 * ```ts
 * await releaseGoneNetworks(ctl)   // ['released this host's objects of overlay network ov (deleted from the cluster)']
 * ```
 */
export const releaseGoneNetworks: (ctl: NetworkController) => Promise<string[]> = oneAtATime(release);

async function release(ctl: NetworkController): Promise<string[]> {
  const cluster = ctl.cluster;
  if (!cluster || !ctl.store.open) return [];
  const done: string[] = [];
  for (const mine of ctl.store.read.hostNetworks.list()) {
    if (cluster.read.networks.get(mine.networkId)) continue;
    const net = mine.network;
    if (mine.made && net) {
      try {
        const driver = ctl.driver(net.driver);
        await driver.deleteNetwork(ctl.ctx, { ...ctl.driverNetwork(net), state: mine.driverState }, []);
      } catch (error) {
        done.push(`could not release this host's objects of network ${net.name}: ${(error as Error).message}`);
        continue;
      }
    }
    await ctl.store.transact((tx) => tx.hostNetworks.remove(mine.networkId));
    if (net) done.push(`released this host's objects of ${net.driver} network ${net.name} (deleted from the cluster)`);
  }
  return done;
}
