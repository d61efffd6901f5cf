// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Intents: before an operation touches the kernel it records what it is
 * about to do and who is doing it (pid, process start time, boot id). When
 * it has finished, the record goes. A record whose owner is dead marks work
 * that a crash interrupted, for the next controller to finish or undo.
 */
import { readFileSync } from 'node:fs';
import type { Store } from './store/store';

export interface Owner {
  readonly pid: number;
  /** Field 22 of /proc/PID/stat: tells a reused pid from the original process. */
  readonly startTime: string;
  readonly bootId: string;
}

export type IntentOp =
  | 'network.create'
  | 'network.delete'
  | 'sandbox.create'
  | 'sandbox.delete'
  | 'endpoint.join'
  | 'endpoint.publish'
  | 'endpoint.leave';

export interface Intent {
  readonly id: number;
  readonly op: IntentOp;
  readonly subject: Readonly<Record<string, string | number | boolean>>;
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

interface IntentRow {
  id: number;
  op: IntentOp;
  subject: string;
  pid: number;
  start_time: string;
  boot_id: string;
}

export class Intents {
  constructor(
    private readonly store: Store,
    private readonly owner: Owner = currentOwner(),
  ) {}

  /** Records an intent; returns its id for `end`. Call inside a transaction or alone. */
  begin(op: IntentOp, subject: Record<string, string | number | boolean>): number {
    const run = () =>
      Number(
        this.store.db
          .prepare('INSERT INTO intents (op, subject, pid, start_time, boot_id, created) VALUES (?, ?, ?, ?, ?, ?)')
          .run(
            op,
            JSON.stringify(subject),
            this.owner.pid,
            this.owner.startTime,
            this.owner.bootId,
            new Date().toISOString(),
          ).lastInsertRowid,
      );
    return this.store.db.inTransaction ? run() : this.store.tx(run);
  }

  end(id: number): void {
    const run = () => this.store.db.prepare('DELETE FROM intents WHERE id = ?').run(id);
    if (this.store.db.inTransaction) run();
    else this.store.tx(run);
  }

  /** Intents whose owner is gone: cheap (one query) when nothing crashed. */
  orphaned(): Intent[] {
    const rows = this.store.db.prepare('SELECT * FROM intents ORDER BY id').all() as IntentRow[];
    return rows
      .map((r) => ({
        id: r.id,
        op: r.op,
        subject: JSON.parse(r.subject),
        owner: { pid: r.pid, startTime: r.start_time, bootId: r.boot_id },
      }))
      .filter((i) => !ownerAlive(i.owner));
  }
}

/**
 * A fault-injection point for crash tests: when `CNM_CRASH_AT` names this
 * step, the process dies at once (SIGKILL: no cleanup runs), exactly as a
 * crash would leave things.
 */
export function crashPoint(step: string): void {
  if (process.env.CNM_CRASH_AT === step) process.kill(process.pid, 'SIGKILL');
}
