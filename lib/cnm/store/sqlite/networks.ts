// SPDX-License-Identifier: GPL-2.0-or-later
/** Networks in SQLite: a row per network, its link group beside it. */
import type Database from 'better-sqlite3';
import { CnmError } from '../../../errors';
import type { NetworkRepository } from '../ports';
import type { NetworkChange, NetworkRecord, NewNetwork } from '../records';
import { changed } from '../revision';

interface NetworkRow {
  id: string;
  name: string;
  driver: string;
  scope: 'local' | 'global';
  created: string;
  internal: number;
  attachable: number;
  enable_ipv6: number;
  ipam_driver: string;
  options: string;
  labels: string;
  driver_state: string;
  allocation: string;
  predefined: number;
  made: number;
  link_group: number | null;
  revision: number;
}

const SELECT = 'SELECT n.*, g.group_id AS link_group FROM networks n LEFT JOIN link_groups g ON g.network_id = n.id';

function record(r: NetworkRow): NetworkRecord {
  return {
    id: r.id,
    name: r.name,
    driver: r.driver,
    scope: r.scope,
    created: r.created,
    internal: r.internal === 1,
    attachable: r.attachable === 1,
    enableIPv6: r.enable_ipv6 === 1,
    ipamDriver: r.ipam_driver,
    options: JSON.parse(r.options),
    labels: JSON.parse(r.labels),
    driverState: JSON.parse(r.driver_state),
    allocation: JSON.parse(r.allocation || '{}'),
    predefined: r.predefined === 1,
    made: r.made === 1,
    linkGroup: r.link_group ?? 0,
    revision: r.revision,
  };
}

export class SqliteNetworks implements NetworkRepository {
  constructor(private readonly db: Database.Database) {}

  get(id: string): NetworkRecord | undefined {
    const row = this.db.prepare(`${SELECT} WHERE n.id = ?`).get(id) as NetworkRow | undefined;
    return row && record(row);
  }

  byName(name: string): NetworkRecord | undefined {
    const row = this.db.prepare(`${SELECT} WHERE n.name = ?`).get(name) as NetworkRow | undefined;
    return row && record(row);
  }

  find(nameOrId: string): NetworkRecord | undefined {
    const row = this.db
      .prepare(`${SELECT} WHERE n.id = ? OR n.name = ? ORDER BY n.name = ? DESC LIMIT 1`)
      .get(nameOrId, nameOrId, nameOrId) as NetworkRow | undefined;
    return row && record(row);
  }

  withIdPrefix(prefix: string, limit: number): NetworkRecord[] {
    const rows = this.db
      .prepare(`${SELECT} WHERE substr(n.id, 1, ?) = ? LIMIT ?`)
      .all(prefix.length, prefix, limit) as NetworkRow[];
    return rows.map(record);
  }

  list(filter: { driver?: string; made?: boolean; predefined?: boolean } = {}): NetworkRecord[] {
    const rows = this.db
      .prepare(
        `${SELECT} WHERE (? IS NULL OR n.driver = ?) AND (? IS NULL OR n.made = ?) AND (? IS NULL OR n.predefined = ?) ORDER BY n.created, n.name`,
      )
      .all(
        ...[filter.driver, bit(filter.made), bit(filter.predefined)].flatMap((v) => [v ?? null, v ?? null]),
      ) as NetworkRow[];
    return rows.map(record);
  }

  linkGroups(): Map<number, string> {
    const rows = this.db.prepare('SELECT group_id, network_id FROM link_groups').all() as {
      group_id: number;
      network_id: string;
    }[];
    return new Map(rows.map((g) => [g.group_id, g.network_id]));
  }

  insert(n: NewNetwork): NetworkRecord {
    // Docker's wording, which scripts grep for.
    if (this.db.prepare('SELECT 1 FROM networks WHERE name = ?').get(n.name))
      throw new CnmError('CNM_NETWORK_EXISTS', `network with name ${n.name} already exists`);
    this.db
      .prepare(
        `INSERT INTO networks (id, name, driver, scope, created, internal, attachable, enable_ipv6, ipam_driver, options, labels, driver_state, allocation, predefined, made, revision)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
      )
      .run(
        n.id,
        n.name,
        n.driver,
        n.scope,
        n.created,
        bit(n.internal),
        bit(n.attachable),
        bit(n.enableIPv6),
        n.ipamDriver,
        JSON.stringify(n.options),
        JSON.stringify(n.labels),
        JSON.stringify(n.driverState),
        JSON.stringify(n.allocation),
        bit(n.predefined),
        bit(n.made),
      );
    const { group_id: linkGroup } = this.db
      .prepare(
        'INSERT INTO link_groups (group_id, network_id) SELECT COALESCE(MAX(group_id), 1000) + 1, ? FROM link_groups RETURNING group_id',
      )
      .get(n.id) as { group_id: number };
    return { ...n, linkGroup, revision: 1 };
  }

  update(id: string, change: NetworkChange, revision?: number): NetworkRecord {
    const info = this.db
      .prepare(
        `UPDATE networks SET
           driver_state = COALESCE(?, driver_state), allocation = COALESCE(?, allocation), made = COALESCE(?, made),
           revision = revision + 1
         WHERE id = ? AND (? IS NULL OR revision = ?)`,
      )
      .run(
        change.driverState === undefined ? null : JSON.stringify(change.driverState),
        change.allocation === undefined ? null : JSON.stringify(change.allocation),
        bit(change.made) ?? null,
        id,
        revision ?? null,
        revision ?? null,
      );
    return changed(info.changes, this.get(id), 'network', id, revision);
  }

  remove(id: string): void {
    this.db.prepare('DELETE FROM link_groups WHERE network_id = ?').run(id);
    this.db.prepare('DELETE FROM networks WHERE id = ?').run(id);
  }
}

function bit(v: boolean | undefined): number | undefined {
  return v === undefined ? undefined : v ? 1 : 0;
}
