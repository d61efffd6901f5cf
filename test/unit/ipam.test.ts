// SPDX-License-Identifier: GPL-2.0-or-later
// IPAM without privileges: prefix arithmetic, Docker's default pools, and
// allocation through a real store in a temporary directory.
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatAddress, formatPrefix, overlaps, parseAddress, parsePrefix, split } from '../../lib/cnm/ipam/cidr';
import { Ipam } from '../../lib/cnm/ipam/ipam';
import { DEFAULT_POOLS, DEFAULT_POOLS_V6 } from '../../lib/cnm/ipam/pools';
import type { StoreTx } from '../../lib/cnm/store/ports';
import { SqliteStore as Store } from '../../lib/cnm/store/sqlite/sqlite-store';
import type { CnmError } from '../../lib/errors';
import { networkRecord } from '../store/records';

const execFileP = promisify(execFile);

describe('prefixes', () => {
  it('parses and formats both families', () => {
    expect(formatPrefix(parsePrefix('172.18.0.0/16', 's'))).toBe('172.18.0.0/16');
    expect(formatPrefix(parsePrefix('fd00:0:0:1::/64', 's'))).toBe('fd00:0:0:1::/64');
    expect(formatAddress(6, parseAddress('2001:db8:0:0:1:0:0:1')?.value ?? 0n)).toBe('2001:db8::1:0:0:1');
    expect(() => parsePrefix('10.0.0.1/24', 'subnet')).toThrow(/host bits/);
    expect(() => parsePrefix('10.0.0.0', 'subnet')).toThrow(/CIDR/);
    expect(() => parsePrefix('300.0.0.0/8', 'subnet')).toThrow(/CIDR/);
    expect(overlaps(parsePrefix('10.0.0.0/8', 'a'), parsePrefix('10.9.0.0/16', 'b'))).toBe(true);
    expect(overlaps(parsePrefix('10.0.0.0/16', 'a'), parsePrefix('10.1.0.0/16', 'b'))).toBe(false);
    expect([...split(parsePrefix('172.20.0.0/14', 'p'), 16)].map(formatPrefix)).toEqual([
      '172.20.0.0/16',
      '172.21.0.0/16',
      '172.22.0.0/16',
      '172.23.0.0/16',
    ]);
  });

  it("Docker's default pools give 31 networks: 15 /16s in 172.17-31, then 16 /20s of 192.168", () => {
    const subnets = DEFAULT_POOLS.flatMap((p) => [...split(parsePrefix(p.base, 'b'), p.size)].map(formatPrefix));
    expect(subnets).toHaveLength(31);
    expect(subnets[0]).toBe('172.17.0.0/16');
    expect(subnets[14]).toBe('172.31.0.0/16');
    expect(subnets[15]).toBe('192.168.0.0/20');
    expect(subnets[30]).toBe('192.168.240.0/20');
  });
});

