// SPDX-License-Identifier: GPL-2.0-or-later
/** IPAM's records in SQLite: subnets, and an address row per address handed out. */
import type Database from 'better-sqlite3';
import type { AddressRepository } from '../ports';
import type { SubnetRecord } from '../records';

interface SubnetRow {
  subnet: string;
  family: number;
  gateway: string | null;
  ip_range: string | null;
  aux: string;
  next_free: string | null;
}

export class SqliteAddresses implements AddressRepository {
  constructor(private readonly db: Database.Database) {}

  allSubnets(): string[] {
    return (this.db.prepare('SELECT subnet FROM subnets').all() as { subnet: string }[]).map((r) => r.subnet);
  }

  subnets(networkId: string): SubnetRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM subnets WHERE network_id = ? ORDER BY family')
      .all(networkId) as SubnetRow[];
    return rows.map((r) => ({
      family: r.family as 4 | 6,
      subnet: r.subnet,
      gateway: r.gateway ?? '',
      ...(r.ip_range ? { ipRange: r.ip_range } : {}),
      auxAddresses: JSON.parse(r.aux) as Record<string, string>,
      ...(r.next_free ? { nextFree: r.next_free } : {}),
    }));
  }

  holder(networkId: string, address: string): string | undefined {
    const row = this.db
      .prepare('SELECT owner FROM addresses WHERE network_id = ? AND address = ?')
      .get(networkId, address) as { owner: string } | undefined;
    return row?.owner;
  }

  addSubnet(networkId: string, s: SubnetRecord): void {
    this.db
      .prepare(
        'INSERT INTO subnets (network_id, subnet, family, gateway, ip_range, aux, next_free) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        networkId,
        s.subnet,
        s.family,
        s.gateway,
        s.ipRange ?? null,
        JSON.stringify(s.auxAddresses),
        s.nextFree ?? null,
      );
  }

  setNextFree(networkId: string, subnet: string, address: string): void {
    this.db
      .prepare('UPDATE subnets SET next_free = ? WHERE network_id = ? AND subnet = ?')
      .run(address, networkId, subnet);
  }

  reserve(networkId: string, address: string, owner: string): boolean {
    return (
      this.db
        .prepare('INSERT INTO addresses (network_id, address, owner) VALUES (?, ?, ?) ON CONFLICT DO NOTHING')
        .run(networkId, address, owner).changes === 1
    );
  }

  release(networkId: string, owner: string): string[] {
    const freed = this.db
      .prepare('SELECT address FROM addresses WHERE network_id = ? AND owner = ?')
      .all(networkId, owner) as { address: string }[];
    this.db.prepare('DELETE FROM addresses WHERE network_id = ? AND owner = ?').run(networkId, owner);
    return freed.map((r) => r.address);
  }
}
