// SPDX-License-Identifier: GPL-2.0-or-later
// Small topologies for traffic tests: bridges and sandboxes inside a test's
// host namespace, and TCP servers that answer with the address they saw.
// Traffic only ever goes between namespaces the test made.
import { once } from 'node:events';
import type { Server } from 'node:net';
import type { Netns } from '../../lib/kernel/binding';
import { tcpConnect, tcpListen } from '../../lib/kernel/exec';
import { rtnl } from '../../lib/kernel/rtnl';

/** A bridge, quiet and up, with the gateway address. */
export async function makeBridge(host: Netns, name: string, address: string): Promise<number> {
  const r = rtnl(host);
  await r.batch([
    { op: 'link.add', kind: 'bridge', name },
    { op: 'link.set', dev: name, addrGenMode: 'none' },
    { op: 'link.set', dev: name, up: true },
  ]);
  const index = (await r.link(name)).index;
  await r.addrAdd({ dev: index, address });
  return index;
}

/** A veth from the host (enslaved to `bridge` if given) to `eth0` in `ns`, addressed, routed. */
export async function attach(
  host: Netns,
  ns: Netns,
  o: { readonly hostEnd: string; readonly bridge?: string; readonly address: string; readonly gateway?: string },
): Promise<void> {
  const r = rtnl(host);
  const master = o.bridge ? (await r.link(o.bridge)).index : undefined;
  await r.batch([
    { op: 'link.add', kind: 'veth', name: o.hostEnd, ...(master ? { master } : {}), peer: { name: 'eth0', netns: ns } },
    { op: 'link.set', dev: o.hostEnd, addrGenMode: 'none' },
    { op: 'link.set', dev: o.hostEnd, up: true },
  ]);
  await rtnl(ns).batch([
    { op: 'link.set', dev: 'eth0', addrGenMode: 'none' },
    { op: 'link.set', dev: 'lo', up: true },
    { op: 'link.set', dev: 'eth0', up: true },
    { op: 'addr.add', dev: 2, address: o.address },
    ...(o.gateway ? [{ op: 'route.add', gateway: o.gateway, dev: 2 } as const] : []),
  ]);
}

/** A TCP server that answers each connection with the address it came from. */
export async function echoSource(ns: Netns, host: string, port: number): Promise<Server> {
  const server = await tcpListen(ns, host, port);
  server.on('connection', (c) => c.end(c.remoteAddress ?? '?'));
  return server;
}

/** Connects from inside `ns` (1.5 s at most) and returns what the server said. */
export async function ask(ns: Netns, host: string, port: number): Promise<string> {
  const sock = await tcpConnect(ns, host, port, { timeoutMs: 1_500 });
  let reply = '';
  sock.setEncoding('utf8').on('data', (d: string) => {
    reply += d;
  });
  await once(sock, 'end');
  // An open socket keeps its namespace (and so its veth) alive: close it now.
  sock.destroy();
  return reply;
}

/** The errno name a refused or timed-out connection ends with, or 'connected'. */
export async function reach(ns: Netns, host: string, port: number): Promise<string> {
  try {
    await ask(ns, host, port);
    return 'connected';
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
}

export async function closeAll(servers: readonly Server[]): Promise<void> {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
}
