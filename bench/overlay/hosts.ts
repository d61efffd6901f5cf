// SPDX-License-Identifier: GPL-2.0-or-later
// Simulated hosts for the overlay benchmark: K network namespaces on one
// underlay bridge in the benchmark's own namespace, each with a state
// directory, a controller on the cluster store (a private etcd on 127.0.0.1
// here) and its agent — a `cnm agent` process of its own, so what each agent
// costs is that process's CPU time.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type PrivateEtcd, startPrivateEtcd } from '../../lib/cli/private-etcd';
import { NetworkController } from '../../lib/cnm/controller';
import type { Netns } from '../../lib/kernel/binding';
import { netnsCreate, netnsCurrent, netnsDelete } from '../../lib/kernel/netns';
import { rtnl } from '../../lib/kernel/rtnl';
import { clusterHostEnv } from '../../test/helpers/cluster-env';
import { run } from '../../test/helpers/run';

const UNDERLAY = '192.168.220';
const BRIDGE = 'ulbr';
const CLI = join(import.meta.dirname, '../../lib/cli/main.ts');

export interface SimHost {
  readonly n: number;
  readonly ns: Netns;
  readonly address: string;
  readonly ctl: NetworkController;
  readonly agent: ChildProcess;
  /** The agent process's CPU time so far (user + system), in ms. */
  agentCpuMs(): number;
}

export interface SimCluster {
  readonly etcd: PrivateEtcd;
  readonly hosts: readonly SimHost[];
  close(): Promise<void>;
}

function cpuMs(pid: number): number {
  // /proc/PID/stat: fields 14 and 15 are utime and stime, in clock ticks (100 per second here).
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** K hosts on one underlay, one etcd, an agent process each. */
export async function simulatedCluster(k: number, ttlSeconds = 15): Promise<SimCluster> {
  const undo: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const step of undo.splice(0).reverse()) await step().catch(() => {});
  };
  // However the benchmark ends (an uncaught error included), its agents do not outlive it.
  const agents = new Set<ChildProcess>();
  const orphaned = () => {
    for (const agent of agents) agent.kill('SIGKILL');
  };
  process.once('exit', orphaned);
  undo.push(async () => process.removeListener('exit', orphaned));
  try {
    const etcd = await startPrivateEtcd();
    undo.push(() => etcd.stop());
    const store = `etcd://${etcd.endpoint.slice('http://'.length)}`;
    const here = await netnsCurrent();
    const r = rtnl(here);
    await r.batch([
      { op: 'link.add', kind: 'bridge', name: BRIDGE },
      { op: 'link.set', dev: BRIDGE, up: true },
    ]);
    const bridge = (await r.link(BRIDGE)).index;
    undo.push(() => r.linkDel(BRIDGE));
    const hosts: SimHost[] = [];
    for (let n = 1; n <= k; n++) {
      const address = `${UNDERLAY}.${n}`;
      const dir = `/run/cnm/bench-overlay-${n}`;
      const netnsDir = `${dir}/netns`;
      const stateDir = `${dir}/state`;
      await mkdir(netnsDir, { recursive: true });
      undo.push(() => rm(dir, { recursive: true, force: true }));
      undo.push(() => run('umount', [netnsDir]));
      const ns = await netnsCreate(`host-${n}`, { dir: '/run/cnm/bench-overlay-hosts' });
      undo.push(() => netnsDelete(ns));
      await r.batch([
        { op: 'link.add', kind: 'veth', name: `ul-${n}`, master: bridge, up: true, peer: { name: 'ul0', netns: ns } },
      ]);
      undo.push(() => r.linkDel(`ul-${n}`));
      const hr = rtnl(ns);
      await hr.batch([
        { op: 'link.set', dev: 'lo', up: true },
        { op: 'link.set', dev: 'ul0', up: true },
      ]);
      await hr.addrAdd({ dev: (await hr.link('ul0')).index, address: `${address}/24` });
      const env = clusterHostEnv({ stateDir, hostNetns: ns.path, netnsDir, store, address });
      const ctl = await NetworkController.open({
        stateDir,
        hostNetns: ns,
        netnsDir,
        defaultBridge: false,
        cluster: { store, advertiseAddress: address },
      });
      undo.push(() => ctl.close());
      const agent = spawn(process.execPath, [...process.execArgv, CLI, 'agent', '--ttl', String(ttlSeconds)], {
        env,
        stdio: 'ignore',
      });
      const exited = new Promise((resolve) => agent.once('exit', resolve));
      agents.add(agent);
      undo.push(async () => {
        agent.kill('SIGTERM');
        await exited;
        agents.delete(agent);
      });
      await until(() => !!ctl.cluster?.hosts().some((h) => h.address === address), 30_000, `host ${n}'s agent joins`);
      hosts.push({ n, ns, address, ctl, agent, agentCpuMs: () => cpuMs(agent.pid as number) });
    }
    undo.push(() => run('umount', ['/run/cnm/bench-overlay-hosts']));
    return { etcd, hosts, close };
  } catch (error) {
    await close();
    throw error;
  }
}
