// SPDX-License-Identifier: GPL-2.0-or-later
// The overlay driver on the real kernel, two simulated hosts: two network
// namespaces joined by an underlay link (192.168.200.0/24), each with its
// own controller, state and agent, sharing one cluster store (the in-memory
// key store; the etcd store is tested on its own). Sandboxes on both hosts
// reach each other over VXLAN, with static FDB and neighbour entries the
// agents programmed, checked with `ip`/`bridge` inside the network's namespace.
import { execFile } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MemoryKv } from '../../lib/cnm/store/kv/kv';
import { memoryStore } from '../../lib/cnm/store/kv/kv-store';
import { CLUSTER_LINK_GROUP_BASE } from '../../lib/cnm/store/kv/repositories';
import { NetworkController } from '../../lib/index';
import type { Netns } from '../../lib/kernel/binding';
import { netnsDelete, netnsExists } from '../../lib/kernel/netns';
import { rtnl } from '../../lib/kernel/rtnl';
import { useTestHost } from '../helpers/host';
import { ask, closeAll, echoSource, reach } from '../helpers/traffic';

const t = useTestHost(import.meta.filename);
const execFileP = promisify(execFile);
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

async function json<T>(netns: string, cmd: string, args: readonly string[]): Promise<T> {
  const { stdout } = await execFileP('nsenter', [`--net=${netns}`, cmd, '-j', ...args]);
  return JSON.parse(stdout || '[]') as T;
}

interface FdbEntry {
  readonly mac: string;
  readonly dst?: string;
  readonly state?: string;
  readonly master?: string;
}

/** The VXLAN device's own FDB (`self`): not what the bridge learned on its port. */
async function vxlanFdb(netns: string): Promise<FdbEntry[]> {
  return (await json<FdbEntry[]>(netns, 'bridge', ['fdb', 'show', 'dev', 'vx-4096'])).filter((e) => !e.master);
}

interface Host {
  readonly ns: Netns;
  readonly address: string;
  readonly cluster: ReturnType<typeof memoryStore>;
  readonly ctl: NetworkController;
  readonly netnsDir: string;
  readonly stop: AbortController;
  readonly agent: Promise<void>;
}

/** Two hosts on one underlay link, each with its controller and agent, one cluster store. */
async function twoHosts(): Promise<[Host, Host]> {
  const cluster = memoryStore(new MemoryKv(), CLUSTER_LINK_GROUP_BASE);
  const a = await t.netns('ha');
  const b = await t.netns('hb');
  cleanups.push(
    () => netnsDelete(a),
    () => netnsDelete(b),
  );
  await rtnl(a).batch([
    { op: 'link.set', dev: 'lo', up: true },
    { op: 'link.add', kind: 'veth', name: 'ul0', peer: { name: 'ul0', netns: b } },
    { op: 'link.set', dev: 'ul0', up: true },
  ]);
  await rtnl(a).addrAdd({ dev: (await rtnl(a).link('ul0')).index, address: '192.168.200.1/24' });
  await rtnl(b).batch([
    { op: 'link.set', dev: 'lo', up: true },
    { op: 'link.set', dev: 'ul0', up: true },
  ]);
  await rtnl(b).addrAdd({ dev: (await rtnl(b).link('ul0')).index, address: '192.168.200.2/24' });
  const hosts: Host[] = [];
  for (const [ns, name, address] of [
    [a, 'a', '192.168.200.1'],
    [b, 'b', '192.168.200.2'],
  ] as const) {
    const netnsDir = `/run/cnm-test-overlay-${name}-${process.pid}`;
    const stateDir = `${netnsDir}-state`;
    await mkdir(netnsDir, { recursive: true });
    const ctl = await NetworkController.open({
      stateDir,
      hostNetns: ns,
      netnsDir,
      defaultBridge: false,
      cluster: { store: cluster, advertiseAddress: address },
    });
    const stop = new AbortController();
    const agent = ctl.runAgent({
      ttlSeconds: 5,
      signal: stop.signal,
      log: (e) => {
        if (e.level === 'error') console.error(name, JSON.stringify(e));
      },
    });
    // Each step on its own: one that fails does not keep the others from cleaning up.
    cleanups.push(
      () => rm(stateDir, { recursive: true, force: true }),
      () => rm(netnsDir, { recursive: true, force: true }),
      () => execFileP('umount', [netnsDir]),
      () => ctl.close(),
      async () => {
        stop.abort();
        await agent;
      },
    );
    hosts.push({ ns, address, cluster, ctl, netnsDir, stop, agent });
  }
  return hosts as [Host, Host];
}

