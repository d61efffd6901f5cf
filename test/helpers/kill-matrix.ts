// SPDX-License-Identifier: GPL-2.0-or-later
// The kill matrix (DESIGN.md principle 6), shared by the files that run it:
// a verb is SIGKILLed after each step it takes (a store transaction or a
// kernel transaction: CNM_CRASH_AT=step:N) and at random moments; then
// `cnm recover` runs, and the state must be whole — every endpoint joined to
// a sandbox that exists, every link, namespace, mount, nft element, store row
// and address accounted for, no address on two interfaces. At the end
// everything is removed through the CLI and nothing may be left: no link but
// lo, no namespace, no mount, no nft element, no store row but the predefined
// networks' (bridge, host, none: their rows, the bridge's subnet and gateway).
// Kernel state is read with ip, nft and /proc, the store with SQL.
import { spawn } from 'node:child_process';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { NetworkController } from '../../lib/cnm/controller';
import { cli } from './cli';
import { type TestHost, useTestHost } from './host';
import { PREDEFINED } from './networks';
import { ipJson, run } from './run';

/** The built command, and the program that runs connectMany as an embedder would. */
export const CLI = join(import.meta.dirname, '../../dist/cli.js');

/** One verb of the matrix: what it starts from, and how it is run. */
export interface Scenario {
  readonly name: string;
  readonly argv: readonly string[];
  prepare(ctl: NetworkController): Promise<void>;
}

/** What a file's scenarios are written with. */
export interface Kit {
  /** The connectMany program (node runs it). */
  readonly manyScript: string;
}

/**
 * Registers one file's kill matrix: its own host namespace and state
 * directory, each scenario run clean once, killed after every step and at two
 * random moments, and everything removed at the end.
 */
