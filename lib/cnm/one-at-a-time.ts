// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Work the agent runs on every change the cluster store's watch brings
 * (peers, released networks, lost hosts): never two runs of one kind at
 * once for one controller — the next waits for the one running, then reads
 * the store as it is by then.
 */
import type { NetworkController } from './controller';

/**
 * `work`, serialised per controller. A failed run does not stop the next.
 *
 * @example
 * ```ts
 * export const syncPeers = oneAtATime(async (ctl) => { ... })
 * ```
 */
export function oneAtATime<T>(work: (ctl: NetworkController) => Promise<T>): (ctl: NetworkController) => Promise<T> {
  const running = new WeakMap<NetworkController, Promise<unknown>>();
  return (ctl) => {
    const next = (running.get(ctl) ?? Promise.resolve()).then(() => work(ctl));
    running.set(
      ctl,
      next.catch(() => {}),
    );
    return next;
  };
}
