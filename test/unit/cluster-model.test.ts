// SPDX-License-Identifier: GPL-2.0-or-later
// Two hosts sharing one cluster store, on the fake kernel, unprivileged: a
// global-scope network's record, subnets, addresses and endpoints live in the
// cluster store (the in-memory key store here; etcd in production); each
// host keeps its own part of it (the driver's record, made at its first join
// there). The driver is the bridge driver declared global, so that the model's
// side is tested apart from the overlay driver's data plane.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { inspectNetwork } from '../../lib/cli/docker-json';
import { networkInspectView } from '../../lib/cli/format/docker-views';
import { goJson } from '../../lib/cli/format/go-json';
import { hostIdOf, lossGraceMs } from '../../lib/cnm/agent';
import { withdrawLostHosts } from '../../lib/cnm/host-loss';
import { MemoryKv } from '../../lib/cnm/store/kv/kv';
import { memoryStore } from '../../lib/cnm/store/kv/kv-store';
import { CLUSTER_LINK_GROUP_BASE } from '../../lib/cnm/store/kv/repositories';
import type { Driver } from '../../lib/drivers/driver';
import { builtinDrivers } from '../../lib/drivers/registry';
import { NetworkController } from '../../lib/index';
import { restoreKernelBinding, useKernelBinding } from '../../lib/kernel/binding';
import { FakeKernel, FakeNetns } from '../../lib/kernel/fake/index';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

const bridge = builtinDrivers().find((d) => d.type === 'bridge') as Driver;
const globalBridge: Driver = {
  ...bridge,
  type: 'gbridge',
  capabilities: { ...bridge.capabilities, dataScope: 'global' },
};

async function twoHosts() {
  const fake = new FakeKernel();
  useKernelBinding(fake, FakeNetns);
  const kv = new MemoryKv();
  const cluster = memoryStore(kv, CLUSTER_LINK_GROUP_BASE);
  const dirs: string[] = [];
  const host = async (name: string, advertiseAddress: string) => {
    const ns = (await fake.netnsCreate('/cnm-fake-hosts', name)) as FakeNetns;
    const stateDir = mkdtempSync(join(tmpdir(), `cnm-cluster-${name}-`));
    dirs.push(stateDir);
    const ctl = await NetworkController.open({
      stateDir,
      hostNetns: ns.path,
      netnsDir: `/cnm-fake-netns-${name}`,
      defaultBridge: false,
      cluster: { store: cluster, advertiseAddress },
    });
    ctl.registerDriver(globalBridge);
    return { ns, ctl, links: () => fake.dump(ns.path).links.map((l) => l.name) };
  };
  const a = await host('a', '10.200.0.1');
  const b = await host('b', '10.200.0.2');
  cleanup = async () => {
    for (const h of [a, b]) {
      await h.ctl.close();
      await fake.netnsDelete(h.ns);
    }
    await cluster.close();
    restoreKernelBinding();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  };
  return { a, b, cluster, kv };
}

