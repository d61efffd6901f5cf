// SPDX-License-Identifier: GPL-2.0-or-later
// What every system in the peer benchmark is given and must do. Namespaces
// are made beforehand, the same way for every system (and timed on their
// own); a system attaches endpoint i into namespace i on one bridge network
// (10.88.0.0/16), then detaches them. Everything runs in the benchmark's
// private network namespace, which is wiped between rows.
import { addressOf, GATEWAY } from '../attach/common';

export { addressOf, GATEWAY };

export const SUBNET = '10.88.0.0/16';

/** The namespaces of one row: `pb0`, `pb1`, … in /run/netns (so `ip -n` finds them too). */
export interface RowNamespaces {
  readonly names: readonly string[];
  readonly paths: readonly string[];
  /** One more namespace for untimed work that is not per endpoint (a first ADD that makes the bridge). */
  readonly anchor: string;
}

/** One system's run over N premade namespaces. */
export interface PeerRun {
  /** Attaches endpoints [from, to): one at a time unless the system has a `block` size. Timed. */
  attach(from: number, to: number): Promise<void>;
  /** Detaches endpoint i (timed one by one unless `detachAll` exists). */
  detach?(i: number): Promise<void>;
  /** Detaches the first `count` endpoints at once. */
  detachAll?(count: number): Promise<void>;
  /** Untimed: whatever is left of this run goes (the runner then wipes the namespace anyway). */
  close(): Promise<void>;
  /**
   * For a system that makes its own sandboxes beforehand (Docker's
   * containers): how many it made within the budget, and how long each took.
   */
  readonly prepared?: { readonly count: number; readonly ms: readonly number[] };
}

export interface PeerSystem {
  readonly name: string;
  readonly describe: string;
  /** Why it cannot run on this machine, or undefined when it can (no check: it always can). */
  unavailable?(): Promise<string | undefined>;
  /** Untimed set-up of one run (the network, state directories), within `budgetMs` where it can take long. */
  open(ns: RowNamespaces, tmp: string, budgetMs: number): Promise<PeerRun>;
  /** Attach this many at once (a system that batches); 1 otherwise. */
  readonly block?: number;
  /** After `close()` no link may be left (checked; a leak is reported with the row). */
  readonly leavesNothing?: boolean;
}

/**
 * A system that creates its own namespaces and times them itself (the C
 * floor): it reports attach and namespace times per endpoint, and the
 * runner subtracts the second from the first.
 */
export interface SelfTimedSystem {
  readonly name: string;
  readonly describe: string;
  unavailable?(): Promise<string | undefined>;
  run(n: number, dir: string, budgetMs: number): Promise<{ attachMs: number[]; netnsMs: number[]; detachMs: number }>;
}