async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('overlay networks across two hosts', () => {
  it('sandboxes on two hosts reach each other over VXLAN, through static entries the agents programmed', async () => {
    const [a, b] = await twoHosts();
    const net = await a.ctl.createNetwork({
      name: 'ov',
      driver: 'overlay',
      ipam: { config: [{ subnet: '10.77.0.0/24' }] },
    });
    expect(b.ctl.network('ov').info()).toMatchObject({ scope: 'global', driver: 'overlay' });
    const sa = await a.ctl.createSandbox({ name: 'sa' });
    const sb = await b.ctl.createSandbox({ name: 'sb' });
    const ea = await a.ctl.network('ov').connect(sa, {
      portBindings: [{ proto: 'tcp', hostPort: 18080, containerPort: 8080 }],
    });
    const eb = await b.ctl.network('ov').connect(sb);
    const ipA = (ea.info().ipv4Address ?? '').split('/')[0] as string;
    const ipB = (eb.info().ipv4Address ?? '').split('/')[0] as string;

    // Each host made the network's namespace at its first join: a bridge and the VXLAN
    // device (VNI 4096, port 4789, no learning), MTU 1500 - 50.
    const ovA = `${a.netnsDir}/ov-4096`;
    const [vx] = await json<{ ifname: string; mtu: number; linkinfo: { info_data: Record<string, unknown> } }[]>(
      ovA,
      'ip',
      ['-d', 'link', 'show', 'vx-4096'],
    );
    expect(vx?.mtu).toBe(1450);
    expect(vx?.linkinfo.info_data).toMatchObject({
      id: 4096,
      port: 4789,
      learning: false,
      proxy: true,
      local: '192.168.200.1',
    });

    // Host A's VXLAN device knows B's sandbox: MAC → VTEP 192.168.200.2, IP → MAC (static).
    const fdb = await eventually(
      () => vxlanFdb(ovA),
      (entries) => entries.some((e) => e.mac === eb.info().macAddress),
    );
    expect(fdb.find((e) => e.mac === eb.info().macAddress)).toMatchObject({ dst: '192.168.200.2', state: 'permanent' });
    const neigh = await json<{ dst: string; lladdr: string; state: string[] }[]>(ovA, 'ip', [
      'neigh',
      'show',
      'dev',
      'vx-4096',
    ]);
    expect(neigh.find((n) => n.dst === ipB)).toMatchObject({ lladdr: eb.info().macAddress, state: ['PERMANENT'] });

    // Real traffic, both ways.
    const nsA = await a.ctl.sandboxNamespace(sa.id);
    const nsB = await b.ctl.sandboxNamespace(sb.id);
    const servers = [await echoSource(nsB, ipB, 80), await echoSource(nsA, ipA, 80)];
    try {
      expect(
        await eventually(
          () => reach(nsA, ipB, 80),
          (r) => r === 'connected',
        ),
      ).toBe('connected');
      expect(await ask(nsA, ipB, 80)).toBe(ipA);
      expect(await ask(nsB, ipA, 80)).toBe(ipB);
    } finally {
      await closeAll(servers);
    }

    // The way out (Docker's docker_gwbridge): A's sandbox has eth1 on A's gateway network and
    // reaches B's underlay address masqueraded as A's; the port asked on the overlay endpoint
    // is published there, and B reaches it on A's underlay address.
    const gwA = a.ctl.network('docker_gwbridge');
    expect(gwA.endpoints().map((e) => e.info())).toMatchObject([{ ifname: 'eth1', sandboxId: sa.id }]);
    const [route] = await json<{ gateway: string; dev: string }[]>(a.ctl.sandbox('sa').info().netnsPath, 'ip', [
      'route',
      'show',
      'default',
    ]);
    expect(route).toMatchObject({ gateway: gwA.info().ipam.config[0]?.gateway, dev: 'eth1' });
    const ways = [await echoSource(b.ns, '192.168.200.2', 81), await echoSource(nsA, '0.0.0.0', 8080)];
    try {
      expect(await ask(nsA, '192.168.200.2', 81)).toBe('192.168.200.1');
      expect(await ask(b.ns, '192.168.200.1', 18080)).toBe('192.168.200.2');
    } finally {
      await closeAll(ways);
    }

    // Docker's Peers: both hosts, by the names their agents registered and their underlay addresses.
    expect(
      a.ctl
        .network('ov')
        .peers()
        .map((p) => p.address),
    ).toEqual(['192.168.200.1', '192.168.200.2']);
    expect(
      b.ctl
        .network('ov')
        .peers()
        .every((p) => p.name.length > 0),
    ).toBe(true);

    // Refused while either host has an endpoint on it.
    await expect(b.ctl.network('ov').delete()).rejects.toMatchObject({ code: 'CNM_NETWORK_IN_USE' });
    // B's sandbox goes: A's agent takes B's entries away.
    const macB = eb.info().macAddress;
    await b.ctl.deleteSandboxes([sb]);
    const after = await eventually(
      () => vxlanFdb(ovA),
      (entries) => !entries.some((e) => e.mac === macB),
    );
    expect(after.some((e) => e.mac === macB)).toBe(false);
    const neighAfter = await json<{ dst: string }[]>(ovA, 'ip', ['neigh', 'show', 'dev', 'vx-4096']);
    expect(neighAfter.some((n) => n.dst === ipB)).toBe(false);
    // Each host's namespace went with its last endpoint there, as Docker's overlay does.
    const ovB = `${b.netnsDir}/ov-4096`;
    expect(await netnsExists(ovB)).toBe(false);
    await a.ctl.deleteSandboxes([sa]);
    expect(await netnsExists(ovA)).toBe(false);
    // Made again on B with no endpoint there (a join about to come): when A deletes the
    // network, B's agent releases B's objects as the store's watch brings the deletion.
    await b.ctl.ensureMade(b.ctl.networkRow('ov'));
    expect(await netnsExists(ovB)).toBe(true);
    await net.delete();
    await gwA.delete();
    await b.ctl.network('docker_gwbridge').delete();
    expect(
      await eventually(
        () => netnsExists(ovB),
        (exists) => !exists,
      ),
    ).toBe(false);
  });

  it("a host's agent that starts again takes away entries of peers that left while it was down", async () => {
    const [a, b] = await twoHosts();
    await a.ctl.createNetwork({ name: 'ov3', driver: 'overlay', ipam: { config: [{ subnet: '10.79.0.0/24' }] } });
    const sa = await a.ctl.createSandbox({ name: 'sa3' });
    const sb = await b.ctl.createSandbox({ name: 'sb3' });
    await a.ctl.network('ov3').connect(sa);
    const macB = (await b.ctl.network('ov3').connect(sb)).info().macAddress;
    const ovA = `${a.netnsDir}/ov-4096`;
    await eventually(
      () => vxlanFdb(ovA),
      (entries) => entries.some((e) => e.mac === macB),
    );
    // Host A's agent and controller stop; B's peer leaves meanwhile: A's entry stays, stale.
    a.stop.abort();
    await a.agent;
    await a.ctl.close();
    await b.ctl.deleteSandboxes([sb]);
    expect((await vxlanFdb(ovA)).some((e) => e.mac === macB)).toBe(true);
    // A starts again (a new process, as far as cnm knows): its agent finds the stale entry and takes it away.
    const again = await NetworkController.open({
      stateDir: `${a.netnsDir}-state`,
      hostNetns: a.ns,
      netnsDir: a.netnsDir,
      defaultBridge: false,
      cluster: { store: a.cluster, advertiseAddress: a.address },
    });
    const stop = new AbortController();
    const agent = again.runAgent({ ttlSeconds: 5, signal: stop.signal });
    try {
      const after = await eventually(
        () => vxlanFdb(ovA),
        (entries) => !entries.some((e) => e.mac === macB),
      );
      expect(after.some((e) => e.mac === macB)).toBe(false);
      await again.deleteSandboxes([again.sandbox('sa3')]);
      await again.network('ov3').delete();
    } finally {
      stop.abort();
      await agent;
      await again.close();
    }
  });

  it('connectMany on an overlay network: item by item, each with its way out; a failed item alone undone', async () => {
    const [a, b] = await twoHosts();
    await a.ctl.createNetwork({ name: 'ovm', driver: 'overlay', ipam: { config: [{ subnet: '10.76.0.0/24' }] } });
    const taken = await a.ctl.createSandbox({ name: 'm-taken' });
    const results = await a.ctl
      .network('ovm')
      .connectMany([{ sandboxName: 'm1' }, { sandboxName: 'm-taken' }, { sandboxName: 'm2' }], { concurrency: 2 });
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    expect(results[1]).toMatchObject({ ok: false, error: { code: 'CNM_SANDBOX_EXISTS' } });
    const made = results.flatMap((r) => (r.ok ? [r] : []));
    const ips = made.map((r) => r.endpoint.info().ipv4Address);
    expect(new Set(ips).size).toBe(2);
    // Each has its way out, and is a peer on host B (whose network is made at its first join there).
    expect(a.ctl.network('docker_gwbridge').endpoints()).toHaveLength(2);
    const sb = await b.ctl.createSandbox({ name: 'm-b' });
    await b.ctl.network('ovm').connect(sb);
    const macs = made.map((r) => r.endpoint.info().macAddress);
    const ovB = `${b.netnsDir}/ov-4096`;
    const fdb = await eventually(
      () => vxlanFdb(ovB),
      (entries) => macs.every((m) => entries.some((e) => e.mac === m)),
    );
    expect(macs.every((m) => fdb.some((e) => e.mac === m))).toBe(true);
    await a.ctl.deleteSandboxes([...made.map((r) => r.sandbox), taken]);
    await b.ctl.deleteSandboxes([sb]);
    await a.ctl.network('ovm').delete();
    for (const h of [a, b]) await h.ctl.network('docker_gwbridge').delete();
  });

  it('refuses a connect on a host whose agent is not running, and -o encrypted', async () => {
    const [a] = await twoHosts();
    await expect(
      a.ctl.createNetwork({ name: 'sec', driver: 'overlay', options: { encrypted: 'true' } }),
    ).rejects.toThrow(/CNM_NOT_SUPPORTED: options.encrypted: .*IPsec ESP/);
    const net = await a.ctl.createNetwork({
      name: 'ov2',
      driver: 'overlay',
      ipam: { config: [{ subnet: '10.78.0.0/24' }] },
    });
    a.stop.abort();
    await a.agent;
    const sa = await a.ctl.createSandbox({ name: 'sa2' });
    await expect(net.connect(sa)).rejects.toMatchObject({ code: 'CNM_AGENT_NOT_RUNNING' });
    await sa.delete();
    await net.delete();
  });
});
