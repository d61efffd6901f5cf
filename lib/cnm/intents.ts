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
  begin(op: IntentOp, subject: Readonly<Record<string, SubjectValue>>): number {
    return this.store.tx(() =>
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
      ),
    );
  }

  /** The operation is over (done, or undone). Call inside a transaction or alone. */
  /** Adds to an intent's subject what became known after it began. Call inside a transaction or alone. */
  amend(id: number, more: Readonly<Record<string, SubjectValue>>): void {
    const row = this.store.db.prepare('SELECT subject FROM intents WHERE id = ?').get(id) as
      | { subject: string }
      | undefined;
    if (!row) return;
    this.store.db
      .prepare('UPDATE intents SET subject = ? WHERE id = ?')
      .run(JSON.stringify({ ...JSON.parse(row.subject), ...more }), id);
  }

  end(id: number): void {
    this.store.tx(() => this.store.db.prepare('DELETE FROM intents WHERE id = ?').run(id));
  }

  /** The intent of `op` about the object `id` (its subject's `id`), if one is recorded. */
  about(op: IntentOp, id: string): Intent | undefined {
    const row = this.store.db
      .prepare("SELECT * FROM intents WHERE op = ? AND json_extract(subject, '$.id') = ? ORDER BY id LIMIT 1")
      .get(op, id) as IntentRow | undefined;
    if (!row) return undefined;
    return {
      id: row.id,
      op: row.op,
      subject: JSON.parse(row.subject),
      owner: { pid: row.pid, startTime: row.start_time, bootId: row.boot_id },
    };
  }

  /**
   * Intents whose owner is gone, each claimed for this process first: its
   * owner is replaced by this one only if it is still the dead one (compare
   * and set), so two processes opening at once never repair one intent
   * together, and if this process dies while repairing, the next one
   * repairs again. Cheap (one query) when nothing crashed.
   */
  claimOrphans(): Intent[] {
    const rows = this.store.db.prepare('SELECT * FROM intents ORDER BY id').all() as IntentRow[];
    const dead = rows.filter((r) => !ownerAlive({ pid: r.pid, startTime: r.start_time, bootId: r.boot_id }));
    if (dead.length === 0) return [];
    return this.store.tx(() => {
      const claim = this.store.db.prepare(
        'UPDATE intents SET pid = ?, start_time = ?, boot_id = ? WHERE id = ? AND pid = ? AND start_time = ? AND boot_id = ?',
      );
      return dead
        .filter(
          (r) =>
            claim.run(this.owner.pid, this.owner.startTime, this.owner.bootId, r.id, r.pid, r.start_time, r.boot_id)
              .changes === 1,
        )
        .map((r) => ({ id: r.id, op: r.op, subject: JSON.parse(r.subject), owner: this.owner }));
    });
  }
}
