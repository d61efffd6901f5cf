// SPDX-License-Identifier: GPL-2.0-or-later
// The store's contract, as the model relies on it, for every store: the
// SQLite one and the in-memory key store (unit suite), the etcd one
// (integration). Transactions are all or nothing, a part of one can be
// undone alone, every update raises a revision and one that read an old
// revision is refused (compare and set), names are unique.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Owner } from '../../lib/cnm/intents';
import type { Store, StoreTx } from '../../lib/cnm/store/ports';
import { endpointRecord, networkRecord } from './records';

const network = (id: string, name = id) => networkRecord(id, { name });
const endpoint = endpointRecord;

const alive: Owner = { pid: 1, startTime: '1', bootId: 'b' };
const other: Owner = { pid: 2, startTime: '2', bootId: 'b' };

export function storeContract(name: string, make: () => Promise<{ store: Store; done(): Promise<void> }>): void {
  describe(`the store's contract: ${name}`, () => {
    let store: Store;
    let done: () => Promise<void>;
    const tx = <T>(fn: (tx: StoreTx) => T): Promise<T> => store.transact(fn);

    beforeEach(async () => {
      ({ store, done } = await make());
    });
    afterEach(async () => {
      await done();
    });

    it('commits a transaction whole, or nothing of it when it throws', async () => {
      await expect(
        tx((t) => {
          t.networks.insert(network('n1'));
          t.intents.insert('network.create', { id: 'n1' }, alive);
          throw new Error('refused half way');
        }),
      ).rejects.toThrow(/refused half way/);
      expect(store.read.networks.get('n1')).toBeUndefined();
      expect(store.read.intents.list()).toEqual([]);
      await tx((t) => t.networks.insert(network('n1')));
      expect(store.read.networks.get('n1')).toMatchObject({ name: 'n1', revision: 1, made: true });
      // Link groups are counted past 1,000 (a cluster store's past 1,000,000).
      expect(store.read.networks.get('n1')?.linkGroup).toBeGreaterThan(1000);
    });

    it('undoes a failed attempt alone: the rest of the transaction stands', async () => {
      const outcome = await tx((t) => {
        t.networks.insert(network('n1'));
        const tries = ['e1', 'e1', 'e2'].map((id) => {
          try {
            return t.attempt(() => {
              t.addresses.reserve('n1', `10.0.0.${id.slice(1)}`, id);
              return t.endpoints.insert(endpoint(id, 'n1')).id;
            });
          } catch (error) {
            return (error as { code?: string }).code;
          }
        });
        return tries;
      });
      expect(outcome).toEqual(['e1', 'CNM_ENDPOINT_EXISTS', 'e2']);
      expect(store.read.endpoints.list({ networkId: 'n1' }).map((e) => e.id)).toEqual(['e1', 'e2']);
      // The failed attempt's address was taken back with it; the first one's stays.
      expect(store.read.addresses.holder('n1', '10.0.0.1')).toBe('e1');
    });

    it('raises the revision on every update and refuses one made against an old revision', async () => {
      const first = await tx((t) => t.networks.insert(network('n1')));
      const second = await tx((t) => t.networks.update('n1', { driverState: { bridge: 'br-1' } }, first.revision));
      expect(second.revision).toBe(2);
      expect(second.driverState).toEqual({ bridge: 'br-1' });
      // A writer that read revision 1 lost the race: refused, and the record is as the winner left it.
      await expect(tx((t) => t.networks.update('n1', { made: false }, first.revision))).rejects.toMatchObject({
        code: 'CNM_CONFLICT',
      });
      expect(store.read.networks.get('n1')).toMatchObject({ made: true, revision: 2 });
      // Without a revision, an update is unconditional.
      expect((await tx((t) => t.networks.update('n1', { made: false }))).revision).toBe(3);
      await expect(tx((t) => t.networks.update('gone', { made: true }))).rejects.toMatchObject({
        code: 'CNM_NETWORK_NOT_FOUND',
      });
    });

    it('lets one of two joins that read the same endpoint record itself (compare and set)', async () => {
      await tx((t) => {
        t.networks.insert(network('n1'));
        t.sandboxes.insert({ id: 's1', name: 'a', netnsPath: '/x/a', owned: true, created: '', linksMade: 0 });
        t.sandboxes.insert({ id: 's2', name: 'b', netnsPath: '/x/b', owned: true, created: '', linksMade: 0 });
        t.endpoints.insert(endpoint('e1', 'n1'));
      });
      const read = store.read.endpoints.get('e1');
      const join = (sandboxId: string) =>
        tx((t) =>
          t.endpoints.update(
            'e1',
            { sandboxId, hostIfname: `veth-${sandboxId}`, sandboxIfname: 'eth0', joinInfo: { state: {}, priority: 0 } },
            read?.revision,
          ),
        );
      await join('s1');
      await expect(join('s2')).rejects.toMatchObject({ code: 'CNM_CONFLICT' });
      expect(store.read.endpoints.get('e1')).toMatchObject({ sandboxId: 's1', hostIfname: 'veth-s1' });
      expect(store.read.endpoints.count('n1', { joined: true })).toBe(1);
      // A leave clears the join and keeps what the join recorded.
      await tx((t) =>
        t.endpoints.update('e1', { sandboxId: undefined, hostIfname: undefined, sandboxIfname: undefined }),
      );
      const left = store.read.endpoints.get('e1');
      expect(left?.sandboxId).toBeUndefined();
      expect(left?.joinInfo).toEqual({ state: {}, priority: 0 });
    });

    it('keeps names unique, in Docker words', async () => {
      await tx((t) => t.networks.insert(network('n1', 'web')));
      await expect(tx((t) => t.networks.insert(network('n2', 'web')))).rejects.toThrow(
        /CNM_NETWORK_EXISTS: network with name web already exists/,
      );
      await tx((t) =>
        t.sandboxes.insert({ id: 's1', name: 'c1', netnsPath: '/x', owned: false, created: '', linksMade: 0 }),
      );
      await expect(
        tx((t) =>
          t.sandboxes.insert({ id: 's2', name: 'c1', netnsPath: '/y', owned: false, created: '', linksMade: 0 }),
        ),
      ).rejects.toMatchObject({ code: 'CNM_SANDBOX_EXISTS' });
    });

    it('hands an address to one owner only, and frees it', async () => {
      await tx((t) => t.networks.insert(network('n1')));
      expect(await tx((t) => t.addresses.reserve('n1', '10.0.0.2', 'e1'))).toBe(true);
      expect(await tx((t) => t.addresses.reserve('n1', '10.0.0.2', 'e2'))).toBe(false);
      expect(await tx((t) => t.addresses.release('n1', 'e1'))).toEqual(['10.0.0.2']);
      expect(await tx((t) => t.addresses.reserve('n1', '10.0.0.2', 'e2'))).toBe(true);
    });

    it('finds published ports by protocol, address and range', async () => {
      await tx((t) => {
        t.networks.insert(network('n1'));
        t.endpoints.insert(endpoint('e1', 'n1'));
        t.ports.add('e1', [
          { proto: 'tcp', hostPort: 8080, containerPort: 80 },
          {
            proto: 'udp',
            hostIp: '10.0.0.1',
            hostPort: 5000,
            hostPortEnd: 5002,
            containerPort: 50,
            containerPortEnd: 52,
          },
        ]);
      });
      const ports = store.read.ports;
      expect(ports.firstTaken('tcp', '10.9.9.9', 8000, 9000)).toBe(8080); // every address holds it
      expect(ports.firstTaken('udp', '10.0.0.1', 5001, 5001)).toBe(5001); // inside a range
      expect(ports.firstTaken('udp', '10.0.0.2', 5000, 5002)).toBeUndefined(); // another address
      expect(ports.firstTaken('udp', '', 4000, 6000)).toBe(5000); // '' asks about any address
      expect(ports.highest('udp', 1, 65535)).toBe(5002);
      expect(ports.bindings('e1')).toHaveLength(2);
      await tx((t) => t.ports.remove('e1', [{ proto: 'tcp', hostPort: 8080, containerPort: 80 }]));
      expect(ports.firstTaken('tcp', '', 1, 65535)).toBeUndefined();
      expect(ports.bindings('e1').map((b) => b.proto)).toEqual(['udp']);
      // Removing the endpoint takes its ports with it.
      await tx((t) => t.endpoints.remove('e1'));
      expect(ports.highest('udp', 1, 65535)).toBeUndefined();
    });

    it('gives an intent to a new owner only while the old one holds it', async () => {
      const id = await tx((t) => t.intents.insert('endpoint.join', { endpoint: 'e1' }, other));
      expect(await tx((t) => t.intents.claim(id, other, alive))).toBe(true);
      expect(await tx((t) => t.intents.claim(id, other, alive))).toBe(false);
      await tx((t) => t.intents.amend(id, { ifname: 'eth0' }));
      expect(store.read.intents.list()).toEqual([
        { id, op: 'endpoint.join', subject: { endpoint: 'e1', ifname: 'eth0' }, owner: alive },
      ]);
    });
  });
}
