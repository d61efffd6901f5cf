// SPDX-License-Identifier: GPL-2.0-or-later
// Three simulated hosts, as a user runs them: three network namespaces on an
// underlay bridge (192.168.210.0/24), each with its own `cnm agent` process
// and state directory, one etcd on the underlay (192.168.210.254). Every cnm
// command is a process of its own inside its host's namespace, so its etcd
// traffic crosses that host's underlay link like a real host's would.
// Traffic goes only between namespaces this file made.
import { type ChildProcess, execFile } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { lossGraceMs } from '../../lib/cnm/agent';
import type { Netns } from '../../lib/kernel/binding';
import { netnsExec, netnsSpawn } from '../../lib/kernel/exec';
import { netnsDelete, netnsExists, netnsOpen } from '../../lib/kernel/netns';
import { rtnl } from '../../lib/kernel/rtnl';
import { clusterHostEnv } from '../helpers/cluster-env';
import { etcdInstalled, startEtcd, type TestEtcd } from '../helpers/etcd';
import { useTestHost } from '../helpers/host';
import { ask, closeAll, echoSource, makeBridge, reach } from '../helpers/traffic';

if (!etcdInstalled()) throw new Error('etcd is not installed: scripts/setup.sh installs Debian’s etcd-server');

const t = useTestHost(import.meta.filename);
const execFileP = promisify(execFile);
const CLI = join(import.meta.dirname, '../../dist/cli.js');
// `node` from the PATH, not process.execPath: under npm run test:sanitize the PATH's node is
// the one that preloads the ASan runtime, which nsenter (started without it) does not pass on.
const NODE = 'node';
const UNDERLAY = '192.168.210';
// Short for a test, long enough that a busy machine (other files run beside this one on two
// cores) does not starve an agent past it.
const TTL = 5;
const WITHDRAWN_WITHIN_MS = TTL * 1000 + lossGraceMs(TTL) + 6_000;

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface SimHost {
  readonly n: number;
  readonly ns: Netns;
  readonly address: string;
  readonly netnsDir: string;
  /** Runs `cnm ARGS` inside the host's namespace, with its settings. */
  cnm(args: readonly string[]): Promise<Result>;
  /** `ip`/`bridge -j ARGS` inside a namespace path of this host. */
  json<T>(where: string, cmd: 'ip' | 'bridge', args: readonly string[]): Promise<T>;
  agent: { child: ChildProcess; exited: Promise<number | null>; log: () => string };
  startAgent(): Promise<void>;
}

interface Cluster {
  readonly hosts: readonly SimHost[];
  readonly etcd: TestEtcd;
  /** Puts the host's underlay link (back) in. */
  plug(h: SimHost): Promise<void>;
  /** Takes the host's underlay link away: it is cut off from etcd and the others. */
  unplug(h: SimHost): Promise<void>;
  done(): Promise<void>;
}

function ok(r: Result): Result {
  if (r.code !== 0) throw new Error(`cnm exited ${r.code}: ${r.stderr}`);
  return r;
}

