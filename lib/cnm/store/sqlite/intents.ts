// SPDX-License-Identifier: GPL-2.0-or-later
/** Intents in SQLite: a row per operation under way, with its owner. */
import type Database from 'better-sqlite3';
import type { IntentOp, Owner, SubjectValue } from '../../intents';
import type { IntentRepository } from '../ports';
import type { IntentRecord } from '../records';

interface IntentRow {
  id: number;
  op: IntentOp;
  subject: string;
  pid: number;
  start_time: string;
  boot_id: string;
}

function record(r: IntentRow): IntentRecord {
  return {
    id: r.id,
    op: r.op,
    subject: JSON.parse(r.subject),
    owner: { pid: r.pid, startTime: r.start_time, bootId: r.boot_id },
  };
}

export class SqliteIntents implements IntentRepository {
  constructor(private readonly db: Database.Database) {}

  list(): IntentRecord[] {
    return (this.db.prepare('SELECT * FROM intents ORDER BY id').all() as IntentRow[]).map(record);
  }

  about(op: IntentOp, subjectId: string): IntentRecord | undefined {
    const row = this.db
      .prepare("SELECT * FROM intents WHERE op = ? AND json_extract(subject, '$.id') = ? ORDER BY id LIMIT 1")
      .get(op, subjectId) as IntentRow | undefined;
    return row && record(row);
  }

  insert(op: IntentOp, subject: Readonly<Record<string, SubjectValue>>, owner: Owner): number {
    return Number(
      this.db
        .prepare('INSERT INTO intents (op, subject, pid, start_time, boot_id, created) VALUES (?, ?, ?, ?, ?, ?)')
        .run(op, JSON.stringify(subject), owner.pid, owner.startTime, owner.bootId, new Date().toISOString())
        .lastInsertRowid,
    );
  }

  amend(id: number, more: Readonly<Record<string, SubjectValue>>): void {
    const row = this.db.prepare('SELECT subject FROM intents WHERE id = ?').get(id) as { subject: string } | undefined;
    if (!row) return;
    this.db
      .prepare('UPDATE intents SET subject = ? WHERE id = ?')
      .run(JSON.stringify({ ...JSON.parse(row.subject), ...more }), id);
  }

  remove(id: number): void {
    this.db.prepare('DELETE FROM intents WHERE id = ?').run(id);
  }

  claim(id: number, from: Owner, to: Owner): boolean {
    return (
      this.db
        .prepare(
          'UPDATE intents SET pid = ?, start_time = ?, boot_id = ? WHERE id = ? AND pid = ? AND start_time = ? AND boot_id = ?',
        )
        .run(to.pid, to.startTime, to.bootId, id, from.pid, from.startTime, from.bootId).changes === 1
    );
  }
}
