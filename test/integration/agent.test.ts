// SPDX-License-Identifier: GPL-2.0-or-later
// `cnm agent` on a private etcd: the host is in the cluster while the agent
// runs (another host sees it), SIGTERM withdraws it at once, and a SIGKILLed
// agent's host is dropped by etcd within its ttl. Seen from a second store
// opened on the same etcd, as another host would.
import { type ChildProcess, spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostIdOf } from '../../lib/cnm/agent';
import { openEtcdStore } from '../../lib/cnm/store/etcd/etcd-store';
import type { KvStore } from '../../lib/cnm/store/kv/kv-store';
import { cli } from '../helpers/cli';
import { etcdInstalled, startEtcd, type TestEtcd } from '../helpers/etcd';
import { useTestHost } from '../helpers/host';

if (!etcdInstalled()) throw new Error('etcd is not installed: scripts/setup.sh installs Debian’s etcd-server');

const t = useTestHost(import.meta.filename);
const CLI = join(import.meta.dirname, '../../dist/cli.js');
let etcd: TestEtcd;
let observer: KvStore;
const stateDir = `/run/cnm-state-agent-${process.pid}`;

beforeAll(async () => {
  etcd = await startEtcd();
  observer = await openEtcdStore({ endpoints: [etcd.endpoint] });
});
afterAll(async () => {
  await observer.close();
  await etcd.stop();
  await rm(stateDir, { recursive: true, force: true });
});

function env(address: string) {
  return {
    CNM_STATE_DIR: stateDir,
    CNM_HOST_NETNS: t.host.path,
    CNM_NETNS_DIR: t.dir,
    CNM_DEFAULT_BRIDGE: '0',
    CNM_CLUSTER_STORE: `etcd://${etcd.endpoint.slice('http://'.length)}`,
    CNM_ADVERTISE_ADDR: address,
  };
}

/** `cnm agent --ttl N` as a process of its own, its stderr kept. */
function agent(
  address: string,
  ttl: number,
): { child: ChildProcess; log: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI, 'agent', '--ttl', String(ttl)], {
    env: { ...process.env, ...env(address) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    log += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, log: () => log, exited };
}

async function until(check: () => boolean, ms: number, what: string): Promise<number> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now() - t0;
}

const present = (address: string) => observer.hosts().some((h) => h.address === address);

describe('cnm agent', () => {
  it('is in the cluster while it runs; SIGTERM withdraws the host at once and exits 0', async () => {
    const a = agent('10.99.0.1', 5);
    await until(() => present('10.99.0.1'), 20_000, 'the agent joins');
    expect(observer.hosts().find((h) => h.address === '10.99.0.1')?.id).toBe(hostIdOf('10.99.0.1'));
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    // Revoked, not left to expire: gone well inside the 5 s ttl.
    await until(() => !present('10.99.0.1'), 2_000, 'the host is withdrawn');
    // Stopped on purpose, and recorded so: the other hosts do not count it lost.
    expect(observer.stoppedHosts().map((h) => h.address)).toEqual(['10.99.0.1']);
    const events = a
      .log()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string; host: string });
    expect(events.map((e) => e.msg)).toEqual(['joined', 'withdrew']);
    // Running again: no longer stopped.
    const again = agent('10.99.0.1', 5);
    await until(
      () => present('10.99.0.1') && observer.stoppedHosts().length === 0,
      20_000,
      'the agent joins again, no longer stopped',
    );
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });

  it('killed (SIGKILL), its host is dropped when the lease runs out: after the ttl, not before', async () => {
    const a = agent('10.99.0.2', 2);
    await until(() => present('10.99.0.2'), 20_000, 'the agent joins');
    a.child.kill('SIGKILL');
    await a.exited;
    const killedAt = Date.now();
    expect(present('10.99.0.2')).toBe(true);
    await until(() => !present('10.99.0.2'), 2_000 + 5_000, 'the lease expires');
    // etcd expires a lease at its ttl at the earliest (granted when the agent joined).
    expect(Date.now() - killedAt).toBeGreaterThan(500);
    // Not stopped on purpose: lost.
    expect(observer.stoppedHosts().some((h) => h.address === '10.99.0.2')).toBe(false);
  });

  it('refuses to run without a cluster store or an underlay address', async () => {
    const { CNM_ADVERTISE_ADDR: _a, ...noAddress } = env('10.99.0.3');
    const r = await cli(['agent'], noAddress);
    expect([r.code, r.stderr]).toEqual([
      1,
      expect.stringMatching(/needs this host's underlay address: --advertise-addr/),
    ]);
    const { CNM_CLUSTER_STORE: _s, ...noStore } = env('10.99.0.3');
    const s = await cli(['agent'], noStore);
    expect([s.code, s.stderr]).toEqual([
      1,
      expect.stringMatching(/--advertise-addr \(CNM_ADVERTISE_ADDR\) needs --cluster-store/),
    ]);
    const ttl = await cli(['agent', '--ttl', '1'], env('10.99.0.3'));
    expect([ttl.code, ttl.stderr]).toEqual([
      2,
      expect.stringMatching(/--ttl: a whole number of seconds from 2 to 3600/),
    ]);
  });
});
