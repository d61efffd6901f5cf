// SPDX-License-Identifier: GPL-2.0-or-later
// The predefined networks: `bridge`, `host` and `none` exist in every store;
// opening a controller makes nothing in the kernel; `bridge` gets its
// bridge (cnm0) at its first join — once, whoever joins first, and undone
// whole when a crash interrupts it; none of them can be removed.
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { NetworkController } from '../../lib/cnm/controller';
import { CnmError } from '../../lib/errors';
import { rtnl } from '../../lib/kernel/rtnl';
import { useTestHost } from '../helpers/host';
import { run } from '../helpers/run';
import { storeDb } from '../helpers/store-db';
import { ask, closeAll, echoSource } from '../helpers/traffic';

const t = useTestHost(import.meta.url);
const execFileP = promisify(execFile);
const worker = new URL('../helpers/attach-worker.ts', import.meta.url).pathname;
let serial = 0;

async function withController(
  test: (ctl: NetworkController, stateDir: string) => Promise<void>,
  o: { readonly defaultBridge?: boolean } = {},
): Promise<void> {
  const stateDir = `/run/cnm-state-predef-${process.pid}-${serial++}`;
  const ctl = await NetworkController.open({ stateDir, hostNetns: t.host, netnsDir: t.dir, ...o });
  try {
    await test(ctl, stateDir);
  } finally {
    await ctl.deleteSandboxes(ctl.sandboxes()).catch(() => {});
    await ctl.releasePredefined().catch(() => {});
    await ctl.close();
    await rm(stateDir, { recursive: true, force: true });
  }
}

const names = (ctl: NetworkController) => ctl.networks().map((n) => n.info().name);
const links = async () => (await t.ip(['link'])).map((l) => l.ifname).sort();
async function tables(): Promise<string[]> {
  const out = JSON.parse(await run('nsenter', [`--net=${t.host.path}`, 'nft', '-j', 'list', 'tables'])) as {
    nftables: { table?: { family: string; name: string } }[];
  };
  return out.nftables.flatMap((o) => (o.table ? [`${o.table.family} ${o.table.name}`] : []));
}

