// SPDX-License-Identifier: GPL-2.0-or-later
/** This host's part of global-scope networks, in SQLite. */
import type Database from 'better-sqlite3';
import type { HostNetworkRepository } from '../ports';
import type { HostNetworkChange, HostNetworkState } from '../records';
import { nextHostState } from '../revision';

interface Row {
  network_id: string;
  driver_state: string;
  made: number;
  network: string | null;
  revision: number;
}

function record(r: Row): HostNetworkState {
  return {
    networkId: r.network_id,
    driverState: JSON.parse(r.driver_state),
    made: r.made === 1,
    ...(r.network ? { network: JSON.parse(r.network) } : {}),
    revision: r.revision,
  };
}

export class SqliteHostNetworks implements HostNetworkRepository {
  constructor(private readonly db: Database.Database) {}

  get(networkId: string): HostNetworkState | undefined {
    const row = this.db.prepare('SELECT * FROM host_networks WHERE network_id = ?').get(networkId) as Row | undefined;
    return row && record(row);
  }

  list(): HostNetworkState[] {
    return (this.db.prepare('SELECT * FROM host_networks ORDER BY network_id').all() as Row[]).map(record);
  }

  put(networkId: string, change: HostNetworkChange, revision?: number): HostNetworkState {
    const next = nextHostState(networkId, this.get(networkId), change, revision);
    this.db
      .prepare(
        'INSERT OR REPLACE INTO host_networks (network_id, driver_state, made, network, revision) VALUES (?, ?, ?, ?, ?)',
      )
      .run(
        networkId,
        JSON.stringify(next.driverState),
        next.made ? 1 : 0,
        next.network ? JSON.stringify(next.network) : null,
        next.revision,
      );
    return next;
  }

  remove(networkId: string): void {
    this.db.prepare('DELETE FROM host_networks WHERE network_id = ?').run(networkId);
  }
}
