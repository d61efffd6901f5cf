// SPDX-License-Identifier: GPL-2.0-or-later
/** Endpoints in SQLite: a row per endpoint; published ports in their own tables. */
import type Database from 'better-sqlite3';
import { CnmError } from '../../../errors';
import type { EndpointRepository } from '../ports';
import type { EndpointChange, EndpointRecord, NewEndpoint } from '../records';
import { changed } from '../revision';

interface EndpointRow {
  id: string;
  network_id: string;
  name: string;
  ipv4: string | null;
  ipv6: string | null;
  mac: string;
  aliases: string;
  port_bindings: string;
  exposed_ports: string;
  sandbox_id: string | null;
  host_ifname: string | null;
  sandbox_ifname: string | null;
  join_info: string | null;
  created: string;
  revision: number;
}

function record(r: EndpointRow): EndpointRecord {
  return {
    id: r.id,
    networkId: r.network_id,
    name: r.name,
    ...(r.ipv4 ? { ipv4: r.ipv4 } : {}),
    ...(r.ipv6 ? { ipv6: r.ipv6 } : {}),
    mac: r.mac,
    aliases: JSON.parse(r.aliases),
    portBindings: JSON.parse(r.port_bindings),
    exposedPorts: JSON.parse(r.exposed_ports),
    ...(r.sandbox_id ? { sandboxId: r.sandbox_id } : {}),
    ...(r.host_ifname ? { hostIfname: r.host_ifname } : {}),
    ...(r.sandbox_ifname ? { sandboxIfname: r.sandbox_ifname } : {}),
    ...(r.join_info ? { joinInfo: JSON.parse(r.join_info) } : {}),
    created: r.created,
    revision: r.revision,
  };
}

// One statement per filter shape, each with its index.
const LISTS = {
  network: 'SELECT * FROM endpoints WHERE network_id = ? ORDER BY created',
  networkJoined: 'SELECT * FROM endpoints WHERE network_id = ? AND sandbox_id IS NOT NULL ORDER BY created',
  sandbox: 'SELECT * FROM endpoints WHERE sandbox_id = ? ORDER BY sandbox_ifname',
  joined: 'SELECT * FROM endpoints WHERE sandbox_id IS NOT NULL ORDER BY created',
  all: 'SELECT * FROM endpoints ORDER BY created',
};

export class SqliteEndpoints implements EndpointRepository {
  constructor(private readonly db: Database.Database) {}

  get(id: string): EndpointRecord | undefined {
    const row = this.db.prepare('SELECT * FROM endpoints WHERE id = ?').get(id) as EndpointRow | undefined;
    return row && record(row);
  }

  byName(networkId: string, name: string): EndpointRecord | undefined {
    const row = this.db.prepare('SELECT * FROM endpoints WHERE network_id = ? AND name = ?').get(networkId, name) as
      | EndpointRow
      | undefined;
    return row && record(row);
  }

  list(filter: { networkId?: string; sandboxId?: string; joined?: boolean }): EndpointRecord[] {
    let rows: EndpointRow[];
    if (filter.sandboxId !== undefined) {
      rows = this.db.prepare(LISTS.sandbox).all(filter.sandboxId) as EndpointRow[];
      if (filter.networkId !== undefined) rows = rows.filter((r) => r.network_id === filter.networkId);
    } else if (filter.networkId !== undefined) {
      rows = this.db
        .prepare(filter.joined ? LISTS.networkJoined : LISTS.network)
        .all(filter.networkId) as EndpointRow[];
    } else {
      rows = this.db.prepare(filter.joined ? LISTS.joined : LISTS.all).all() as EndpointRow[];
    }
    return rows.map(record);
  }

  count(networkId: string, filter: { joined?: boolean } = {}): number {
    const sql = filter.joined
      ? 'SELECT COUNT(*) AS n FROM endpoints WHERE network_id = ? AND sandbox_id IS NOT NULL'
      : 'SELECT COUNT(*) AS n FROM endpoints WHERE network_id = ?';
    return (this.db.prepare(sql).get(networkId) as { n: number }).n;
  }

  insert(e: NewEndpoint): EndpointRecord {
    if (this.db.prepare('SELECT 1 FROM endpoints WHERE network_id = ? AND name = ?').get(e.networkId, e.name)) {
      throw new CnmError('CNM_ENDPOINT_EXISTS', `endpoint with name ${e.name} already exists in the network`);
    }
    this.db
      .prepare(
        `INSERT INTO endpoints (id, network_id, name, ipv4, ipv6, mac, aliases, port_bindings, exposed_ports, created, revision)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
      )
      .run(
        e.id,
        e.networkId,
        e.name,
        e.ipv4 ?? null,
        e.ipv6 ?? null,
        e.mac,
        JSON.stringify(e.aliases),
        JSON.stringify(e.portBindings),
        JSON.stringify(e.exposedPorts),
        e.created,
      );
    return { ...e, revision: 1 };
  }

  update(id: string, change: EndpointChange, revision?: number): EndpointRecord {
    // A join's fields are set (or cleared, `undefined`) together when given.
    const join = 'sandboxId' in change;
    const info = this.db
      .prepare(
        `UPDATE endpoints SET
           mac = COALESCE(?, mac),
           sandbox_id = CASE WHEN ? THEN ? ELSE sandbox_id END,
           host_ifname = CASE WHEN ? THEN ? ELSE host_ifname END,
           sandbox_ifname = CASE WHEN ? THEN ? ELSE sandbox_ifname END,
           join_info = COALESCE(?, join_info),
           revision = revision + 1
         WHERE id = ? AND (? IS NULL OR revision = ?) RETURNING *`,
      )
      .get(
        change.mac ?? null,
        join ? 1 : 0,
        change.sandboxId ?? null,
        join ? 1 : 0,
        change.hostIfname ?? null,
        join ? 1 : 0,
        change.sandboxIfname ?? null,
        change.joinInfo === undefined ? null : JSON.stringify(change.joinInfo),
        id,
        revision ?? null,
        revision ?? null,
      );
    // Nothing returned: the record is gone, or (compare and set) not the one read.
    return info ? record(info as EndpointRow) : changed(0, this.get(id), 'endpoint', id, revision);
  }

  remove(id: string): void {
    this.db.prepare('DELETE FROM published_ports WHERE endpoint_id = ?').run(id);
    this.db.prepare('DELETE FROM published_bindings WHERE endpoint_id = ?').run(id);
    this.db.prepare('DELETE FROM endpoints WHERE id = ?').run(id);
  }
}