export function defineKillMatrix(
  file: string,
  title: string,
  scenarios: (kit: Kit) => readonly Scenario[],
  minKills: number,
): void {
  const t = useTestHost(file);
  const stateDir = `/run/cnm-state-kill-${process.pid}-${title.replace(/\W+/g, '-')}`;
  const kit: Kit = { manyScript: `${stateDir}-connect-many.mjs` };
  const env = () => ({ CNM_STATE_DIR: stateDir, CNM_HOST_NETNS: t.host.path, CNM_NETNS_DIR: t.dir });
  const withCtl = async <T>(fn: (ctl: NetworkController) => Promise<T>): Promise<T> => {
    const ctl = await NetworkController.open({ stateDir, hostNetns: t.host, netnsDir: t.dir });
    try {
      return await fn(ctl);
    } finally {
      await ctl.close();
    }
  };
  const checker = wholeChecker(t, stateDir);
  const recoverAndCheck = async (after: string): Promise<void> => {
    const r = await cli(['recover'], env());
    expect(r.code, `cnm recover after ${after}: ${r.stderr}`).toBe(0);
    await checker.checkWhole(after);
  };

  afterAll(async () => {
    await rm(stateDir, { recursive: true, force: true });
    await rm(kit.manyScript, { force: true });
  });

  describe(`kill matrix: ${title}`, () => {
    it('SIGKILL after every step and at random moments: recover makes it whole, and the CLI removes everything', async () => {
      await writeFile(kit.manyScript, MANY);
      let kills = 0;
      const random = mulberry32(Number(process.env.CNM_KILL_SEED ?? 20261201));
      // CNM_KILL_ONLY=connect runs the verbs whose name holds that text (the count check is then off).
      const only = process.env.CNM_KILL_ONLY;
      const chosen = scenarios(kit).filter((x) => !only || x.name.includes(only));
      for (const s of chosen) {
        // A clean run first: how many steps the verb takes, and how long.
        await withCtl(s.prepare);
        const counted = await launch(s.argv, { ...env(), CNM_CRASH_COUNT: '1' });
        expect(counted.code, `${s.name} runs clean: ${counted.stderr}`).toBe(0);
        const steps = Number(/cnm-steps: (\d+)/.exec(counted.stderr)?.[1]);
        expect(steps, `${s.name} takes steps`).toBeGreaterThan(0);
        await recoverAndCheck(`${s.name}, run whole`);
        // Aimed: after each step (connectMany's many: a spread of them).
        const aimed = steps <= 12 ? range(1, steps) : [1, 2, 3, 5, 8, 12, 17, Math.floor(steps / 2), steps - 1, steps];
        for (const k of [...new Set(aimed)]) {
          await withCtl(s.prepare);
          const ended = await launch(s.argv, { ...env(), CNM_CRASH_AT: `step:${k}` });
          expect(ended.signal, `${s.name} killed after step ${k}/${steps}`).toBe('SIGKILL');
          kills++;
          await recoverAndCheck(`${s.name} killed after step ${k}/${steps}`);
        }
        // Random moments, from outside, as a user's kill -9 or an OOM kill would land.
        for (let i = 0; i < 2; i++) {
          await withCtl(s.prepare);
          const at = Math.round(30 + random() * counted.ms);
          const ended = await launch(s.argv, env(), at);
          if (ended.signal === 'SIGKILL') kills++;
          await recoverAndCheck(`${s.name} killed at ${at} ms`);
        }
      }
      if (!only) expect(kills, 'SIGKILLs in this part of the matrix').toBeGreaterThanOrEqual(minKills);
      console.log(
        `kill matrix (${title}): ${kills} SIGKILLs across ${chosen.length} verbs, each followed by cnm recover`,
      );

      // Everything goes through the CLI, and nothing is left anywhere.
      const names = (await cli(['sandbox', 'ls', '-q'], env())).stdout.split('\n').filter(Boolean);
      if (names.length > 0) expect((await cli(['sandbox', 'rm', ...names], env())).code).toBe(0);
      expect((await cli(['network', 'prune', '-f'], env())).code).toBe(0);
      expect((await cli(['network', 'ls', '--format', '{{.Name}}'], env())).stdout).toBe(`${PREDEFINED.join('\n')}\n`);
      expect((await t.ip(['link'])).map((l) => l.ifname)).toEqual(['lo']);
      expect((await readdir(t.dir)).filter((f) => f !== 'host')).toEqual([]);
      expect((await mountsUnder(t.dir)).filter((m) => m !== t.dir && m !== `${t.dir}/host`)).toEqual([]);
      for (const [name, elems] of await checker.nftElements()) expect(elems, `nft ${name} is empty`).toEqual([]);
      const rows = checker.storeRows();
      const networks = (rows.networks ?? []) as { id: string; name: string; predefined: number; made: number }[];
      // The predefined networks stay, never made here (no verb of the matrix joins them).
      expect(networks.map((n) => [n.name, n.predefined, n.made])).toEqual(PREDEFINED.map((name) => [name, 1, 0]));
      const predefinedIds = new Set(networks.map((n) => n.id));
      for (const [table, content] of Object.entries(rows)) {
        if (table === 'meta' || table === 'sqlite_sequence' || table === 'networks') continue;
        // Their subnet, gateway address and link groups; nothing else.
        const left = content.filter((r) => !predefinedIds.has(String(r.network_id)));
        expect(left, `store table ${table} holds only the predefined networks' rows`).toEqual([]);
      }
    }, 900_000);
  });
}

/** How one run of a verb ended. */
interface Ended {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs `argv` (a cnm verb, or node with a script), killing it after `killAfterMs` if given. */
function launch(argv: readonly string[], env: Record<string, string>, killAfterMs?: number): Promise<Ended> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...argv], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 60_000,
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stderr, ms: Date.now() - started });
    });
  });
}

const has = <T extends { info(): { name: string } }>(all: readonly T[], name: string) =>
  all.find((x) => x.info().name === name);

export async function ensureNetwork(ctl: NetworkController, name: string, subnet: string): Promise<void> {
  if (!has(ctl.networks(), name)) await ctl.createNetwork({ name, ipam: { config: [{ subnet }] } });
}