describe('predefined networks', () => {
  it('a fresh controller lists bridge, host and none, as Docker shows them, and made nothing in the kernel', () =>
    withController(async (ctl, stateDir) => {
      expect(names(ctl)).toEqual(['bridge', 'host', 'none']);
      const bridge = ctl.network('bridge').info();
      expect(bridge).toMatchObject({ driver: 'bridge', scope: 'local', internal: false, enableIPv6: false });
      expect(bridge.ipam.config).toEqual([{ subnet: '172.17.0.0/16', gateway: '172.17.0.1', auxAddresses: {} }]);
      expect(bridge.options).toEqual({
        'com.docker.network.bridge.default_bridge': 'true',
        'com.docker.network.bridge.enable_icc': 'true',
        'com.docker.network.bridge.enable_ip_masquerade': 'true',
        'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
        'com.docker.network.bridge.name': 'cnm0',
        'com.docker.network.driver.mtu': '1500',
      });
      expect(ctl.network('host').info()).toMatchObject({ driver: 'host', ipam: { config: [] } });
      expect(ctl.network('none').info()).toMatchObject({ driver: 'null', ipam: { config: [] } });
      expect(await links()).toEqual(['lo']);
      expect(await tables()).toEqual([]);
      // Opening again finds them: no second row, the same subnet.
      const again = await NetworkController.open({ stateDir, hostNetns: t.host, netnsDir: t.dir });
      try {
        expect(names(again)).toEqual(['bridge', 'host', 'none']);
        expect(again.network('bridge').id).toBe(ctl.network('bridge').id);
      } finally {
        await again.close();
      }
    }));

  it('the first connect to bridge makes cnm0 with 172.17.0.1/16; the sandbox reaches its gateway; user networks start at 172.18.0.0/16', () =>
    withController(async (ctl) => {
      const user = await ctl.createNetwork({ name: 'user1' });
      expect(user.info().ipam.config[0]).toMatchObject({ subnet: '172.18.0.0/16', gateway: '172.18.0.1' });
      const sb = await ctl.createSandbox({ name: 'p-c1' });
      const ep = await ctl.network('bridge').connect(sb);
      expect(ep.info()).toMatchObject({ ipv4Address: '172.17.0.2/16', ifname: 'eth0' });
      const [cnm0] = await t.ip(['link', 'show', 'cnm0']);
      expect(cnm0).toMatchObject({ ifname: 'cnm0', mtu: 1500, linkinfo: { info_kind: 'bridge' } });
      const addrs = await t.ip<{ addr_info: { local: string; prefixlen: number }[] }[]>(['addr', 'show', 'cnm0']);
      expect(addrs[0]?.addr_info.map((a) => `${a.local}/${a.prefixlen}`)).toEqual(['172.17.0.1/16']);
      expect((await t.ip(['link', 'show', 'master', 'cnm0'])).map((l) => l.ifname)).toEqual([ep.info().hostIfname]);
      const ns = await ctl.sandboxNamespace(sb.id);
      const routes = await rtnl(ns).routes({ table: 254 });
      expect(routes.find((r) => r.dst === 'default')).toMatchObject({ gateway: '172.17.0.1' });
      // Real traffic: from the sandbox to a server on the gateway address, in the test's host namespace.
      const server = await echoSource(t.host, '172.17.0.1', 18555);
      try {
        expect(await ask(ns, '172.17.0.1', 18555)).toBe('172.17.0.2');
      } finally {
        await closeAll([server]);
      }
      // A second sandbox joins the bridge already made.
      const sb2 = await ctl.createSandbox({ name: 'p-c2' });
      expect((await ctl.network('bridge').connect(sb2)).info().ipv4Address).toBe('172.17.0.3/16');
      expect((await t.ip(['link'])).filter((l) => l.linkinfo?.info_kind === 'bridge').map((l) => l.ifname)).toEqual(
        [`br-${user.id.slice(0, 12)}`, 'cnm0'].sort(),
      );
      await ctl.deleteSandboxes(ctl.sandboxes());
      await user.delete();
      // The harness's way back to a bare host: the row stays, its objects go.
      expect(await ctl.releasePredefined()).toEqual(['bridge']);
      expect(await links()).toEqual(['lo']);
      expect(names(ctl)).toEqual(['bridge', 'host', 'none']);
      // And the next join makes them again.
      const sb3 = await ctl.createSandbox({ name: 'p-c3' });
      expect((await ctl.network('bridge').connect(sb3)).info().ipv4Address).toBe('172.17.0.2/16');
      expect(await links()).toContain('cnm0');
    }));

  it('removing bridge, host or none is refused with Docker words and changes nothing', () =>
    withController(async (ctl) => {
      const sb = await ctl.createSandbox({ name: 'p-r1' });
      await ctl.network('bridge').connect(sb);
      const before = { names: names(ctl), links: await links() };
      for (const name of ['bridge', 'host', 'none']) {
        const err = await ctl
          .network(name)
          .delete()
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(CnmError);
        expect(err).toMatchObject({
          code: 'CNM_INVALID_CONFIG',
          message: expect.stringContaining(`${name} is a pre-defined network and cannot be removed`),
        });
      }
      expect({ names: names(ctl), links: await links() }).toEqual(before);
      for (const name of ['bridge', 'host', 'none']) {
        await expect(ctl.createNetwork({ name })).rejects.toMatchObject({ code: 'CNM_NETWORK_EXISTS' });
      }
      await expect(ctl.createNetwork({ name: 'myhost', driver: 'host' })).rejects.toMatchObject({
        code: 'CNM_NETWORK_EXISTS',
      });
      await expect(ctl.createNetwork({ name: 'mynone', driver: 'null' })).rejects.toMatchObject({
        code: 'CNM_NETWORK_EXISTS',
      });
      // `default` names the default network on Docker's command line: never a network's name.
      await expect(ctl.createNetwork({ name: 'default' })).rejects.toMatchObject({
        code: 'CNM_INVALID_CONFIG',
        message: expect.stringContaining('operation is not permitted on predefined default network'),
      });
      expect(names(ctl)).toEqual(['bridge', 'host', 'none']);
    }));

  it('a sandbox joins none (loopback only) without anything made in the host', () =>
    withController(async (ctl) => {
      const before = await tables();
      const sb = await ctl.createSandbox({ name: 'p-n1' });
      await ctl.network('none').connect(sb);
      expect((await t.ip(['link'], await ctl.sandboxNamespace(sb.id))).map((l) => l.ifname)).toEqual(['lo']);
      expect(await links()).toEqual(['lo']);
      expect(await tables()).toEqual(before);
    }));

  it('two processes connecting to bridge at once both succeed, with one cnm0', () =>
    withController(async (ctl, stateDir) => {
      const runs = await Promise.all(
        ['a', 'b', 'c'].map((tag) =>
          execFileP(process.execPath, ['--import', 'tsx', worker, stateDir, t.host.path, t.dir, 'bridge', '2', tag], {
            timeout: 120_000,
          }),
        ),
      );
      const addresses = runs.flatMap((r) => JSON.parse(r.stdout.trim().split('\n').pop() as string) as string[]);
      expect(addresses).toHaveLength(6);
      expect(new Set(addresses).size).toBe(6);
      expect(addresses.every((a) => a.startsWith('172.17.0.'))).toBe(true);
      expect((await t.ip(['link'])).filter((l) => l.linkinfo?.info_kind === 'bridge').map((l) => l.ifname)).toEqual([
        'cnm0',
      ]);
      expect(await t.ip(['link', 'show', 'master', 'cnm0'])).toHaveLength(6);
      expect(storeDb(ctl).prepare('SELECT COUNT(*) AS n FROM intents').get()).toEqual({ n: 0 });
    }));

  for (const point of ['network.make.stored', 'network.make.kernel']) {
    it(`a crash while bridge is being made (${point}) is undone on the next open; the network stays and is made at the next join`, () =>
      withController(async (ctl, stateDir) => {
        const crashed = await execFileP(
          process.execPath,
          ['--import', 'tsx', worker, stateDir, t.host.path, t.dir, 'bridge', '1', 'k'],
          { timeout: 120_000, env: { ...process.env, CNM_CRASH_AT: point } },
        ).catch((e: { signal?: string }) => e);
        expect(crashed).toMatchObject({ signal: 'SIGKILL' });
        if (point === 'network.make.kernel') expect(await links()).toContain('cnm0');
        expect(storeDb(ctl).prepare("SELECT op FROM intents WHERE op = 'network.make'").all()).toHaveLength(1);
        // Opened as the next command would (the worker's connect is undone too).
        const next = await NetworkController.open({ stateDir, hostNetns: t.host, netnsDir: t.dir });
        try {
          const report = await next.recover();
          expect(report.some((l) => l.includes("unfinished making of network bridge's objects"))).toBe(true);
          expect(await links()).toEqual(['lo']);
          expect(names(next)).toEqual(['bridge', 'host', 'none']);
          expect(storeDb(next).prepare('SELECT COUNT(*) AS n FROM intents').get()).toEqual({ n: 0 });
          const sb = await next.createSandbox({ name: 'p-k2' });
          expect((await next.network('bridge').connect(sb)).info().ipv4Address).toBe('172.17.0.2/16');
          expect(await links()).toContain('cnm0');
          await next.deleteSandboxes(next.sandboxes());
          expect(await next.releasePredefined()).toEqual(['bridge']);
        } finally {
          await next.close();
        }
      }));
  }

  it('defaultBridge: false makes no bridge network; user networks then start at 172.17.0.0/16', () =>
    withController(
      async (ctl) => {
        expect(names(ctl)).toEqual(['host', 'none']);
        const user = await ctl.createNetwork({ name: 'bridge' });
        expect(user.info().ipam.config[0]?.subnet).toBe('172.17.0.0/16');
        // A user's network by that name is the user's: it can be removed.
        await user.delete();
        expect(names(ctl)).toEqual(['host', 'none']);
      },
      { defaultBridge: false },
    ));
});
