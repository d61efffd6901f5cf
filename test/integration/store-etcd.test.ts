// SPDX-License-Identifier: GPL-2.0-or-later
// The cluster store on a real etcd (Debian's etcd-server, private to this
// test run): the store's contract, two stores (two hosts) allocating from
// one subnet at once, and etcd killed and started again under them.
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ipam } from '../../lib/cnm/ipam/ipam';
import { openEtcdStore } from '../../lib/cnm/store/etcd/etcd-store';
import type { KvStore } from '../../lib/cnm/store/kv/kv-store';
import { cli } from '../helpers/cli';
import { etcdInstalled, startEtcd, type TestEtcd } from '../helpers/etcd';
import { useTestHost } from '../helpers/host';
import { storeContract } from '../store/contract';
import { networkRecord } from '../store/records';

if (!etcdInstalled()) throw new Error('etcd is not installed: scripts/setup.sh installs Debian’s etcd-server');

const t = useTestHost(import.meta.filename);
let etcd: TestEtcd;
const open = (prefix: string, timeoutMs = 5_000) => openEtcdStore({ endpoints: [etcd.endpoint], prefix, timeoutMs });

beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await etcd.stop();
});

// A prefix of its own per test: one etcd serves them all.
storeContract('etcd', async () => {
  const store = await open(`test-${randomUUID()}/`);
  return { store, done: async () => store.close() };
});

const network = (id: string) =>
  networkRecord(id, { driver: 'overlay', scope: 'global', attachable: true, created: new Date().toISOString() });

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within 10 s: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('two hosts on one cluster store', () => {
  it('allocate from one subnet at once and never hand out one address twice', async () => {
    const prefix = `two-${randomUUID()}/`;
    const [a, b] = [await open(prefix), await open(prefix)] as [KvStore, KvStore];
    try {
      const ipam = new Ipam([], []);
      await a.transact((tx) => {
        tx.networks.insert(network('ov'));
        ipam.requestPools(tx, 'ov', [{ subnet: '10.200.0.0/24' }], [4], []);
      });
      // B learns of the network from its watch.
      await until(() => b.read.networks.get('ov') !== undefined, 'host B sees the network');
      const take = (store: KvStore, host: string) =>
        Promise.all(
          Array.from({ length: 15 }, (_, i) =>
            store.transact((tx) => ipam.requestAddress(tx, 'ov', 4, `${host}-${i}`)),
          ),
        );
      const [fromA, fromB] = await Promise.all([take(a, 'a'), take(b, 'b')]);
      const all = [...fromA, ...fromB];
      expect(new Set(all).size).toBe(30);
      // Both mirrors end up with the same thirty owners (and the gateway).
      await until(() => b.read.addresses.holder('ov', (fromA[14] ?? '').split('/')[0] ?? '') === 'a-14', 'B sees A');
      await until(() => a.read.addresses.holder('ov', (fromB[14] ?? '').split('/')[0] ?? '') === 'b-14', 'A sees B');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('etcd killed: changes fail with CNM_STORE_UNAVAILABLE, reads go on; started again, both hosts carry on', async () => {
    const prefix = `outage-${randomUUID()}/`;
    const [a, b] = [await open(prefix, 2_000), await open(prefix, 2_000)] as [KvStore, KvStore];
    try {
      await a.transact((tx) => tx.networks.insert(network('before')));
      await until(() => b.read.networks.get('before') !== undefined, 'host B sees "before"');
      await etcd.kill();
      await expect(a.transact((tx) => tx.networks.insert(network('during')))).rejects.toMatchObject({
        code: 'CNM_STORE_UNAVAILABLE',
      });
      // What the mirror holds is still there to read.
      expect(a.read.networks.get('before')?.name).toBe('before');
      expect(a.read.networks.get('during')).toBeUndefined();
      await etcd.start();
      // The client reconnects; a change after the restart reaches the other host's mirror.
      const deadline = Date.now() + 20_000;
      for (;;) {
        try {
          // As a user would after an unavailable store: look before doing it again.
          if (!a.read.networks.get('after')) await a.transact((tx) => tx.networks.insert(network('after')));
          break;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      await until(() => b.read.networks.get('after') !== undefined, 'host B sees "after"');
      expect(b.read.networks.get('during')).toBeUndefined();
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('the command', () => {
  it('takes --cluster-store (CNM_CLUSTER_STORE), and refuses a bad URL, an unreachable etcd and --advertise-addr alone', async () => {
    const stateDir = `/run/cnm-state-etcd-cli-${process.pid}`;
    const env = { CNM_STATE_DIR: stateDir, CNM_HOST_NETNS: t.host.path, CNM_NETNS_DIR: t.dir, CNM_DEFAULT_BRIDGE: '0' };
    const url = `etcd://${etcd.endpoint.slice('http://'.length)}`;
    try {
      const flag = await cli(['--cluster-store', url, '--advertise-addr', '10.9.9.9', 'network', 'ls'], env);
      expect(flag.code, flag.stderr).toBe(0);
      expect(flag.stdout).toMatch(/\bnone\s+null\s+local\b/);
      const fromEnv = await cli(['network', 'ls', '-q'], { ...env, CNM_CLUSTER_STORE: url });
      expect(fromEnv.code, fromEnv.stderr).toBe(0);
      const bad = await cli(['--cluster-store', 'consul://10.0.0.1:8500', 'network', 'ls'], env);
      expect([bad.code, bad.stderr]).toEqual([1, expect.stringMatching(/CNM_INVALID_CONFIG: cluster\.store/)]);
      const alone = await cli(['--advertise-addr', '10.9.9.9', 'network', 'ls'], env);
      expect([alone.code, alone.stderr]).toEqual([1, expect.stringMatching(/needs --cluster-store/)]);
      // Nothing listens on port 1 of this namespace's loopback: said, not hung.
      const down = await cli(['--cluster-store', 'etcd://127.0.0.1:1', 'network', 'ls'], env, { timeoutMs: 30_000 });
      expect([down.code, down.stderr]).toEqual([1, expect.stringMatching(/CNM_STORE_UNAVAILABLE/)]);
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
