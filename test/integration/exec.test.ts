// SPDX-License-Identifier: GPL-2.0-or-later
// Running things inside namespaces: commands, sysctls, and real TCP traffic
// between two namespaces this test made (and nowhere else).
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { netnsExec, tcpConnect, tcpListen } from '../../lib/kernel/exec';
import { netnsDelete } from '../../lib/kernel/netns';
import { rtnl } from '../../lib/kernel/rtnl';
import { sysctlRead, sysctlWrite } from '../../lib/kernel/sysctl';
import { useTestHost } from '../helpers/host';
import { run } from '../helpers/run';

const t = useTestHost(import.meta.url);

describe('inside a namespace', () => {
  it('carries TCP between two namespaces over a veth, and counts it in stats64', async () => {
    const a = await t.netns('tcp-a');
    const b = await t.netns('tcp-b');
    await rtnl(a).linkAdd({ kind: 'veth', name: 'eth0', peer: { name: 'eth0', netns: b } });
    for (const [ns, ip] of [
      [a, '10.77.0.1/24'],
      [b, '10.77.0.2/24'],
    ] as const) {
      await rtnl(ns).batch([
        { op: 'link.set', dev: 'eth0', addrGenMode: 'none' },
        { op: 'link.set', dev: 'lo', up: true },
        { op: 'link.set', dev: 'eth0', up: true },
      ]);
      const eth0 = await rtnl(ns).link('eth0');
      await rtnl(ns).addrAdd({ dev: eth0.index, address: ip });
    }
    const server = await tcpListen(b, '10.77.0.2', 8080);
    server.on('connection', (c) => {
      c.once('data', (d) => c.end(`pong:${d.toString()}`));
    });
    const client = await tcpConnect(a, '10.77.0.2', 8080);
    client.end('ping');
    let reply = '';
    client.setEncoding('utf8').on('data', (d: string) => {
      reply += d;
    });
    await once(client, 'end');
    expect(reply).toBe('pong:ping');
    // Open sockets keep their namespaces alive: close them before deleting.
    client.destroy();
    await new Promise((r) => server.close(r));

    const stats = (await rtnl(a).link('eth0')).stats;
    const [ipStats] = JSON.parse(
      await run('nsenter', [`--net=${a.path}`, 'ip', '-j', '-s', 'link', 'show', 'eth0']),
    ) as { stats64: { tx: { packets: number } } }[];
    expect(stats?.txPackets).toBeGreaterThan(0);
    expect(ipStats?.stats64.tx.packets).toBeGreaterThanOrEqual(stats?.txPackets ?? Number.POSITIVE_INFINITY);
    await netnsDelete(a);
    await netnsDelete(b);
  });

  it('runs commands inside and passes their exit code', async () => {
    const ns = await t.netns('cmd');
    const shown = await netnsExec(ns, 'ip', ['-j', 'link']);
    expect(JSON.parse(shown.stdout).map((l: { ifname: string }) => l.ifname)).toEqual(['lo']);
    expect((await netnsExec(ns, 'sh', ['-c', 'exit 3'])).code).toBe(3);
    await netnsDelete(ns);
  });

  it('reads and writes sysctls as the namespace sees them', async () => {
    const ns = await t.netns('sys');
    expect(await sysctlRead(ns, 'net.ipv4.ip_forward')).toBe('0');
    await sysctlWrite(ns, 'net.ipv4.ip_forward', 1);
    expect(await sysctlRead(ns, 'net/ipv4/ip_forward')).toBe('1');
    expect((await run('nsenter', [`--net=${ns.path}`, 'cat', '/proc/sys/net/ipv4/ip_forward'])).trim()).toBe('1');
    // The host's value is its own.
    expect(await sysctlRead(t.host, 'net.ipv4.ip_forward')).toBe('0');
    await expect(sysctlRead(ns, '../../etc/passwd')).rejects.toThrow(/under \/proc\/sys\/net/);
    await netnsDelete(ns);
  });
});
