// SPDX-License-Identifier: GPL-2.0-or-later
// Runs the peer benchmark: for each N and each run, every system in turn
// (the order rotated run by run) attaches N endpoints into N premade
// namespaces and detaches them, each phase within the time budget; the
// benchmark's namespace is wiped between systems. A row that fails is
// recorded with its error and the others go on.
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { progress } from '../../lib/cli/output';
import { netnsCurrent, netnsRemove } from '../../lib/kernel/netns';
import { rtnl } from '../../lib/kernel/rtnl';
import { settle } from '../attach/common';
import { ipBatch } from '../attach/ip-ways';
import type { PeerRun, PeerSystem, RowNamespaces, SelfTimedSystem } from './system';

const execFileP = promisify(execFile);

/** One system, one N, one run. Times in milliseconds. */
export interface PeerSample {
  readonly system: string;
  readonly n: number;
  readonly run: number;
  /** Why the row did not run (`unavailable: …`, `error: …`), or stopped (`budget`, `budget (detach)`). */
  readonly skipped?: string;
  /** Endpoints attached (N unless the budget ran out). */
  readonly reached: number;
  /** Per endpoint, into a premade namespace. */
  readonly attachMs: readonly number[];
  /** Per namespace made beforehand (`ip -batch netns add`, or the system's own, as labelled). */
  readonly netnsMs: readonly number[];
  /** Endpoints detached within the budget, and how long that took in all. */
  readonly detached: number;
  readonly detachMs: number;
  /** Links a system that should leave nothing left behind after its run. */
  readonly leaked?: readonly string[];
}

export interface PeerOptions {
  readonly sizes: readonly number[];
  readonly runs: number;
  readonly budgetMs: number;
  readonly systems: readonly (PeerSystem | SelfTimedSystem)[];
  readonly log: (line: string) => void;
}

const NETNS_DIR = '/run/netns';
const TMP = '/run/cnm/peers-tmp';
const EMPTY = { reached: 0, attachMs: [], netnsMs: [], detached: 0, detachMs: 0 } as const;

