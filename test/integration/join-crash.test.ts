// SPDX-License-Identifier: GPL-2.0-or-later
// A join killed after its kernel part is undone whole by the repair on the
// next open: a macvlan child made inside the sandbox (no host-side link
// names it) goes, and a default route the dying join had taken goes back
// to the endpoint that carried it. Checked with `ip -j` in the sandbox.
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { NetworkController } from '../../lib/cnm/controller';
import { netnsDelete } from '../../lib/kernel/netns';
import { useTestHost } from '../helpers/host';
import { userNetworks } from '../helpers/networks';
import { type IpLink, ipJson, run } from '../helpers/run';
import { storeDb } from '../helpers/store-db';

const t = useTestHost(import.meta.url);
const execFileP = promisify(execFile);
const scenario = new URL('../helpers/join-crash.ts', import.meta.url).pathname;
let stateDir = '';

async function crash(...args: string[]): Promise<void> {
  return crashAt('endpoint.join.kernel', ...args);
}

async function crashAt(point: string, ...args: string[]): Promise<void> {
  stateDir ||= `/run/cnm-state-join-crash-${process.pid}-${args[0]}`;
  const result = await execFileP(
    process.execPath,
    ['--import', 'tsx', scenario, stateDir, t.host.path, t.dir, ...args],
    {
      env: { ...process.env, CNM_CRASH_AT: point },
      timeout: 60_000,
    },
  ).catch((e: { signal?: string; stdout?: string }) => e);
  expect((result as { stdout?: string }).stdout).toContain('ready');
  expect((result as { signal?: string }).signal ?? 'none', 'the join was killed after its kernel part').toBe('SIGKILL');
}

async function cleanUp(ctl: NetworkController): Promise<void> {
  for (const sb of ctl.sandboxes()) await sb.delete();
  for (const net of userNetworks(ctl)) {
    for (const ep of net.endpoints()) await ep.delete();
    await net.delete();
  }
  await ctl.close();
}

afterEach(async () => {
  await run('nsenter', [`--net=${t.host.path}`, 'ip', 'link', 'del', 'jclan0']).catch(() => '');
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
  stateDir = '';
});

describe('a join killed after its kernel part', () => {
  it('macvlan: the child made inside the sandbox goes with the repair', async () => {
    // The LAN the children hang off: a bridge in the test's host namespace.
    await run('nsenter', [`--net=${t.host.path}`, 'ip', 'link', 'add', 'jclan0', 'type', 'bridge']);
    await run('nsenter', [`--net=${t.host.path}`, 'ip', 'link', 'set', 'jclan0', 'up']);
    await crash('macvlan', 'jclan0');
    const ctl = await NetworkController.open({ stateDir, hostNetns: t.host, netnsDir: t.dir, defaultBridge: false });
    const path = ctl.sandbox('jc').info().netnsPath;
    // Independent: the sandbox holds only lo again, and the endpoint stays, left.
    expect((await ipJson<IpLink[]>(path, ['link'])).map((l) => l.ifname)).toEqual(['lo']);
    expect(
      ctl
        .network('jc-lan')
        .endpoints()
        .map((e) => e.info().sandboxId),
    ).toEqual([undefined]);
    expect(storeDb(ctl).prepare('SELECT COUNT(*) AS n FROM intents').get()).toEqual({ n: 0 });
    // And the sandbox can be joined again, as eth0.
    const ep = ctl.network('jc-lan').endpoints()[0];
    await ep?.join(ctl.sandbox('jc'));
    expect(ep?.info().ifname).toBe('eth0');
    await ep?.leave(ctl.sandbox('jc'));
    await cleanUp(ctl);
  });

  it('connectMany adopting a namespace on macvlan: the child it made there goes with the repair', async () => {
    await run('nsenter', [`--net=${t.host.path}`, 'ip', 'link', 'add', 'jclan0', 'type', 'bridge']);
    await run('nsenter', [`--net=${t.host.path}`, 'ip', 'link', 'set', 'jclan0', 'up']);
    // A container's namespace, made outside cnm and adopted: it stays, and so must its own links.
    const container = await t.netns('jc-container');
    await crashAt('connect-many.kernel', 'adopt-macvlan', 'jclan0', container.path);
    expect((await ipJson<IpLink[]>(container.path, ['link'])).map((l) => l.ifname)).toEqual(['lo', 'eth0']);
    const ctl = await NetworkController.open({ stateDir, hostNetns: t.host, netnsDir: t.dir, defaultBridge: false });
    // Independent: the child is gone from the namespace, which stays; nothing is recorded.
    expect((await ipJson<IpLink[]>(container.path, ['link'])).map((l) => l.ifname)).toEqual(['lo']);
    expect(ctl.sandboxes()).toEqual([]);
    expect(ctl.network('jc-lan').endpoints()).toEqual([]);
    expect(storeDb(ctl).prepare('SELECT COUNT(*) AS n FROM intents').get()).toEqual({ n: 0 });
    await cleanUp(ctl);
    await netnsDelete(container);
  });

  it('a join that had taken the default route gives it back to the endpoint that had it', async () => {
    stateDir = `/run/cnm-state-join-crash-${process.pid}-gateway`;
    const setup = await execFileP(process.execPath, [
      '--import',
      'tsx',
      scenario,
      stateDir,
      t.host.path,
      t.dir,
      'gateway-setup',
    ]);
    expect(setup.stdout).toContain('finished');
    await crash('gateway');
    const ctl = await NetworkController.open({ stateDir, hostNetns: t.host, netnsDir: t.dir, defaultBridge: false });
    const path = ctl.sandbox('jc').info().netnsPath;
    const routes = await ipJson<{ dst: string; gateway?: string; dev?: string }[]>(path, ['-4', 'route']);
    expect(routes.filter((r) => r.dst === 'default')).toEqual([
      expect.objectContaining({ gateway: '10.67.1.1', dev: 'eth0' }),
    ]);
    expect((await ipJson<IpLink[]>(path, ['link'])).map((l) => l.ifname)).toEqual(['lo', 'eth0']);
    expect(ctl.network('jc-b').endpoints()).toEqual([]);
    await cleanUp(ctl);
  });
});
