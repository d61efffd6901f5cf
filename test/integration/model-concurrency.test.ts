// SPDX-License-Identifier: GPL-2.0-or-later
// Many processes sharing one state directory, and many simulated hosts in
// one process.
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { NetworkController } from '../../lib/cnm/controller';
import { netnsDelete, netnsOpen } from '../../lib/kernel/netns';
import { useTestHost } from '../helpers/host';
import { storeDb } from '../helpers/store-db';
import { ask, closeAll, echoSource } from '../helpers/traffic';

const t = useTestHost(import.meta.url);
const execFileP = promisify(execFile);
const worker = new URL('../helpers/attach-worker.ts', import.meta.url).pathname;

describe('concurrency', () => {
  it('16 processes attaching 25 endpoints each at once: 400 distinct addresses, no error', async () => {
    const stateDir = `/run/cnm-state-conc-${process.pid}`;
    const ctl = await NetworkController.open({ stateDir, hostNetns: t.host, netnsDir: t.dir });
    try {
      const net = await ctl.createNetwork({ name: 'shared', ipam: { config: [{ subnet: '10.83.0.0/22' }] } });
      const runs = await Promise.all(
        Array.from({ length: 16 }, (_, p) =>
          execFileP(
            process.execPath,
            ['--import', 'tsx', worker, stateDir, t.host.path, t.dir, 'shared', '25', `p${p}`],
            {
              timeout: 120_000,
            },
          ),
        ),
      );
      const addresses = runs.flatMap((r) => JSON.parse(r.stdout.trim().split('\n').pop() as string) as string[]);
      expect(addresses).toHaveLength(400);
      expect(new Set(addresses).size).toBe(400);
      expect(net.endpoints()).toHaveLength(400);
      const ports = await t.ip(['link', 'show', 'master', `br-${net.id.slice(0, 12)}`]);
      expect(ports).toHaveLength(400);
      expect(storeDb(ctl).prepare('SELECT COUNT(*) AS n FROM intents').get()).toEqual({ n: 0 });
      await ctl.deleteSandboxes(ctl.sandboxes());
      await net.delete();
    } finally {
      await ctl.close();
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  it('8 processes publishing automatic host ports at once never hand out one port twice', async () => {
    const stateDir = `/run/cnm-state-pub-${process.pid}`;
    const ctl = await NetworkController.open({ stateDir, hostNetns: t.host, netnsDir: t.dir });
    try {
      const net = await ctl.createNetwork({ name: 'pub', ipam: { config: [{ subnet: '10.85.0.0/24' }] } });
      const runs = await Promise.all(
        Array.from({ length: 8 }, (_, p) =>
          execFileP(
            process.execPath,
            ['--import', 'tsx', worker, stateDir, t.host.path, t.dir, 'pub', '10', `q${p}`, 'publish'],
            {
              timeout: 120_000,
            },
          ),
        ),
      );
      const ports = runs.flatMap((r) => JSON.parse(r.stdout.trim().split('\n').pop() as string) as string[]);
      expect(ports).toHaveLength(80);
      expect(new Set(ports).size).toBe(80);
      const map = JSON.parse(
        (await execFileP('nsenter', [`--net=${t.host.path}`, 'nft', '-j', 'list', 'map', 'inet', 'cnm', 'ports4any']))
          .stdout,
      ) as { nftables: { map?: { elem?: unknown[] } }[] };
      expect(map.nftables.find((o) => o.map)?.map?.elem).toHaveLength(80);
      await ctl.deleteSandboxes(ctl.sandboxes());
      await net.delete();
    } finally {
      await ctl.close();
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  it('one controller per simulated host, side by side in one process', async () => {
    const hosts = await Promise.all(['sim-a', 'sim-b'].map((n) => t.netns(n)));
    const ctls = await Promise.all(
      hosts.map((h, i) =>
        NetworkController.open({
          stateDir: `/run/cnm-state-sim-${process.pid}-${i}`,
          hostNetns: h,
          netnsDir: `${t.dir}`,
        }),
      ),
    );
    try {
      // The same name and subnet on both hosts: they do not see each other.
      const nets = await Promise.all(
        ctls.map((c) => c.createNetwork({ name: 'same', ipam: { config: [{ subnet: '10.84.0.0/24' }] } })),
      );
      const sandboxes = await Promise.all(ctls.map((c, i) => c.createSandbox({ name: `sim-sb-${i}` })));
      const eps = await Promise.all(nets.map((n, i) => n.connect(sandboxes[i] as NonNullable<(typeof sandboxes)[0]>)));
      expect(eps.map((e) => e.info().ipv4Address)).toEqual(['10.84.0.2/24', '10.84.0.2/24']);
      for (const [i, c] of ctls.entries()) {
        const sbNs = await netnsOpen((sandboxes[i] as NonNullable<(typeof sandboxes)[0]>).info().netnsPath);
        const server = await echoSource(c.host, '10.84.0.1', 90);
        try {
          expect(await ask(sbNs, '10.84.0.1', 90)).toBe('10.84.0.2');
        } finally {
          await closeAll([server]);
          sbNs.close();
        }
        expect((await t.ip(['link'], hosts[i])).map((l) => l.ifname)).toContain(
          `br-${(nets[i] as { id: string }).id.slice(0, 12)}`,
        );
      }
      for (const [i, c] of ctls.entries()) {
        await c.deleteSandboxes(c.sandboxes());
        await (nets[i] as { delete(): Promise<void> }).delete();
      }
    } finally {
      for (const [i, c] of ctls.entries()) {
        await c.close();
        await rm(`/run/cnm-state-sim-${process.pid}-${i}`, { recursive: true, force: true });
      }
      for (const h of hosts) await netnsDelete(h);
    }
  });
});