/** Runs every system for every size and run; unavailable systems get one sample saying why. */
export async function runPeers(o: PeerOptions): Promise<PeerSample[]> {
  const samples: PeerSample[] = [];
  const reasons = new Map<string, string | undefined>();
  for (const s of o.systems) reasons.set(s.name, await s.unavailable?.());
  for (const [name, why] of reasons) if (why) o.log(`skipped: ${name}: ${why}`);
  for (const n of o.sizes) {
    for (let run = 0; run < o.runs; run++) {
      // Rotated, so no system always follows the same one.
      const order = o.systems.map((_, k) => o.systems[(k + run) % o.systems.length] as PeerSystem | SelfTimedSystem);
      for (const system of order) {
        const why = reasons.get(system.name);
        if (why) {
          samples.push({ system: system.name, n, run, skipped: `unavailable: ${why}`, ...EMPTY });
          continue;
        }
        o.log(`N=${n} run ${run + 1}/${o.runs}: ${system.name} ...`);
        let sample: PeerSample;
        try {
          sample =
            'run' in system ? await selfTimed(system, n, run, o.budgetMs) : await premade(system, n, run, o.budgetMs);
        } catch (error) {
          sample = { system: system.name, n, run, skipped: `error: ${firstLine(error)}`, ...EMPTY };
        }
        samples.push(sample);
        const notes = [
          sample.skipped && `skipped: ${sample.skipped}`,
          sample.leaked && `LEFT ${sample.leaked.join(' ')}`,
        ];
        o.log(
          `  ${sample.reached}/${n} attached${notes
            .filter(Boolean)
            .map((x) => `; ${x}`)
            .join('')}`,
        );
        await wipe();
      }
    }
  }
  return samples;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

async function selfTimed(system: SelfTimedSystem, n: number, run: number, budgetMs: number): Promise<PeerSample> {
  const dir = '/run/cnm/peers-floor';
  await mkdir(dir, { recursive: true });
  try {
    const r = await system.run(n, dir, budgetMs);
    return {
      system: system.name,
      n,
      run,
      reached: r.attachMs.length,
      // Its attach time includes making its namespace (and the first
      // netlink socket in it): that step is taken out, as the others get
      // their namespaces made.
      attachMs: r.attachMs.map((a, i) => a - (r.netnsMs[i] ?? 0)),
      netnsMs: r.netnsMs,
      detached: r.attachMs.length,
      detachMs: r.detachMs,
    };
  } finally {
    await removeTree(dir);
  }
}

async function premade(system: PeerSystem, n: number, run: number, budgetMs: number): Promise<PeerSample> {
  const ns = await makeNamespaces(n);
  await removeTree(TMP);
  await mkdir(TMP, { recursive: true });
  let r: PeerRun | undefined;
  const bar = progress(`${system.name} N=${n}`, n);
  try {
    r = await system.open(ns, TMP, budgetMs);
    const attachMs: number[] = [];
    // A system that made its own sandboxes attaches as many as it made.
    const count = r.prepared?.count ?? n;
    let skipped: string | undefined = count < n ? 'budget' : undefined;
    const attachStarted = performance.now();
    const block = system.block ?? 1;
    for (let from = 0; from < count; from += block) {
      if (performance.now() - attachStarted > budgetMs) {
        skipped = 'budget';
        break;
      }
      const to = Math.min(count, from + block);
      const t0 = performance.now();
      await r.attach(from, to);
      const each = (performance.now() - t0) / (to - from);
      for (let i = from; i < to; i++) attachMs.push(each);
      bar.tick(to - from);
    }
    bar.done();
    let detached = 0;
    const t0 = performance.now();
    if (r.detachAll) {
      await r.detachAll(attachMs.length);
      detached = attachMs.length;
    } else {
      while (detached < attachMs.length && performance.now() - t0 < budgetMs) await r.detach?.(detached++);
      if (detached < attachMs.length) skipped ??= 'budget (detach)';
    }
    const detachMs = performance.now() - t0;
    const prepared = r.prepared;
    await r.close();
    r = undefined;
    const leaked = system.leavesNothing ? await leftLinks() : [];
    return {
      system: system.name,
      n,
      run,
      ...(skipped ? { skipped } : {}),
      reached: attachMs.length,
      attachMs,
      netnsMs: prepared?.ms ?? ns.ms,
      detached,
      detachMs,
      ...(leaked.length ? { leaked } : {}),
    };
  } finally {
    bar.done();
    await r?.close().catch(() => {});
    await removeTree(TMP);
  }
}

/**
 * Removes a directory and everything in it, unmounting first what is
 * mounted under it (a namespace directory is a bind mount of itself, and
 * namespace files are bind mounts), deepest first.
 */
export async function removeTree(dir: string): Promise<void> {
  const mounts = (await readFile('/proc/self/mountinfo', 'utf8'))
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((point) => point === dir || point.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of mounts) await execFileP('umount', ['-l', point]).catch(() => {});
  await rm(dir, { recursive: true, force: true });
}

/**
 * N namespaces, and one more (`pbanchor`) a system may use for work that is
 * not per endpoint (the first ADD that makes the bridge), made by one
 * `ip -batch` as any runtime could: timed as a block, shared out evenly.
 * (Not with cnm's addon, which would leave its sockets cached for cnm.)
 */
export async function makeNamespaces(n: number): Promise<RowNamespaces & { ms: number[] }> {
  const names = Array.from({ length: n }, (_, i) => `pb${i}`);
  const t0 = performance.now();
  await ipBatch(
    [],
    names.map((name) => `netns add ${name}`),
  );
  const each = (performance.now() - t0) / n;
  await ipBatch([], ['netns add pbanchor']);
  return {
    names,
    paths: names.map((name) => `${NETNS_DIR}/${name}`),
    anchor: `${NETNS_DIR}/pbanchor`,
    ms: names.map(() => each),
  };
}

async function leftLinks(): Promise<string[]> {
  const host = await netnsCurrent();
  try {
    return (await rtnl(host).links()).filter((l) => l.name !== 'lo').map((l) => l.name);
  } finally {
    host.close();
  }
}

/**
 * Back to an empty namespace: the namespaces go first (the kernel frees
 * their veths together), then whatever links are left, then every nft table
 * (the peers' iptables-nft ones too); then a pause, so the kernel's
 * asynchronous cleanup does not slow the next row.
 */
export async function wipe(): Promise<void> {
  for (const name of await readdir(NETNS_DIR).catch(() => [] as string[])) {
    await netnsRemove(`${NETNS_DIR}/${name}`).catch(() => {});
  }
  const host = await netnsCurrent();
  try {
    const r = rtnl(host);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && (await r.links()).some((l) => l.kind === 'veth')) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const l of await r.links()) if (l.name !== 'lo') await r.linkDel(l.index).catch(() => {});
  } finally {
    host.close();
  }
  await execFileP('nft', ['flush', 'ruleset']);
  await settle(2_000);
}