export async function ensureNoNetwork(ctl: NetworkController, name: string): Promise<void> {
  const net = has(ctl.networks(), name);
  if (!net) return;
  for (const ep of net.endpoints()) await net.disconnect(ep.info().name, { force: true });
  await net.delete();
}

export async function ensureSandbox(ctl: NetworkController, name: string): Promise<void> {
  if (!has(ctl.sandboxes(), name)) await ctl.createSandbox({ name });
}

export async function ensureNoSandbox(ctl: NetworkController, ...names: string[]): Promise<void> {
  const gone = ctl.sandboxes().filter((s) => names.includes(s.info().name) || names.includes('*'));
  if (gone.length > 0) await ctl.deleteSandboxes(gone);
}

/** The sandbox joined to the network with these options, or not joined at all (`undefined`). */
export async function ensureJoined(
  ctl: NetworkController,
  network: string,
  sandbox: string,
  o?: Parameters<ReturnType<NetworkController['network']>['connect']>[1],
): Promise<void> {
  await ensureSandbox(ctl, sandbox);
  const net = ctl.network(network);
  const sb = ctl.sandbox(sandbox);
  const joined = sb.endpoints().some((e) => e.info().networkId === net.id);
  if (o === undefined && joined) await net.disconnect(sb);
  if (o !== undefined && !joined) await net.connect(sb, o);
}

// connectMany has no verb: a small program of the built library calls it, as an embedder would.
const MANY = `
import { NetworkController } from ${JSON.stringify(join(import.meta.dirname, '../../dist/index.js'))};
const ctl = await NetworkController.open({
  stateDir: process.env.CNM_STATE_DIR, hostNetns: process.env.CNM_HOST_NETNS, netnsDir: process.env.CNM_NETNS_DIR,
});
const results = await ctl.network('knet').connectMany(
  Array.from({ length: 20 }, (_, i) => ({ sandboxName: 'km' + i })), { concurrency: 4 });
await ctl.close();
process.exit(results.every((r) => r.ok) ? 0 : 1);
`;

