// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Intents: before an operation touches the kernel it records what it is
 * about to do and who is doing it (pid, process start time, boot id). When
 * it has finished, the record goes. A record whose owner is dead marks work
 * that a crash interrupted, for the next controller to finish or undo.
 */
import { readFileSync } from 'node:fs';
import type { Store, StoreReads, StoreTx } from './store/ports';

export interface Owner {
  readonly pid: number;
  /** Field 22 of /proc/PID/stat: tells a reused pid from the original process. */
  readonly startTime: string;
  readonly bootId: string;
}

/**
 * What an intent is about. Each names one operation as a user sees it, so
 * that repairing it finishes or undoes the whole operation:
 * - undone: `network.create`, `sandbox.create`, `endpoint.create`,
 *   `endpoint.join`, `endpoint.publish`, `network.connect` (the endpoint and,
 *   for connectMany, the namespace made for it), `network.make` (a
 *   predefined network's driver objects, made before its first join or
 *   being released: whatever of them exists goes, the network stays,
 *   not made yet);
 * - finished: `network.delete`, `sandbox.delete`, `endpoint.leave`,
 *   `endpoint.unpublish`, `network.disconnect`.
 */
export type IntentOp =
  | 'network.create'
  | 'network.make'
  | 'network.delete'
  | 'network.connect'
  | 'network.disconnect'
  | 'sandbox.create'
  | 'sandbox.delete'
  | 'endpoint.create'
  | 'endpoint.join'
  | 'endpoint.publish'
  | 'endpoint.unpublish'
  | 'endpoint.leave';

/** A JSON value, as an intent's subject holds them. */
export type SubjectValue =
  | string
  | number
  | boolean
  | null
  | readonly SubjectValue[]
  | { readonly [k: string]: SubjectValue };

export interface Intent {
  readonly id: number;
  readonly op: IntentOp;
  readonly subject: Readonly<Record<string, SubjectValue>>;
  readonly owner: Owner;
}

function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function bootId(): string {
  return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
}

/** This process, as an owner. */
export function currentOwner(): Owner {
  return { pid: process.pid, startTime: startTimeOf(process.pid) ?? '', bootId: bootId() };
}

/** Whether the process that recorded an intent still runs (same boot, same pid, same start). */
export function ownerAlive(o: Owner): boolean {
  if (o.bootId !== bootId()) return false;
  const start = startTimeOf(o.pid);
  return start !== undefined && start === o.startTime;
}

/**
 * Recording intents in the store: inside a transaction the caller holds
 * (`record`, `amend`, `drop`), or each in a transaction of its own.
 */
export class Intents {
  constructor(
    private readonly store: Store,
    private readonly owner: Owner = currentOwner(),
  ) {}

  /** Records an intent in `tx`; returns its id for `end`. */
  record(tx: StoreTx, op: IntentOp, subject: Readonly<Record<string, SubjectValue>>): number {
    return tx.intents.insert(op, subject, this.owner);
  }

  /** Records an intent in a transaction of its own. */
  begin(op: IntentOp, subject: Readonly<Record<string, SubjectValue>>): Promise<number> {
    return this.store.transact((tx) => this.record(tx, op, subject));
  }

  /** The operation is over (done, or undone), in a transaction of its own. */
  async end(id: number): Promise<void> {
    await this.store.transact((tx) => tx.intents.remove(id));
  }

  /** The intent of `op` about the object `id` (its subject's `id`), if one is recorded. */
  about(op: IntentOp, id: string, tx: StoreReads = this.store.read): Intent | undefined {
    return tx.intents.about(op, id);
  }

  /**
   * Intents whose owner is gone, each claimed for this process first: its
   * owner is replaced by this one only if it is still the dead one (compare
   * and set), so two processes opening at once never repair one intent
   * together, and if this process dies while repairing, the next one
   * repairs again. Cheap (one query) when nothing crashed.
   */
  async claimOrphans(): Promise<Intent[]> {
    const dead = this.store.read.intents.list().filter((r) => !ownerAlive(r.owner));
    if (dead.length === 0) return [];
    return this.store.transact((tx) =>
      dead.filter((r) => tx.intents.claim(r.id, r.owner, this.owner)).map((r) => ({ ...r, owner: this.owner })),
    );
  }
}
