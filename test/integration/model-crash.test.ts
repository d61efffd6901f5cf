// SPDX-License-Identifier: GPL-2.0-or-later
// Crash safety (DESIGN.md principle 6): a process killed after any step of
// network create/delete, sandbox create/delete, join or leave — or at a
// random moment — leaves nothing orphaned once a controller opens again:
// checked with `ip -j`, the namespace directory and SQL.
import { execFile } from 'node:child_process';
import { readdir, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { NetworkController } from '../../lib/cnm/controller';
import { useTestHost } from '../helpers/host';
import { userNetworks } from '../helpers/networks';
import { run } from '../helpers/run';
import { storeDb } from '../helpers/store-db';

const t = useTestHost(import.meta.url);
const execFileP = promisify(execFile);
const scenario = new URL('../helpers/crash-scenario.ts', import.meta.url).pathname;

const STEPS = [
  'network.create.stored',
  'network.create.kernel',
  'sandbox.create.netns',
  'endpoint.join.kernel',
  'endpoint.publish.kernel',
  'endpoint.publish.recorded',
  'endpoint.publish.late',
  'endpoint.leave.kernel',
  'sandbox.delete.netns',
  'network.delete.kernel',
];

/** Opens a controller (which repairs), checks nothing is orphaned, then removes everything through the API. */
async function checkAndClean(stateDir: string): Promise<void> {
  const ctl = await NetworkController.open({ stateDir, hostNetns: t.host, netnsDir: t.dir });
  try {
    const db = storeDb(ctl);
    expect(db.prepare('SELECT COUNT(*) AS n FROM intents').get()).toEqual({ n: 0 });
    const links = (await t.ip(['link'])).map((l) => l.ifname);
    // The predefined bridge is made at its first join only (the scenario never joins it).
    const bridges = userNetworks(ctl).map((n) => `br-${n.id.slice(0, 12)}`);
    const hostEnds = (
      db.prepare('SELECT host_ifname FROM endpoints WHERE host_ifname IS NOT NULL').all() as { host_ifname: string }[]
    ).map((r) => r.host_ifname);
    // Every link is lo, a stored network's bridge, or a stored endpoint's host end.
    expect(links.filter((l) => l !== 'lo' && !bridges.includes(l) && !hostEnds.includes(l))).toEqual([]);
    for (const b of bridges) expect(links).toContain(b);
    for (const h of hostEnds) expect(links).toContain(h);
    // Every namespace file is a stored sandbox's.
    const files = (await readdir(t.dir)).filter((f) => f !== 'host').map((f) => `${t.dir}/${f}`);
    const paths = ctl.sandboxes().map((s) => s.info().netnsPath);
    expect(files.sort()).toEqual(paths.sort());
    // Every published-port element belongs to a joined endpoint's recorded port.
    const rows = db
      .prepare(
        "SELECT COUNT(*) AS n FROM published_ports p JOIN endpoints e ON e.id = p.endpoint_id WHERE e.sandbox_id IS NOT NULL AND p.host_ip = ''",
      )
      .get() as { n: number };
    expect(db.prepare('SELECT COUNT(*) AS n FROM published_ports').get()).toEqual(rows);
    const map = await run('nsenter', [
      `--net=${t.host.path}`,
      'nft',
      '-j',
      'list',
      'map',
      'inet',
      'cnm',
      'ports4any',
    ]).catch(() => '{"nftables":[]}');
    const elems =
      (JSON.parse(map) as { nftables: { map?: { elem?: unknown[] } }[] }).nftables.find((o) => o.map)?.map?.elem ?? [];
    expect(elems.length).toBe(rows.n);
    // Every address belongs to a gateway, or to an endpoint that exists.
    const stray = db
      .prepare(
        "SELECT address FROM addresses WHERE owner NOT IN ('gateway') AND owner NOT LIKE 'aux:%' AND owner NOT IN (SELECT id FROM endpoints)",
      )
      .all();
    expect(stray).toEqual([]);
    for (const sb of ctl.sandboxes()) await sb.delete();
    for (const net of userNetworks(ctl)) {
      for (const ep of net.endpoints()) await ep.delete();
      await net.delete();
    }
  } finally {
    await ctl.close();
  }
  expect((await t.ip(['link'])).map((l) => l.ifname)).toEqual(['lo']);
}

describe('crashes', () => {
  it.each(STEPS)('killed after %s: the next open leaves nothing orphaned', async (step) => {
    const stateDir = `/run/cnm-state-crash-${process.pid}-${step}`;
    const run = await execFileP(process.execPath, ['--import', 'tsx', scenario, stateDir, t.host.path, t.dir], {
      env: { ...process.env, CNM_CRASH_AT: step },
      timeout: 60_000,
    }).catch((e: { signal?: string; stdout?: string }) => e);
    expect((run as { signal?: string }).signal ?? 'none', `${step} was reached`).toBe('SIGKILL');
    await checkAndClean(stateDir);
    await rm(stateDir, { recursive: true, force: true });
  });

  it('killed at random moments: the next open leaves nothing orphaned', async () => {
    for (const delay of [250, 400, 550, 700, 850]) {
      const stateDir = `/run/cnm-state-crash-${process.pid}-random-${delay}`;
      const child = execFile(process.execPath, ['--import', 'tsx', scenario, stateDir, t.host.path, t.dir], {
        timeout: 60_000,
      });
      const exited = new Promise((r) => child.once('exit', r));
      // tsx starts in a few hundred ms; the scenario takes about as long again.
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      await exited;
      await checkAndClean(stateDir).catch(async (e) => {
        throw new Error(`after a kill at ${delay} ms: ${(e as Error).message}`);
      });
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
