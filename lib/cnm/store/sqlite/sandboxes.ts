// SPDX-License-Identifier: GPL-2.0-or-later
/** Sandboxes in SQLite. */
import type Database from 'better-sqlite3';
import { CnmError } from '../../../errors';
import type { SandboxRepository } from '../ports';
import type { NewSandbox, SandboxRecord } from '../records';

interface SandboxRow {
  id: string;
  name: string;
  netns_path: string;
  owned: number;
  created: string;
  links_made: number;
  revision: number;
}

function record(r: SandboxRow): SandboxRecord {
  return {
    id: r.id,
    name: r.name,
    netnsPath: r.netns_path,
    owned: r.owned === 1,
    created: r.created,
    linksMade: r.links_made,
    revision: r.revision,
  };
}

export class SqliteSandboxes implements SandboxRepository {
  constructor(private readonly db: Database.Database) {}

  get(id: string): SandboxRecord | undefined {
    const row = this.db.prepare('SELECT * FROM sandboxes WHERE id = ?').get(id) as SandboxRow | undefined;
    return row && record(row);
  }

  byName(name: string): SandboxRecord | undefined {
    const row = this.db.prepare('SELECT * FROM sandboxes WHERE name = ?').get(name) as SandboxRow | undefined;
    return row && record(row);
  }

  find(nameOrId: string): SandboxRecord | undefined {
    const row = this.db
      .prepare('SELECT * FROM sandboxes WHERE id = ? OR name = ? ORDER BY name = ? DESC LIMIT 1')
      .get(nameOrId, nameOrId, nameOrId) as SandboxRow | undefined;
    return row && record(row);
  }

  withIdPrefix(prefix: string, limit: number): SandboxRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM sandboxes WHERE substr(id, 1, ?) = ? LIMIT ?')
      .all(prefix.length, prefix, limit) as SandboxRow[];
    return rows.map(record);
  }

  list(): SandboxRecord[] {
    return (this.db.prepare('SELECT * FROM sandboxes ORDER BY created').all() as SandboxRow[]).map(record);
  }

  insert(s: NewSandbox): SandboxRecord {
    if (this.db.prepare('SELECT 1 FROM sandboxes WHERE name = ?').get(s.name))
      throw new CnmError('CNM_SANDBOX_EXISTS', `sandbox ${s.name} already exists`);
    this.db
      .prepare(
        'INSERT INTO sandboxes (id, name, netns_path, owned, created, links_made, revision) VALUES (?, ?, ?, ?, ?, ?, 1)',
      )
      .run(s.id, s.name, s.netnsPath, s.owned ? 1 : 0, s.created, s.linksMade);
    return { ...s, revision: 1 };
  }

  countLink(id: string): SandboxRecord {
    const before = this.get(id);
    if (!before) throw new CnmError('CNM_SANDBOX_NOT_FOUND', `sandbox ${id.slice(0, 12)} is gone`);
    this.db.prepare('UPDATE sandboxes SET links_made = links_made + 1, revision = revision + 1 WHERE id = ?').run(id);
    return before;
  }

  remove(id: string): void {
    this.db.prepare('DELETE FROM sandboxes WHERE id = ?').run(id);
  }
}