describe('a global-scope network on two hosts sharing a cluster store', () => {
  it('is seen by both, gets its objects on each host at its first join there, and hands out addresses once', async () => {
    const { a, b } = await twoHosts();
    const g = await a.ctl.createNetwork({
      name: 'g',
      driver: 'gbridge',
      ipam: { config: [{ subnet: '10.44.0.0/24' }] },
    });
    // Host B sees it, global, with its subnet; neither host has made anything for it yet.
    const seen = b.ctl.network('g').info();
    expect(seen).toMatchObject({ id: g.id, scope: 'global', driver: 'gbridge' });
    expect(seen.ipam.config.map((c) => c.subnet)).toEqual(['10.44.0.0/24']);
    expect(a.links()).toEqual(['lo']);
    expect(b.links()).toEqual(['lo']);

    const sa = await a.ctl.createSandbox({ name: 'sa' });
    const sb = await b.ctl.createSandbox({ name: 'sb' });
    const ea = await a.ctl.network('g').connect(sa);
    const eb = await b.ctl.network('g').connect(sb);
    expect([ea.info().ipv4Address, eb.info().ipv4Address].sort()).toEqual(['10.44.0.2/24', '10.44.0.3/24']);
    // Each host made its own objects (a bridge) at its first join.
    expect(a.links().filter((l) => l.startsWith('br-'))).toHaveLength(1);
    expect(b.links().filter((l) => l.startsWith('br-'))).toHaveLength(1);
    // The network's endpoints are the cluster's: both hosts list both.
    expect(a.ctl.network('g').endpoints()).toHaveLength(2);
    expect(b.ctl.network('g').endpoints()).toHaveLength(2);

    // `network inspect` on host A: its own container, and both hosts as Docker's Peers (no agent
    // registered a name here, so each by its address).
    const inspected = inspectNetwork(a.ctl, a.ctl.network('g'));
    expect(Object.values(inspected.Containers).map((c) => c.Name)).toEqual(['sa']);
    expect(inspected.Peers).toEqual([
      { Name: '10.200.0.1', IP: '10.200.0.1' },
      { Name: '10.200.0.2', IP: '10.200.0.2' },
    ]);
    // As `cnm network inspect` prints it (Docker's typed view).
    expect(JSON.parse(goJson(networkInspectView(inspected), {})).Peers).toEqual(inspected.Peers);

    // Each host's recover() repairs its own: the other host's endpoint is not "gone" here.
    expect(await a.ctl.recover()).toEqual([]);
    expect(await b.ctl.recover()).toEqual([]);
    expect(a.ctl.network('g').endpoints()).toHaveLength(2);

    // A deletion on host A that died part way is not finished over host B's endpoint.
    const dead = { pid: 2 ** 22 + 1, startTime: '0', bootId: 'gone' };
    await a.ctl.store.transact((tx) => tx.intents.insert('network.delete', { id: g.id }, dead));
    expect(await a.ctl.recover()).toEqual(['gave up deleting network g: it has 2 endpoint(s) now']);
    expect(b.ctl.network('g').info().name).toBe('g');

    // Removed while any host has an endpoint on it: refused, on either host.
    await expect(b.ctl.network('g').delete()).rejects.toMatchObject({ code: 'CNM_NETWORK_IN_USE' });

    // A host's objects go with its last endpoint there (B's still has its own).
    await a.ctl.deleteSandboxes([sa]);
    expect(a.links()).toEqual(['lo']);
    expect(b.links().filter((l) => l.startsWith('br-'))).toHaveLength(1);
    await b.ctl.deleteSandboxes([sb]);
    expect(b.links()).toEqual(['lo']);
    expect(b.ctl.network('g').endpoints()).toEqual([]);
    // Objects made on A with no endpoint there (a join that will come): when B deletes the
    // network, A's go once A learns it is gone (its agent, as the store's watch brings the
    // deletion, or recover()).
    await a.ctl.ensureMade(a.ctl.networkRow('g'));
    expect(a.links().filter((l) => l.startsWith('br-'))).toHaveLength(1);
    await b.ctl.network('g').delete();
    expect(a.ctl.networks().map((n) => n.info().name)).not.toContain('g');
    expect(a.links().filter((l) => l.startsWith('br-'))).toHaveLength(1);
    expect(await a.ctl.recover()).toEqual([
      "released this host's objects of gbridge network g (deleted from the cluster)",
    ]);
    expect(a.links()).toEqual(['lo']);
    expect(await a.ctl.recover()).toEqual([]);
  });

  it("withdraws a lost host's endpoints and frees their addresses, but not a stopped host's", async () => {
    const { a, b, cluster, kv } = await twoHosts();
    const record = (address: string) => ({ id: hostIdOf(address), address, name: address, started: '' });
    await cluster.join(record('10.200.0.1'), 15);
    const memberB = await cluster.join(record('10.200.0.2'), 15);
    await a.ctl.createNetwork({ name: 'g', driver: 'gbridge', ipam: { config: [{ subnet: '10.46.0.0/24' }] } });
    const sb = await b.ctl.createSandbox({ name: 'sb' });
    const eb = await b.ctl.network('g').connect(sb);
    expect(eb.info().ipv4Address).toBe('10.46.0.2/24');
    // Running: nothing to withdraw.
    expect(await withdrawLostHosts(a.ctl)).toEqual([]);
    // B's agent stops on purpose: B is no longer running, but stopped, and its endpoint stays.
    await memberB.leave();
    expect(cluster.hosts().map((h) => h.address)).toEqual(['10.200.0.1']);
    expect(cluster.stoppedHosts().map((h) => h.address)).toEqual(['10.200.0.2']);
    expect(await withdrawLostHosts(a.ctl)).toEqual([]);
    expect(a.ctl.network('g').endpoints()).toHaveLength(1);
    // B's agent runs again (no longer stopped), then its lease expires: B is lost.
    await cluster.join(record('10.200.0.2'), 15);
    expect(cluster.stoppedHosts()).toEqual([]);
    kv.delete(`host/${hostIdOf('10.200.0.2')}`);
    expect(await withdrawLostHosts(a.ctl)).toEqual([
      'withdrew 1 endpoint(s) of lost host 10.200.0.2: sb (addresses freed)',
    ]);
    expect(a.ctl.network('g').endpoints()).toEqual([]);
    expect(await withdrawLostHosts(a.ctl)).toEqual([]);
    // Its address is free again: the next endpoint on the network gets it.
    const sa = await a.ctl.createSandbox({ name: 'sa' });
    expect((await a.ctl.network('g').connect(sa)).info().ipv4Address).toBe('10.46.0.2/24');
    await a.ctl.deleteSandboxes([sa]);
    await b.ctl.deleteSandboxes([sb]);
    await a.ctl.network('g').delete();
  });

  it("an agent whose lease expired under it joins again, and its host's endpoints stay", async () => {
    const { a, b, cluster, kv } = await twoHosts();
    // Memberships whose loss the test decides (in memory a lease never expires by itself).
    const losses: ((e: Error) => void)[] = [];
    const join = cluster.join.bind(cluster);
    cluster.join = async (host, ttl) => {
      const held = await join(host, ttl);
      return { ...held, lost: new Promise<Error>((resolve) => losses.push(resolve)) };
    };
    const events: string[] = [];
    const stop = new AbortController();
    const agentA = a.ctl.runAgent({
      ttlSeconds: 2,
      signal: stop.signal,
      log: (e) => events.push(`${e.msg}:${e.address ?? ''}`),
    });
    const stopB = new AbortController();
    const agentB = b.ctl.runAgent({ ttlSeconds: 2, signal: stopB.signal });
    const until = async (ok: () => boolean) => {
      for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
      expect(ok()).toBe(true);
    };
    await until(() => cluster.hosts().length === 2);
    await a.ctl.createNetwork({ name: 'g', driver: 'gbridge', ipam: { config: [{ subnet: '10.47.0.0/24' }] } });
    const sa = await a.ctl.createSandbox({ name: 'sa' });
    await a.ctl.network('g').connect(sa);
    // Host A's lease expires (its record goes), and its agent is told: it joins again at once,
    // within B's grace, so B withdraws nothing.
    kv.delete(`host/${hostIdOf('10.200.0.1')}`);
    // A change the watchers see: B sees A gone before A's agent hears of it.
    const owner = { pid: 1, startTime: '0', bootId: 'x' };
    const mark = await cluster.transact((tx) => tx.intents.insert('network.delete', { id: 'x' }, owner));
    await cluster.transact((tx) => tx.intents.remove(mark));
    expect(cluster.hosts().map((h) => h.address)).toEqual(['10.200.0.2']);
    // A's agent hears of it a moment later (at its next keepalive, in etcd).
    await new Promise((r) => setTimeout(r, 200));
    losses[0]?.(new Error('lease expired'));
    await until(() => cluster.hosts().some((h) => h.address === '10.200.0.1'));
    expect(events).toContain('membership lost:10.200.0.1');
    expect(events.filter((e) => e === 'joined:10.200.0.1')).toHaveLength(2);
    await new Promise((r) => setTimeout(r, lossGraceMs(2) + 300));
    expect(a.ctl.network('g').endpoints()).toHaveLength(1);
    stop.abort();
    stopB.abort();
    await Promise.all([agentA, agentB]);
    expect(events.at(-1)).toBe('withdrew:10.200.0.1');
    await a.ctl.deleteSandboxes([sa]);
    await a.ctl.network('g').delete();
  });

  it('shares one namespace of names and subnets with each host’s local networks', async () => {
    const { a, b } = await twoHosts();
    await a.ctl.createNetwork({ name: 'g', driver: 'gbridge', ipam: { config: [{ subnet: '10.45.0.0/24' }] } });
    await expect(b.ctl.createNetwork({ name: 'g' })).rejects.toThrow(
      /CNM_NETWORK_EXISTS: network with name g already exists/,
    );
    await expect(
      b.ctl.createNetwork({ name: 'l', ipam: { config: [{ subnet: '10.45.0.0/16' }] } }),
    ).rejects.toMatchObject({ code: 'CNM_SUBNET_OVERLAP' });
    // An automatic subnet skips it too.
    const local = await b.ctl.createNetwork({ name: 'l', ipam: { config: [] } });
    expect(local.info().ipam.config[0]?.subnet).not.toBe('10.45.0.0/24');
    await local.delete();
    await a.ctl.network('g').delete();
  });
});

