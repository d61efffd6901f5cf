// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Published ports in SQLite: a row per host port (the conflict check finds
 * one by protocol and port with an index, however many are published), and
 * a row per binding as settled (what `docker port` shows and revoke takes
 * back).
 */
import type Database from 'better-sqlite3';
import type { PortRepository } from '../ports';
import type { ResolvedBinding } from '../records';

export class SqlitePorts implements PortRepository {
  constructor(private readonly db: Database.Database) {}

  firstTaken(proto: string, hostIp: string, from: number, to: number): number | undefined {
    const row = this.db
      .prepare(
        // INDEXED BY: left to itself, SQLite takes the primary key's (proto) prefix and scans every port.
        "SELECT host_port AS p FROM published_ports INDEXED BY published_by_port WHERE proto = ? AND host_port BETWEEN ? AND ? AND (host_ip = ? OR host_ip = '' OR ? = '') LIMIT 1",
      )
      .get(proto, from, to, hostIp, hostIp) as { p: number } | undefined;
    return row?.p;
  }

  highest(proto: string, from: number, to: number): number | undefined {
    const row = this.db
      .prepare(
        'SELECT MAX(host_port) AS p FROM published_ports INDEXED BY published_by_port WHERE proto = ? AND host_port BETWEEN ? AND ?',
      )
      .get(proto, from, to) as { p: number | null };
    return row.p ?? undefined;
  }

  bindings(endpointId: string): ResolvedBinding[] {
    const rows = this.db
      .prepare('SELECT binding FROM published_bindings WHERE endpoint_id = ? ORDER BY id')
      .all(endpointId) as { binding: string }[];
    return rows.map((r) => JSON.parse(r.binding) as ResolvedBinding);
  }

  add(endpointId: string, bindings: readonly ResolvedBinding[]): void {
    const port = this.db.prepare(
      'INSERT INTO published_ports (endpoint_id, proto, host_ip, host_port, container_port) VALUES (?, ?, ?, ?, ?)',
    );
    const keep = this.db.prepare('INSERT INTO published_bindings (endpoint_id, binding) VALUES (?, ?)');
    for (const b of bindings) {
      const last = b.hostPortEnd ?? b.hostPort;
      for (let k = 0; k <= last - b.hostPort; k++)
        port.run(endpointId, b.proto, b.hostIp ?? '', b.hostPort + k, b.containerPort + k);
      keep.run(endpointId, JSON.stringify(b));
    }
  }

  remove(endpointId: string, bindings?: readonly ResolvedBinding[]): void {
    if (!bindings) {
      this.db.prepare('DELETE FROM published_ports WHERE endpoint_id = ?').run(endpointId);
      this.db.prepare('DELETE FROM published_bindings WHERE endpoint_id = ?').run(endpointId);
      return;
    }
    const port = this.db.prepare(
      'DELETE FROM published_ports WHERE endpoint_id = ? AND proto = ? AND host_ip = ? AND host_port BETWEEN ? AND ?',
    );
    // The very objects add() recorded, so the same JSON text.
    const forget = this.db.prepare('DELETE FROM published_bindings WHERE endpoint_id = ? AND binding = ?');
    for (const b of bindings) {
      port.run(endpointId, b.proto, b.hostIp ?? '', b.hostPort, b.hostPortEnd ?? b.hostPort);
      forget.run(endpointId, JSON.stringify(b));
    }
  }
}
