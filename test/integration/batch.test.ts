// SPDX-License-Identifier: GPL-2.0-or-later
// The batch machinery under load: concurrency on one socket, a 10,000-op
// batch, no fd leaks, worker threads, and no thread ever changing namespace.
import { readdir, readlink } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { Netns } from '../../lib/kernel/binding';
import { packageRoot } from '../../lib/kernel/binding';
import { netnsCreate, netnsDelete, netnsPending } from '../../lib/kernel/netns';
import type { RtnlOp } from '../../lib/kernel/ops';
import { rtnl, rtnlSequence, rtnlSequenceOrThrow } from '../../lib/kernel/rtnl';
import { useTestHost } from '../helpers/host';

const t = useTestHost(import.meta.url);

describe('batches', () => {
  it('64 concurrent batches on one namespace each get their own results', async () => {
    const batches = Array.from({ length: 64 }, (_, i) =>
      t.r.batch([
        { op: 'link.add', kind: 'veth', name: `cc${i}`, mtu: 1300 + i, peer: { name: `cc${i}p` } },
        { op: 'link.get', dev: `cc${i}` },
        { op: 'link.del', dev: `cc${i}` },
      ] as const),
    );
    const results = await Promise.all(batches);
    results.forEach(([added, got, deleted], i) => {
      expect(added).toBeNull();
      expect(got).toMatchObject({ name: `cc${i}`, mtu: 1300 + i });
      expect(deleted).toBeNull();
    });
    expect((await t.ip(['link'])).map((l) => l.ifname)).toEqual(['lo']);
  });

  it('a 10,000-op batch succeeds (sent in chunks, every ack matched)', async () => {
    await t.r.linkAdd({ kind: 'veth', name: 'big0', peer: { name: 'big0p' } });
    await t.r.linkSet({ dev: 'big0', up: true });
    const dev = (await t.r.link('big0')).index;
    const add: RtnlOp[] = Array.from({ length: 10_000 }, (_, i) => ({
      op: 'route.add',
      dst: `10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`,
      dev,
    }));
    const results = await t.r.batch(add);
    expect(results).toHaveLength(10_000);
    expect(results.every((r) => r === null)).toBe(true);
    const shown = await t.ip<{ dst: string }[]>(['route', 'show', 'dev', 'big0']);
    expect(shown).toHaveLength(10_000);
    await t.r.batch(add.map((op) => ({ ...op, op: 'route.del' }) as RtnlOp));
    expect(await t.ip(['route', 'show', 'dev', 'big0'])).toEqual([]);
    await t.r.linkDel('big0');
  });

  it('a sequence spans namespaces in one crossing: veth from the host, configured from inside', async () => {
    const sb = await t.netns('seq');
    const [hostSide, inside] = await rtnlSequenceOrThrow([
      { netns: t.host, ops: [{ op: 'link.add', kind: 'veth', name: 'seq0', peer: { name: 'eth0', netns: sb } }] },
      {
        netns: sb,
        ops: [
          { op: 'link.set', dev: 'eth0', up: true },
          { op: 'addr.add', dev: 2, address: '10.66.0.2/24' },
          { op: 'link.get', dev: 'eth0' },
        ],
      },
    ]);
    expect(hostSide).toEqual([null]);
    expect(inside?.[2]).toMatchObject({ name: 'eth0', index: 2, up: true });
    const [addr] = await t.ip<{ addr_info: { local: string }[] }[]>(['addr', 'show', 'dev', 'eth0'], sb);
    expect(addr?.addr_info.map((a) => a.local)).toContain('10.66.0.2');

    // Each step reports per op; a failure in one step does not stop the next.
    const settled = await rtnlSequence([
      { netns: t.host, ops: [{ op: 'link.del', dev: 'no-such' }] },
      { netns: sb, ops: [{ op: 'link.get', dev: 'eth0' }] },
    ]);
    expect(settled[0]?.[0]).toMatchObject({ ok: false, error: { code: 'ENODEV' } });
    expect(settled[1]?.[0]).toMatchObject({ ok: true, value: { name: 'eth0' } });
    await netnsDelete(sb);
  });

  it('a sequence creates a namespace and wires it up in the same crossing', async () => {
    const pending = netnsPending('seq-new', { dir: t.dir });
    const [createdStep, hostSide, inside] = await rtnlSequenceOrThrow([
      { create: pending },
      { netns: t.host, ops: [{ op: 'link.add', kind: 'veth', name: 'seqn0', peer: { name: 'eth0', netns: pending } }] },
      {
        netns: pending,
        ops: [
          { op: 'link.set', dev: 'eth0', up: true },
          { op: 'link.get', dev: 'eth0' },
        ],
      },
    ]);
    const ns = createdStep?.[0] as Netns;
    expect(ns.path).toBe(`${t.dir}/seq-new`);
    expect(hostSide).toEqual([null]);
    expect(inside?.[1]).toMatchObject({ name: 'eth0', up: true });
    expect((await t.ip(['link'], ns)).map((l) => l.ifname).sort()).toEqual(['eth0', 'lo']);

    // A creation that fails fails the steps that need it, with its own error; the others still run.
    const again = netnsPending('seq-new', { dir: t.dir });
    const settled = await rtnlSequence([
      { create: again },
      { netns: again, ops: [{ op: 'link.dump' }] },
      { netns: t.host, ops: [{ op: 'link.get', dev: 'lo' }] },
    ]);
    expect(settled[0]?.[0]).toMatchObject({ ok: false, error: { code: 'EEXIST', op: 'netns.create' } });
    expect(settled[1]?.[0]).toMatchObject({ ok: false, error: { code: 'EEXIST' } });
    expect(settled[2]?.[0]).toMatchObject({ ok: true, value: { name: 'lo' } });
    await netnsDelete(ns);
  });

  it('fds do not leak across 1,000 operations', async () => {
    const fds = async () => (await readdir('/proc/self/fd')).length;
    // Warm up: libuv's pool and the host socket exist before counting.
    await t.r.links();
    const before = await fds();
    for (let i = 0; i < 100; i++) {
      const ns = await netnsCreate(`fd${i}`, { dir: t.dir });
      await rtnl(ns).batch([{ op: 'link.set', dev: 'lo', up: true }, { op: 'link.dump' }]);
      await netnsDelete(ns);
    }
    for (let i = 0; i < 700; i++) await t.r.link('lo');
    expect(await fds()).toBe(before);
  });

  it('the addon works in a worker thread, with its own state', async () => {
    const worker = new Worker(new URL('../helpers/worker-batch.mjs', import.meta.url), {
      workerData: { root: packageRoot(), path: t.host.path },
    });
    const reply = await new Promise<Record<string, unknown>>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(reply).toEqual({ added: null, names: ['lo', 'br-worker'], failedIsOwnClass: true, failedCode: 'EEXIST' });
    // The main thread's addon is untouched by the worker's environment going away.
    expect((await t.r.links()).map((l) => l.name)).toEqual(['lo']);
  });

  it('no thread of this process ever changes namespace', async () => {
    const own = await readlink('/proc/thread-self/ns/net');
    const ns = await t.netns('elsewhere');
    await Promise.all(
      Array.from({ length: 16 }, () => rtnl(ns).batch([{ op: 'link.set', dev: 'lo', up: true }, { op: 'link.dump' }])),
    );
    expect(await readlink('/proc/thread-self/ns/net')).toBe(own);
    // libuv pool threads included: namespace work ran on threads that are gone now.
    for (const tid of await readdir('/proc/self/task')) {
      expect(await readlink(`/proc/self/task/${tid}/ns/net`)).toBe(own);
    }
    await netnsDelete(ns);
  });
});
