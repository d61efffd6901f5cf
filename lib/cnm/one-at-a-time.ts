// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Work the agent runs on every change the cluster store's watch brings
 * (peers, released networks, lost hosts): never two runs of one kind at
 * once for one controller, and a burst of changes costs one run, not one
 * each — a call while a run is under way waits for the next run, which
 * every call made meanwhile shares and which reads the store as it is by
 * then.
 */
import type { NetworkController } from './controller';

interface Runs<T> {
  /** The run under way, if any. */
  current?: Promise<unknown>;
  /** The run that starts when the current one ends, shared by every call made meanwhile. */
  next?: Promise<T> | undefined;
}

/**
 * `work`, serialised per controller, with calls coalesced. A failed run
 * does not stop the next.
 *
 * @example
 * ```ts
 * export const syncPeers = oneAtATime(async (ctl) => { ... })
 * ```
 */
export function oneAtATime<T>(work: (ctl: NetworkController) => Promise<T>): (ctl: NetworkController) => Promise<T> {
  const runs = new WeakMap<NetworkController, Runs<T>>();
  return (ctl) => {
    let r = runs.get(ctl);
    if (!r) {
      r = {};
      runs.set(ctl, r);
    }
    const state = r;
    if (state.next) return state.next;
    const next = (state.current ?? Promise.resolve())
      .catch(() => {})
      .then(() => {
        // Started: calls from now on wait for the run after this one.
        state.next = undefined;
        const run = work(ctl);
        state.current = run;
        return run;
      });
    state.next = next;
    return next;
  };
}
