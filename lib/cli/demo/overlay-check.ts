// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The demo's multi-host check: a private etcd, two simulated hosts (two
 * namespaces on an underlay link, each with its own controller, state and
 * agent), an overlay network across them, and a sandbox on each that
 * reaches the other. It times a connect on host B until host A's sandbox
 * gets its first reply from B's: the whole way through the cluster store,
 * A's agent and the VXLAN device. Skipped, not failed, without etcd.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:net';
import { performance } from 'node:perf_hooks';
import { NetworkController } from '../../cnm/controller';
import type { Netns } from '../../kernel/binding';
import { netnsCreate, netnsDelete } from '../../kernel/netns';
import { rtnl } from '../../kernel/rtnl';
import { etcdInstalled, startPrivateEtcd } from '../private-etcd';
import type { Check } from './checks';
import { type Answer, ask, greeter, said } from './probe';

const UNDERLAY = '192.168.123';
const SUBNET = '10.123.0.0/24';
const PORT = 80;

interface DemoHost {
  readonly name: string;
  readonly ctl: NetworkController;
  readonly address: string;
}

/**
 * Builds the two hosts inside `ctl`'s host namespace's directory, checks
 * traffic both ways, and removes everything it made, whatever happened.
 *
 * @example
 * ```ts
 * const check = await overlayCheck(ctl)   // { name: 'overlay network ...', ok: true, detail: '...', ms: 180 }
 * ```
 */
export async function overlayCheck(ctl: NetworkController): Promise<Check> {
  const name = 'overlay network across two simulated hosts (private etcd, an agent each): sandboxes reach each other';
  if (!etcdInstalled()) {
    return {
      name,
      ok: true,
      skipped: true,
      detail: 'skipped: etcd is not installed (apt-get install etcd-server, or bash scripts/setup.sh)',
    };
  }
  const undo: (() => Promise<unknown>)[] = [];
  try {
    const etcd = await startPrivateEtcd();
    undo.push(() => etcd.stop());
    const [a, b] = await simulatedHosts(ctl, `etcd://${etcd.endpoint.slice('http://'.length)}`, undo);
    const net = await a.ctl.createNetwork({ name: 'multi', driver: 'overlay', ipam: { config: [{ subnet: SUBNET }] } });
    undo.push(() => net.delete());
    const first = await joined(a, undo);
    // Closed before the sandboxes go (a listening socket would keep its namespace).
    const servers: Server[] = [];
    const closeServers = () => Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    undo.push(closeServers);
    servers.push(await greeter(first.ns, first.ip, PORT, 'hello from host A'));
    // From the connect on host B until host A's sandbox hears from B's.
    const t0 = performance.now();
    const second = await joined(b, undo);
    undo.push(closeServers);
    servers.push(await greeter(second.ns, second.ip, PORT, 'hello from host B'));
    let across: Answer = { ok: false, why: 'not tried' };
    for (let i = 0; i < 100 && !across.ok; i++) across = await ask(first.ns, second.ip, PORT, 250);
    const convergedMs = performance.now() - t0;
    const back = await ask(second.ns, first.ip, PORT);
    const ok = across.ok && across.reply === 'hello from host B' && back.ok && back.reply === 'hello from host A';
    return {
      name,
      ok,
      detail: `host A ${first.ip} → host B ${second.ip}: ${said(across)}; host B → host A: ${said(back)}; first reply ${convergedMs.toFixed(0)} ms after the connect on host B began`,
      ms: convergedMs,
    };
  } catch (error) {
    return { name, ok: false, detail: `could not set up: ${(error as Error).message}` };
  } finally {
    for (const step of undo.reverse()) await step().catch(() => {});
  }
}

/** Two host namespaces on one underlay link, each with a controller on the cluster store and its agent. */
async function simulatedHosts(
  ctl: NetworkController,
  store: string,
  undo: (() => Promise<unknown>)[],
): Promise<[DemoHost, DemoHost]> {
  const spaces: Netns[] = [];
  for (const n of ['a', 'b']) {
    const ns = await netnsCreate(`demo-host-${n}`, { dir: ctl.netnsDir });
    undo.push(() => netnsDelete(ns));
    spaces.push(ns);
  }
  const [nsA, nsB] = spaces as [Netns, Netns];
  await rtnl(nsA).batch([{ op: 'link.add', kind: 'veth', name: 'ul0', up: true, peer: { name: 'ul0', netns: nsB } }]);
  const hosts: DemoHost[] = [];
  for (const [i, ns] of spaces.entries()) {
    const hostName = `host ${'AB'[i]}`;
    const address = `${UNDERLAY}.${i + 1}`;
    const r = rtnl(ns);
    await r.batch([
      { op: 'link.set', dev: 'lo', up: true },
      { op: 'link.set', dev: 'ul0', up: true },
    ]);
    await r.addrAdd({ dev: (await r.link('ul0')).index, address: `${address}/24` });
    const stateDir = await mkdtemp(`/run/cnm/demo-host-${i}-state-`);
    const netnsDir = `/run/cnm/demo-host-${i}-netns`;
    await mkdir(netnsDir, { recursive: true });
    undo.push(() => rm(stateDir, { recursive: true, force: true }));
    const host = await NetworkController.open({
      stateDir,
      hostNetns: ns,
      netnsDir,
      defaultBridge: false,
      cluster: { store, advertiseAddress: address },
    });
    undo.push(() => host.close());
    const stop = new AbortController();
    const agent = host.runAgent({ ttlSeconds: 5, signal: stop.signal });
    undo.push(async () => {
      stop.abort();
      await agent;
    });
    // Its membership is in the store before anything is connected on it.
    for (let k = 0; k < 200 && !host.cluster?.hosts().some((h) => h.address === address); k++)
      await new Promise((resolve) => setTimeout(resolve, 25));
    hosts.push({ name: hostName, ctl: host, address });
  }
  return hosts as [DemoHost, DemoHost];
}

/** A sandbox on the host, connected to the overlay network (its way out with it). */
async function joined(h: DemoHost, undo: (() => Promise<unknown>)[]): Promise<{ ns: Netns; ip: string }> {
  const sb = await h.ctl.createSandbox({ name: `${h.name.replace(' ', '-')}-c1` });
  undo.push(async () => {
    await h.ctl.deleteSandboxes([sb]);
    // The way out (docker_gwbridge) the sandbox got with it.
    await h.ctl.network('docker_gwbridge').delete();
  });
  const ep = await h.ctl.network('multi').connect(sb);
  return { ns: await h.ctl.sandboxNamespace(sb.id), ip: (ep.info().ipv4Address ?? '').split('/')[0] ?? '' };
}