describe('cluster settings', () => {
  it('read etcd://HOST:PORT[,HOST:PORT…] as etcd members, and refuse anything else before connecting', async () => {
    const { etcdEndpoints } = await import('../../lib/cnm/cluster');
    expect(etcdEndpoints('etcd://10.0.0.1:2379')).toEqual(['http://10.0.0.1:2379']);
    expect(etcdEndpoints('etcd://a:2379,[fd00::1]:2379')).toEqual(['http://a:2379', 'http://[fd00::1]:2379']);
    for (const bad of ['consul://a:8500', 'etcd://a', 'etcd://a:0', 'etcd://a:70000', 'etcd://', 'etcd://a:1,']) {
      expect(() => etcdEndpoints(bad), bad).toThrow(/CNM_INVALID_CONFIG: cluster.store/);
    }
  });

  it('take a lease ttl for the agent from 2 to 3600 seconds, refused otherwise before anything opens', async () => {
    const { openCluster } = await import('../../lib/cnm/cluster');
    const store = memoryStore();
    for (const ttlSeconds of [1, 2.5, 3601]) {
      await expect(openCluster({ store, ttlSeconds })).rejects.toThrow(
        `CNM_INVALID_CONFIG: cluster.ttlSeconds: ${ttlSeconds} is not a whole number of seconds from 2 to 3600`,
      );
    }
    await expect(openCluster({ store, ttlSeconds: 30 })).resolves.toMatchObject({ owned: false });
    await store.close();
  });
});
