// SPDX-License-Identifier: GPL-2.0-or-later
// Namespaces: create, open (path, pid), identify, delete; the socket cache.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { NetlinkError } from '../../lib/errors';
import { netnsDelete, netnsOpen, netnsOpenPid, setSocketCacheLimit, socketCacheSize } from '../../lib/kernel/netns';
import { rtnl } from '../../lib/kernel/rtnl';
import { useTestHost } from '../helpers/host';
import { run } from '../helpers/run';

const t = useTestHost(import.meta.url);

async function inodeSeenFrom(path: string): Promise<number> {
  const link = (await run('nsenter', [`--net=${path}`, 'readlink', '/proc/self/ns/net'])).trim();
  return Number(/net:\[(\d+)\]/.exec(link)?.[1]);
}

describe('netns', () => {
  it('creates a namespace kept by a bind mount in a shared directory, and identifies it', async () => {
    const ns = await t.netns('n1');
    expect(ns.path).toBe(`${t.dir}/n1`);
    expect(existsSync(ns.path)).toBe(true);
    expect(ns.ino).toBe(await inodeSeenFrom(ns.path));
    expect(ns.id).toBe(`${ns.dev}:${ns.ino}`);
    expect((await t.ip(['link'], ns)).map((l) => l.ifname)).toEqual(['lo']);
    const mounts = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n');
    const dirMount = mounts.find((m) => m.split(' ')[4] === t.dir);
    expect(dirMount).toMatch(/shared:\d+/);
    expect(mounts.some((m) => m.split(' ')[4] === ns.path)).toBe(true);
    await netnsDelete(ns);
    expect(existsSync(ns.path)).toBe(false);
    expect((await readFile('/proc/self/mountinfo', 'utf8')).includes(` ${ns.path} `)).toBe(false);
    expect(ns.closed).toBe(true);
  });

  it('refuses to create over an existing file (EEXIST) and leaves it alone', async () => {
    const ns = await t.netns('dup');
    const err = await t.netns('dup').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetlinkError);
    expect((err as NetlinkError).code).toBe('EEXIST');
    expect(ns.ino).toBe(await inodeSeenFrom(ns.path));
    await netnsDelete(ns);
  });

  it('opens by path and by pid: the same namespace, the same id', async () => {
    const ns = await t.netns('n2');
    const again = await netnsOpen(ns.path);
    expect(again.id).toBe(ns.id);
    const child = spawn('nsenter', [`--net=${ns.path}`, 'sleep', '30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 100)); // nsenter has joined by then
      const byPid = await netnsOpenPid(child.pid as number);
      expect(byPid.id).toBe(ns.id);
      byPid.close();
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    again.close();
    await netnsDelete(ns);
  });

  it('refuses what is not a network namespace', async () => {
    const notNs = await netnsOpen('/proc/self/ns/mnt').catch((e: unknown) => e);
    expect(notNs).toBeInstanceOf(NetlinkError);
    expect((notNs as NetlinkError).code).toBe('EINVAL');
    expect((notNs as NetlinkError).message).toContain('not a network namespace');
    const plainFile = await netnsOpen('/etc/hostname').catch((e: unknown) => e);
    expect((plainFile as NetlinkError).code).toBe('EINVAL');
    const missing = await netnsOpen(`${t.dir}/missing`).catch((e: unknown) => e);
    expect((missing as NetlinkError).code).toBe('ENOENT');
  });

  it('frees the links inside when deleted: the host end of its veth disappears', async () => {
    const ns = await t.netns('n3');
    await t.r.linkAdd({ kind: 'veth', name: 'gone0', peer: { name: 'eth0', netns: ns } });
    expect((await t.ip(['link'])).map((l) => l.ifname)).toContain('gone0');
    await netnsDelete(ns);
    const deadline = Date.now() + 5_000;
    while ((await t.ip(['link'])).some((l) => l.ifname === 'gone0') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect((await t.ip(['link'])).map((l) => l.ifname)).not.toContain('gone0');
  });

  it('caches one socket per namespace, drops it on delete, and stays within its bound', async () => {
    const before = socketCacheSize();
    const ns = await t.netns('n4');
    expect(socketCacheSize()).toBe(before + 1); // opened at creation
    await rtnl(ns).links();
    expect(socketCacheSize()).toBe(before + 1); // reused
    await netnsDelete(ns);
    expect(socketCacheSize()).toBe(before);

    setSocketCacheLimit(2);
    try {
      const many = [];
      for (let i = 0; i < 4; i++) many.push(await t.netns(`lru${i}`));
      for (const ns of many) await rtnl(ns).links(); // each reopened on demand
      expect(socketCacheSize()).toBeLessThanOrEqual(2);
      for (const ns of many) await netnsDelete(ns);
    } finally {
      setSocketCacheLimit(1024);
    }
  });

  it('refuses a closed handle before any kernel call', async () => {
    const ns = await t.netns('n5');
    const copy = await netnsOpen(ns.path);
    copy.close();
    await expect(rtnl(copy).links()).rejects.toThrow(/open Netns handle/);
    await netnsDelete(ns);
  });
});
