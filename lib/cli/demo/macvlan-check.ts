// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The demo's macvlan check: a "LAN" — a router namespace behind a veth whose
 * host end is the parent — and two sandboxes on a macvlan network over it,
 * which reach each other and the router, and which the router reaches
 * (every claim is a reply received, so a broken setup cannot pass).
 */
import type { Server } from 'node:net';
import type { NetworkController } from '../../cnm/controller';
import type { Network } from '../../cnm/network';
import type { Sandbox } from '../../cnm/sandbox';
import type { Netns } from '../../kernel/binding';
import { netnsCreate, netnsDelete } from '../../kernel/netns';
import { rtnl } from '../../kernel/rtnl';
import type { Check } from './checks';
import { ask, greeter, said } from './probe';

const PARENT = 'lan0';
const SUBNET = '192.168.77.0/24';
const ROUTER = '192.168.77.1';
const PORT = 80;

/**
 * Builds the LAN and the macvlan network in `ctl`'s host namespace, checks
 * traffic both ways, and removes everything it made, whatever happened.
 *
 * @example
 * ```ts
 * const check = await macvlanCheck(ctl)   // { name: 'macvlan: ...', ok: true, detail: '...' }
 * ```
 */
export async function macvlanCheck(ctl: NetworkController): Promise<Check> {
  const name = `macvlan network on "${PARENT}": sandboxes reach each other and the LAN router, and it reaches them`;
  const servers: Server[] = [];
  const sandboxes: Sandbox[] = [];
  let net: Network | undefined;
  let router: Netns | undefined;
  const host = rtnl(ctl.host);
  try {
    router = await netnsCreate('demo-lan-router', { dir: ctl.netnsDir });
    await host.batch([
      { op: 'link.add', kind: 'veth', name: PARENT, peer: { name: 'eth0', netns: router } },
      { op: 'link.set', dev: PARENT, up: true },
    ]);
    await rtnl(router).batch([
      { op: 'link.set', dev: 'lo', up: true },
      { op: 'link.set', dev: 'eth0', up: true },
      // The veth's far end is the router's first link after lo: ifindex 2.
      { op: 'addr.add', dev: 2, address: `${ROUTER}/24` },
    ]);
    net = await ctl.createNetwork({
      name: 'lan',
      driver: 'macvlan',
      options: { parent: PARENT },
      ipam: { config: [{ subnet: SUBNET, gateway: ROUTER }] },
    });
    const joined: { ns: Netns; ip: string }[] = [];
    for (const sbName of ['lan-a', 'lan-b']) {
      const sb = await ctl.createSandbox({ name: sbName });
      sandboxes.push(sb);
      const ep = await net.connect(sb);
      joined.push({ ns: await ctl.sandboxNamespace(sb.id), ip: (ep.info().ipv4Address ?? '').split('/')[0] ?? '' });
    }
    const [a, b] = joined as [{ ns: Netns; ip: string }, { ns: Netns; ip: string }];
    servers.push(await greeter(a.ns, a.ip, PORT, 'hello from lan-a'));
    servers.push(await greeter(router, ROUTER, PORT, 'hello from the LAN router'));
    const sideways = await ask(b.ns, a.ip, PORT);
    const toRouter = await ask(b.ns, ROUTER, PORT);
    const fromRouter = await ask(router, a.ip, PORT);
    const ok =
      sideways.ok &&
      sideways.reply === 'hello from lan-a' &&
      toRouter.ok &&
      toRouter.reply === 'hello from the LAN router' &&
      fromRouter.ok &&
      fromRouter.reply === 'hello from lan-a';
    return {
      name,
      ok,
      detail: `lan-b → lan-a ${a.ip}: ${said(sideways)}; lan-b → router ${ROUTER}: ${said(toRouter)}; router → lan-a: ${said(fromRouter)}`,
    };
  } catch (error) {
    return { name, ok: false, detail: `could not set up: ${(error as Error).message}` };
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    if (sandboxes.length > 0) await ctl.deleteSandboxes(sandboxes);
    await net?.delete();
    await host.linkDel(PARENT).catch(() => {});
    if (router) await netnsDelete(router);
  }
}