/** The whole-state checks of one file's host and store. */
function wholeChecker(t: TestHost, stateDir: string) {
  /** Elements of every set and map of cnm's table, by name (none when the table is not there). */
  async function nftElements(): Promise<Map<string, unknown[]>> {
    const out = await run('nsenter', [`--net=${t.host.path}`, 'nft', '-j', 'list', 'table', 'inet', 'cnm']).catch(
      () => '{"nftables":[]}',
    );
    const found = new Map<string, unknown[]>();
    for (const o of (JSON.parse(out) as { nftables: NftObject[] }).nftables) {
      const s = o.set ?? o.map;
      if (s) found.set(s.name, s.elem ?? []);
    }
    return found;
  }

  /** Every row of every table of the store. */
  function storeRows(): Record<string, Record<string, unknown>[]> {
    const db = new Database(`${stateDir}/cnm.db`, { readonly: true });
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
      return Object.fromEntries(
        tables.map((x) => [x.name, db.prepare(`SELECT * FROM "${x.name}"`).all() as Record<string, unknown>[]]),
      );
    } finally {
      db.close();
    }
  }

  /** The state after a recover must be whole. Checked with ip, nft, /proc and SQL. */
  async function checkWhole(after: string): Promise<void> {
    const rows = storeRows();
    const where = `after ${after}`;
    expect(rows.intents, `${where}: no intent is left`).toEqual([]);
    const sandboxes = rows.sandboxes as { id: string; name: string; netns_path: string; owned: number }[];
    const endpoints = rows.endpoints as {
      id: string;
      name: string;
      network_id: string;
      sandbox_id: string | null;
      host_ifname: string | null;
      ipv4: string | null;
    }[];
    const networks = rows.networks as {
      id: string;
      name: string;
      driver: string;
      driver_state: string;
      made: number;
    }[];
    // Every endpoint is joined to a sandbox that exists (the CLI never makes a lone endpoint).
    const sandboxIds = new Set(sandboxes.map((s) => s.id));
    const stray = endpoints.filter((e) => e.sandbox_id === null || !sandboxIds.has(e.sandbox_id));
    expect(
      stray.map((e) => e.name),
      `${where}: endpoints that belong to no sandbox`,
    ).toEqual([]);
    // Links: lo, a stored network's bridge, a joined endpoint's host end; and every one of those is there.
    // (Of bridge networks made on this host: the predefined ones get theirs at their first join.)
    const bridges = networks
      .filter((n) => n.driver === 'bridge' && n.made === 1)
      .map((n) => (JSON.parse(n.driver_state) as { bridge?: string }).bridge ?? '?');
    const hostEnds = endpoints.flatMap((e) => (e.host_ifname ? [e.host_ifname] : []));
    const links = (await t.ip(['link'])).map((l) => l.ifname);
    expect(
      links.filter((l) => l !== 'lo' && !bridges.includes(l) && !hostEnds.includes(l)),
      `${where}: stray links`,
    ).toEqual([]);
    expect(
      [...bridges, ...hostEnds].filter((l) => !links.includes(l)),
      `${where}: missing links`,
    ).toEqual([]);
    // Namespace files and their mounts: the stored sandboxes' own, nothing else.
    const owned = sandboxes.filter((s) => s.owned === 1).map((s) => s.netns_path);
    const files = (await readdir(t.dir)).filter((f) => f !== 'host').map((f) => `${t.dir}/${f}`);
    expect(files.sort(), `${where}: namespace files`).toEqual([...owned].sort());
    const mounts = (await mountsUnder(t.dir)).filter((m) => m !== t.dir && m !== `${t.dir}/host`);
    expect([...new Set(mounts)].sort(), `${where}: namespace mounts`).toEqual([...owned].sort());
    // Addresses: each held by a gateway, an aux address or an endpoint that exists; on the
    // wire, each endpoint's address is on its sandbox's interface and on no other.
    const endpointIds = new Set(endpoints.map((e) => e.id));
    const addresses = rows.addresses as { address: string; owner: string }[];
    expect(
      addresses.filter((a) => a.owner !== 'gateway' && !a.owner.startsWith('aux:') && !endpointIds.has(a.owner)),
      `${where}: addresses held for nobody`,
    ).toEqual([]);
    const onWire: string[] = [];
    for (const sb of sandboxes.filter((s) => s.owned === 1)) {
      const addrs = await ipJson<
        { ifname: string; addr_info: { family: string; local: string; prefixlen: number }[] }[]
      >(sb.netns_path, ['addr', 'show']);
      const mine = addrs.flatMap((l) =>
        l.ifname === 'lo' ? [] : l.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`),
      );
      onWire.push(...mine);
      const stored = endpoints.filter((e) => e.sandbox_id === sb.id && e.ipv4).map((e) => e.ipv4 as string);
      expect(mine.sort(), `${where}: addresses inside ${sb.name}`).toEqual(stored.sort());
    }
    expect(onWire.length, `${where}: an address on two interfaces`).toBe(new Set(onWire).size);
    // The firewall: one bridge element per network, one port element per published port.
    const nft = await nftElements();
    const liveBridges = networks.filter((n) => n.driver_state !== '{}').length;
    expect((nft.get('bridges') ?? []).length, `${where}: bridge elements`).toBe(liveBridges);
    expect((nft.get('ports4any') ?? []).length, `${where}: published-port elements`).toBe(rows.published_ports?.length);
  }

  return { nftElements, storeRows, checkWhole };
}

interface NftObject {
  set?: { name: string; elem?: unknown[] };
  map?: { name: string; elem?: unknown[] };
}

async function mountsUnder(dir: string): Promise<string[]> {
  const lines = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n');
  return lines.map((l) => l.split(' ')[4] ?? '').filter((m) => m === dir || m.startsWith(`${dir}/`));
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

// A small seeded generator: the same moments every run unless CNM_KILL_SEED says otherwise.
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