describe('allocation', () => {
  let dir: string;
  let store: Store;
  let ipam: Ipam;
  // A network record for the addresses to belong to, in the caller's transaction.
  const net = (tx: StoreTx, id: string) => tx.networks.insert(networkRecord(id, { created: '' })).id;
  // One transaction, as the model runs them.
  const tx = <T>(fn: (tx: StoreTx) => T): Promise<T> => store.transact(fn);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cnm-ipam-'));
    store = Store.open({ stateDir: dir, hostNetnsId: 'test:1' });
    ipam = new Ipam(DEFAULT_POOLS, DEFAULT_POOLS_V6);
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes the next free default pool, skipping host routes, and the first free addresses', async () => {
    const routes = [parsePrefix('172.18.0.0/16', 'route')];
    const a = await tx((t) => ipam.requestPools(t, net(t, 'a'), [], [4], routes));
    const b = await tx((t) => ipam.requestPools(t, net(t, 'b'), [], [4, 6], routes));
    expect(a.map((p) => [p.subnet, p.gateway])).toEqual([['172.17.0.0/16', '172.17.0.1']]);
    expect(b.map((p) => [p.subnet, p.gateway])).toEqual([
      ['172.19.0.0/16', '172.19.0.1'],
      ['fd7c:6e6d::/64', 'fd7c:6e6d::1'],
    ]);
    expect(await tx((t) => ipam.requestAddress(t, 'a', 4, 'ep1'))).toBe('172.17.0.2/16');
    expect(await tx((t) => ipam.requestAddress(t, 'a', 4, 'ep2'))).toBe('172.17.0.3/16');
    await tx((t) => ipam.releaseAddresses(t, 'a', 'ep1'));
    expect(await tx((t) => ipam.requestAddress(t, 'a', 4, 'ep3'))).toBe('172.17.0.2/16');
    expect(await tx((t) => ipam.requestAddress(t, 'b', 6, 'ep4'))).toBe('fd7c:6e6d::2/64');
  });

  it('honours gateway, ip-range, aux addresses and exact requests, and says which field is wrong', async () => {
    const [p] = await tx((t) =>
      ipam.requestPools(
        t,
        net(t, 'c'),
        [
          {
            subnet: '10.5.0.0/24',
            gateway: '10.5.0.254',
            ipRange: '10.5.0.128/25',
            auxAddresses: { router: '10.5.0.129' },
          },
        ],
        [4],
        [],
      ),
    );
    expect(p).toMatchObject({
      subnet: '10.5.0.0/24',
      gateway: '10.5.0.254',
      ipRange: '10.5.0.128/25',
      auxAddresses: { router: '10.5.0.129' },
    });
    expect(await tx((t) => ipam.requestAddress(t, 'c', 4, 'e1'))).toBe('10.5.0.128/24');
    expect(await tx((t) => ipam.requestAddress(t, 'c', 4, 'e2'))).toBe('10.5.0.130/24');
    expect(await tx((t) => ipam.requestAddress(t, 'c', 4, 'e3', '10.5.0.7'))).toBe('10.5.0.7/24');
    await expect(tx((t) => ipam.requestAddress(t, 'c', 4, 'e4', '10.5.0.7'))).rejects.toThrow(/CNM_ADDRESS_IN_USE/);
    await expect(tx((t) => ipam.requestAddress(t, 'c', 4, 'e5', '10.5.0.254'))).rejects.toThrow(/CNM_ADDRESS_IN_USE/);
    await expect(tx((t) => ipam.requestAddress(t, 'c', 4, 'e6', '10.6.0.1'))).rejects.toThrow(/ipv4Address/);
    await expect(tx((t) => ipam.requestPools(t, net(t, 'd'), [{ subnet: '10.5.0.0/16' }], [4], []))).rejects.toThrow(
      /CNM_SUBNET_OVERLAP/,
    );
    await expect(
      tx((t) => ipam.requestPools(t, net(t, 'e'), [{ subnet: '10.7.0.0/24', ipRange: '10.8.0.0/25' }], [4], [])),
    ).rejects.toThrow(/ipam.config\[0\].ipRange/);
  });

  it('runs out: CNM_POOL_EXHAUSTED for subnets and for addresses', async () => {
    const small = new Ipam([{ base: '10.9.0.0/29', size: 30 }], []);
    await tx((t) => small.requestPools(t, net(t, 'f'), [], [4], []));
    await tx((t) => small.requestPools(t, net(t, 'g'), [], [4], []));
    const err = await tx((t) => small.requestPools(t, net(t, 'h'), [], [4], [])).catch((e: unknown) => e);
    expect((err as CnmError).code).toBe('CNM_POOL_EXHAUSTED');
    // A /30 holds two addresses: the gateway and one more.
    expect(await tx((t) => small.requestAddress(t, 'f', 4, 'x'))).toBe('10.9.0.2/30');
    await expect(tx((t) => small.requestAddress(t, 'f', 4, 'y'))).rejects.toThrow(/CNM_POOL_EXHAUSTED/);
  });

  it('four processes sharing the store never hand out one address twice', async () => {
    await tx((t) => ipam.requestPools(t, net(t, 'shared'), [{ subnet: '10.50.0.0/16' }], [4], []));
    const script = `
      import { SqliteStore as Store } from ${JSON.stringify(new URL('../../lib/cnm/store/sqlite/sqlite-store.ts', import.meta.url).pathname)};
      import { Ipam } from ${JSON.stringify(new URL('../../lib/cnm/ipam/ipam.ts', import.meta.url).pathname)};
      const store = Store.open({ stateDir: ${JSON.stringify(dir)}, hostNetnsId: 'test:1' });
      const ipam = new Ipam([], []);
      const got = [];
      for (let i = 0; i < 25; i++) got.push(await store.transact((t) => ipam.requestAddress(t, 'shared', 4, 'p' + process.pid + '-' + i)));
      store.close();
      console.log(JSON.stringify(got));
    `;
    const runs = await Promise.all(
      Array.from({ length: 4 }, () =>
        execFileP('npx', ['tsx', '--input-type=module', '-e', script], { timeout: 60_000 }),
      ),
    );
    const all = runs.flatMap((r) => JSON.parse(r.stdout.trim().split('\n').pop() as string) as string[]);
    expect(all).toHaveLength(100);
    expect(new Set(all).size).toBe(100);
  });
});

// The store's own checks.
describe('store', () => {
  it('refuses to open against another host namespace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cnm-store-'));
    try {
      Store.open({ stateDir: dir, hostNetnsId: 'a:1' }).close();
      expect(() => Store.open({ stateDir: dir, hostNetnsId: 'b:2' })).toThrow(/CNM_STORE_MISMATCH/);
      const again = Store.open({ stateDir: dir, hostNetnsId: 'a:1' });
      expect(again.db.pragma('journal_mode', { simple: true })).toBe('wal');
      again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a state directory others can write, a file, and a file that is no store, naming the cause', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cnm-store-'));
    try {
      chmodSync(dir, 0o777);
      expect(() => Store.open({ stateDir: dir, hostNetnsId: 'a:1' })).toThrow(/CNM_STORE_UNAVAILABLE.*another user/);
      chmodSync(dir, 0o700);
      writeFileSync(join(dir, 'plain'), 'x');
      const notDir = (() => {
        try {
          Store.open({ stateDir: join(dir, 'plain'), hostNetnsId: 'a:1' });
        } catch (e) {
          return e as CnmError;
        }
      })();
      expect(notDir?.code).toBe('CNM_STORE_UNAVAILABLE');
      expect(notDir?.cause).toBeDefined();
      mkdirSync(join(dir, 'bad'), { mode: 0o700 });
      writeFileSync(join(dir, 'bad', 'cnm.db'), 'not a database, '.repeat(512));
      expect(() => Store.open({ stateDir: join(dir, 'bad'), hostNetnsId: 'a:1' })).toThrow(/CNM_STORE_CORRUPT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('capabilities', () => {
  it('reads CAP_NET_ADMIN from /proc/self/status', async () => {
    const { hasCapNetAdmin } = await import('../../lib/kernel/capabilities');
    expect(hasCapNetAdmin('Name:\tnode\nCapEff:\t000001ffffffffff\n')).toBe(true);
    expect(hasCapNetAdmin('CapEff:\t0000000000001000\n')).toBe(true);
    expect(hasCapNetAdmin('CapEff:\t0000000000000000\n')).toBe(false);
    expect(hasCapNetAdmin('CapEff:\t0000000000000fff\n')).toBe(false);
    expect(hasCapNetAdmin('no caps line')).toBe(false);
  });
});