async function until<T>(fn: () => Promise<T>, good: (v: T) => boolean, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (good(v)) return v;
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what} (last: ${JSON.stringify(v)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function cluster(): Promise<Cluster> {
  const undo: (() => Promise<unknown>)[] = [];
  const undoAll = async () => {
    // Each step on its own: one that fails does not keep the others from cleaning up.
    for (const step of undo.splice(0).reverse()) await step().catch(() => {});
  };
  try {
    return await build(undo);
  } catch (error) {
    await undoAll();
    throw error;
  }
}

let clusters = 0;

async function build(undo: (() => Promise<unknown>)[]): Promise<Cluster> {
  clusters++;
  const host = t.host;
  const ulbr = await makeBridge(host, 'ulbr', `${UNDERLAY}.254/24`);
  undo.push(() => rtnl(host).linkDel('ulbr'));
  const etcd = await startEtcd({ netns: host, address: `${UNDERLAY}.254` });
  undo.push(() => etcd.stop());
  const hosts: SimHost[] = [];
  const plug = async (h: SimHost) => {
    await rtnl(host).batch([
      {
        op: 'link.add',
        kind: 'veth',
        name: `ul-h${h.n}`,
        master: ulbr,
        up: true,
        peer: { name: 'ul0', netns: h.ns },
      },
    ]);
    const r = rtnl(h.ns);
    await r.batch([
      { op: 'link.set', dev: 'lo', up: true },
      { op: 'link.set', dev: 'ul0', up: true },
    ]);
    await r.addrAdd({ dev: (await r.link('ul0')).index, address: `${h.address}/24` });
  };
  for (const n of [1, 2, 3]) {
    const ns = await t.netns(`h${n}`);
    undo.push(() => netnsDelete(ns));
    const address = `${UNDERLAY}.${n}`;
    // Directories of this cluster's own: what a failed test left cannot spoil the next.
    const netnsDir = `/run/cnm-test-3h-${clusters}-${n}-${process.pid}`;
    const stateDir = `${netnsDir}-state`;
    await mkdir(netnsDir, { recursive: true });
    undo.push(
      () => rm(stateDir, { recursive: true, force: true }),
      () => rm(netnsDir, { recursive: true, force: true }),
      () => execFileP('umount', [netnsDir]),
    );
    const store = `etcd://${etcd.endpoint.slice('http://'.length)}`;
    const env = clusterHostEnv({ stateDir, hostNetns: ns.path, netnsDir, store, address });
    const h: SimHost = {
      n,
      ns,
      address,
      netnsDir,
      async cnm(args) {
        const r = await netnsExec(ns, NODE, [CLI, ...args], { env, timeoutMs: 60_000 });
        return { code: r.code ?? -1, stdout: r.stdout, stderr: r.stderr };
      },
      async json<T>(where: string, cmd: 'ip' | 'bridge', args: readonly string[]) {
        const { stdout } = await execFileP('nsenter', [`--net=${where}`, cmd, '-j', ...args]);
        return JSON.parse(stdout || '[]') as T;
      },
      agent: undefined as unknown as SimHost['agent'],
      async startAgent() {
        const child = netnsSpawn(ns, NODE, [CLI, 'agent', '--ttl', String(TTL)], { env });
        let log = '';
        child.stderr?.setEncoding('utf8').on('data', (d: string) => {
          log += d;
        });
        const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
        this.agent = { child, exited, log: () => log };
        await until(
          async () => log,
          (l) => l.includes('"msg":"joined"') || child.exitCode !== null,
          20_000,
          `host ${n}'s agent joins`,
        );
        if (child.exitCode !== null) throw new Error(`host ${n}'s agent exited: ${log}`);
      },
    };
    await plug(h);
    // Taken away before the namespaces go: a namespace's own teardown takes its time.
    undo.push(() => rtnl(host).linkDel(`ul-h${n}`));
    await h.startAgent();
    undo.push(async () => {
      h.agent.child.kill('SIGKILL');
      await h.agent.exited;
    });
    hosts.push(h);
  }
  return {
    hosts,
    etcd,
    plug,
    async unplug(h) {
      await rtnl(host).linkDel(`ul-h${h.n}`);
    },
    async done() {
      for (const step of undo.splice(0).reverse()) await step().catch(() => {});
    },
  };
}

interface SandboxView {
  readonly path: string;
  readonly ip: string;
  readonly mac: string;
}

async function sandboxOn(h: SimHost, name: string, network: string): Promise<SandboxView> {
  const [sb] = JSON.parse(ok(await h.cnm(['--json', 'sandbox', 'inspect', name])).stdout) as {
    NetworkSettings: { SandboxKey: string; Networks: Record<string, { IPAddress: string; MacAddress: string }> };
  }[];
  const net = sb?.NetworkSettings.Networks[network];
  if (!sb || !net) throw new Error(`sandbox ${name} is not on ${network}`);
  return { path: sb.NetworkSettings.SandboxKey, ip: net.IPAddress, mac: net.MacAddress };
}

async function peers(h: SimHost, network: string): Promise<string[]> {
  const [net] = JSON.parse(ok(await h.cnm(['--json', 'network', 'inspect', network])).stdout) as {
    Peers?: { IP: string }[];
  }[];
  return (net?.Peers ?? []).map((p) => p.IP).sort();
}

/** The MACs in the VXLAN device's own static FDB (`self`), inside the network's namespace on `h`. */
async function fdbMacs(h: SimHost, vni: number): Promise<string[]> {
  const where = `${h.netnsDir}/ov-${vni}`;
  if (!(await netnsExists(where))) return [];
  const entries = await h.json<{ mac: string; master?: string }[]>(where, 'bridge', [
    'fdb',
    'show',
    'dev',
    `vx-${vni}`,
  ]);
  return entries.filter((e) => !e.master).map((e) => e.mac);
}

/** What cnm left in the host: its links besides lo and its underlay link, and overlay namespaces. */
async function left(h: SimHost): Promise<string[]> {
  const links = (await h.json<{ ifname: string }[]>(h.ns.path, 'ip', ['link'])).map((l) => l.ifname);
  const ov = [];
  for (const v of [4096, 4097]) if (await netnsExists(`${h.netnsDir}/ov-${v}`)) ov.push(`namespace ov-${v}`);
  return [...links.filter((l) => l !== 'lo' && l !== 'ul0').map((l) => `link ${l}`), ...ov];
}

/** No VXLAN device, bridge or namespace left on any host (the agents release theirs as the watch tells them). */
async function nothingLeft(c: Cluster): Promise<void> {
  for (const h of c.hosts)
    await until(
      () => left(h),
      (l) => l.length === 0,
      10_000,
      `host ${h.n} has nothing left`,
    );
}

async function servers(paths: readonly string[], port: number) {
  const opened = await Promise.all(paths.map((p) => netnsOpen(p)));
  const listening = await Promise.all(opened.map((ns) => echoSource(ns, '0.0.0.0', port)));
  return {
    ns: opened,
    async close() {
      await closeAll(listening);
      for (const ns of opened) ns.close();
    },
  };
}

describe('three hosts, one etcd on the underlay, an agent each', () => {
  it('one overlay network reaches across all three and two do not reach each other; distinct addresses from concurrent connects; the way out; rm leaves nothing', async () => {
    const c = await cluster();
    try {
      const [h1, h2, h3] = c.hosts as [SimHost, SimHost, SimHost];
      ok(await h1.cnm(['network', 'create', '-d', 'overlay', '--subnet', '10.81.0.0/24', 'ov1']));
      ok(await h2.cnm(['network', 'create', '-d', 'overlay', '--subnet', '10.82.0.0/24', 'ov2']));
      const listed = JSON.parse(ok(await h3.cnm(['--json', 'network', 'ls'])).stdout) as {
        Name: string;
        Scope: string;
      }[];
      expect(listed.filter((n) => n.Name.startsWith('ov'))).toMatchObject([
        { Name: 'ov1', Scope: 'global' },
        { Name: 'ov2', Scope: 'global' },
      ]);
      for (const h of c.hosts) ok(await h.cnm(['sandbox', 'create', `c${h.n}`]));
      ok(await h2.cnm(['sandbox', 'create', 'd2']));
      // Three connects at once, on three hosts: three addresses.
      for (const r of await Promise.all(c.hosts.map((h) => h.cnm(['network', 'connect', 'ov1', `c${h.n}`])))) ok(r);
      ok(await h2.cnm(['network', 'connect', 'ov2', 'd2']));
      const sbs = await Promise.all(c.hosts.map((h) => sandboxOn(h, `c${h.n}`, 'ov1')));
      expect(new Set(sbs.map((s) => s.ip)).size).toBe(3);
      const d2 = await sandboxOn(h2, 'd2', 'ov2');

      const s = await servers([...sbs.map((x) => x.path), d2.path], 80);
      const ul = await echoSource(t.host, `${UNDERLAY}.254`, 81);
      try {
        // Every sandbox on ov1 reaches the other two (each answer: the address it came from).
        for (const [i, from] of sbs.entries()) {
          for (const [j, to] of sbs.entries()) {
            if (i === j) continue;
            const ns = s.ns[i] as Netns;
            await until(
              () => reach(ns, to.ip, 80),
              (r) => r === 'connected',
              10_000,
              `c${i + 1} reaches c${j + 1}`,
            );
            expect(await ask(ns, to.ip, 80)).toBe(from.ip);
          }
        }
        // ov2's sandbox does not reach ov1's, nor the other way round.
        expect(await reach(s.ns[3] as Netns, (sbs[0] as SandboxView).ip, 80)).not.toBe('connected');
        expect(await reach(s.ns[0] as Netns, d2.ip, 80)).not.toBe('connected');
        // The way out: host 3's sandbox reaches an underlay address, as host 3 (masqueraded).
        expect(await ask(s.ns[2] as Netns, `${UNDERLAY}.254`, 81)).toBe(h3.address);
      } finally {
        await s.close();
        await closeAll([ul]);
      }
      expect(await peers(h2, 'ov1')).toEqual([h1.address, h2.address, h3.address]);

      // Refused while any host has an endpoint on it.
      const refused = await h3.cnm(['network', 'rm', 'ov1']);
      expect([refused.code, refused.stderr]).toEqual([1, expect.stringMatching(/has active endpoints/)]);
      for (const h of c.hosts) ok(await h.cnm(['sandbox', 'rm', `c${h.n}`]));
      ok(await h2.cnm(['sandbox', 'rm', 'd2']));
      ok(await h1.cnm(['network', 'rm', 'ov1']));
      ok(await h3.cnm(['network', 'rm', 'ov2']));
      for (const h of c.hosts) ok(await h.cnm(['network', 'rm', 'docker_gwbridge']));
      // No VXLAN device, bridge or namespace left on any host (the others' agents release theirs).
      await nothingLeft(c);
    } finally {
      await c.done();
    }
  });

  it("an agent SIGKILLed and its host unplugged: the others withdraw it within the ttl, the grace and a few seconds; back, it takes its endpoint's interface away", async () => {
    const c = await cluster();
    try {
      const [h1, h2, h3] = c.hosts as [SimHost, SimHost, SimHost];
      ok(await h1.cnm(['network', 'create', '-d', 'overlay', '--subnet', '10.81.0.0/24', 'ov']));
      for (const h of c.hosts) {
        ok(await h.cnm(['sandbox', 'create', `c${h.n}`]));
        ok(await h.cnm(['network', 'connect', 'ov', `c${h.n}`]));
      }
      const lost = await sandboxOn(h3, 'c3', 'ov');
      for (const h of [h1, h2])
        await until(
          () => fdbMacs(h, 4096),
          (m) => m.includes(lost.mac),
          10_000,
          `host ${h.n} knows c3`,
        );

      h3.agent.child.kill('SIGKILL');
      await h3.agent.exited;
      await c.unplug(h3);
      // Hosts 1 and 2 take host 3's entries away and no longer list it: both within the ttl, the
      // others' grace (lossGraceMs) and a few seconds of the kill (this machine's two cores may be
      // busy with other files) — one deadline for both.
      const deadline = Date.now() + WITHDRAWN_WITHIN_MS;
      for (const h of [h1, h2])
        await until(
          () => fdbMacs(h, 4096),
          (m) => !m.includes(lost.mac),
          Math.max(0, deadline - Date.now()),
          `host ${h.n} forgets c3`,
        );
      expect(await peers(h1, 'ov')).toEqual([h1.address, h2.address]);
      // Its address is free: another sandbox may take it.
      ok(await h2.cnm(['sandbox', 'create', 'e2']));
      ok(await h2.cnm(['network', 'connect', '--ip', lost.ip, 'ov', 'e2']));

      // Host 3 comes back: its agent finds its endpoint withdrawn and takes its interface away
      // (the address is someone else's now).
      await c.plug(h3);
      await h3.startAgent();
      const eth0 = async () =>
        (await h3.json<{ ifname: string }[]>(lost.path, 'ip', ['link'])).some((l) => l.ifname === 'eth0');
      await until(eth0, (present) => !present, 10_000, "host 3's withdrawn endpoint's interface goes");

      for (const h of c.hosts) ok(await h.cnm(['sandbox', 'rm', `c${h.n}`]));
      ok(await h2.cnm(['sandbox', 'rm', 'e2']));
      ok(await h1.cnm(['network', 'rm', 'ov']));
      for (const h of c.hosts) {
        const r = await h.cnm(['network', 'rm', 'docker_gwbridge']);
        if (r.code !== 0) expect(r.stderr).toMatch(/not found/);
      }
      await nothingLeft(c);
    } finally {
      await c.done();
    }
  });

  it('etcd restarted mid-way: a sandbox joined after the restart is reached from another host', async () => {
    const c = await cluster();
    try {
      const [h1, h2] = c.hosts as [SimHost, SimHost, SimHost];
      ok(await h1.cnm(['network', 'create', '-d', 'overlay', '--subnet', '10.81.0.0/24', 'ov']));
      ok(await h1.cnm(['sandbox', 'create', 'c1']));
      ok(await h1.cnm(['network', 'connect', 'ov', 'c1']));
      ok(await h2.cnm(['sandbox', 'create', 'c2']));

      await c.etcd.kill();
      await c.etcd.start();
      // The first command after the restart may find etcd still electing itself: tried again, bounded.
      await until(
        () => h2.cnm(['network', 'connect', 'ov', 'c2']),
        (r) => r.code === 0,
        20_000,
        'c2 connects',
      );
      const [c1, c2] = [await sandboxOn(h1, 'c1', 'ov'), await sandboxOn(h2, 'c2', 'ov')];
      const s = await servers([c1.path, c2.path], 80);
      try {
        const ns = s.ns[0] as Netns;
        await until(
          () => reach(ns, c2.ip, 80),
          (r) => r === 'connected',
          15_000,
          'c1 reaches c2',
        );
        expect(await ask(ns, c2.ip, 80)).toBe(c1.ip);
      } finally {
        await s.close();
      }
      // The agents rode the restart out.
      for (const h of c.hosts) expect(h.agent.child.exitCode).toBe(null);

      ok(await h1.cnm(['sandbox', 'rm', 'c1']));
      ok(await h2.cnm(['sandbox', 'rm', 'c2']));
      ok(await h1.cnm(['network', 'rm', 'ov']));
      for (const h of [h1, h2]) ok(await h.cnm(['network', 'rm', 'docker_gwbridge']));
      await nothingLeft(c);
    } finally {
      await c.done();
    }
  });
});
