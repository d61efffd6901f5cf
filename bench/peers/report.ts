// SPDX-License-Identifier: GPL-2.0-or-later
// The peer benchmark's summary: per system and N, medians over runs (with
// min–max), ratios taken pair by pair within a run over the endpoints both
// reached, and the issue's targets as PASS/MISS lines.
import { fmt, mean, median, textTable } from '../stats';
import { cniSystem } from './cni';
import { cnmConnectSystem, cnmManySystem, floorSystem } from './cnm-systems';
import { dockerSystem } from './docker';
import { netavarkSystem } from './netavark';
import type { PeerSample } from './run';

export const CNM = cnmConnectSystem.name;
export const CNM_MANY = cnmManySystem.name;
export const FLOOR = floorSystem.name;
/** The systems people would use instead; the fastest of them is cnm's yardstick. */
export const PEERS = [cniSystem.name, netavarkSystem(0).name, netavarkSystem(10).name, dockerSystem.name];

export interface PeerSummary {
  readonly system: string;
  readonly n: number;
  readonly runs: number;
  readonly skipped?: string;
  /** Fewest endpoints any run reached. */
  readonly reached: number;
  /** Per endpoint, namespaces made beforehand: median of the runs' means, and their range. */
  readonly attachMs: number;
  readonly attachMinMs: number;
  readonly attachMaxMs: number;
  readonly netnsMs: number;
  readonly detachMs: number;
  /** This system's attach time over cnm's, run by run over the endpoints both reached, median. */
  readonly vsCnm?: number;
}

const ran = (s: PeerSample) => s.reached > 0;

/** The attach-time ratio a/b of two samples of one run, over the endpoints both reached. */
function ratio(a: PeerSample, b: PeerSample): number {
  const k = Math.min(a.attachMs.length, b.attachMs.length);
  return mean(a.attachMs.slice(0, k)) / mean(b.attachMs.slice(0, k));
}

/** Median over runs of `f(sample of system a, sample of system b)` for the runs where both ran. */
function paired(
  samples: readonly PeerSample[],
  n: number,
  a: string,
  b: string,
  f: (x: PeerSample, y: PeerSample) => number,
) {
  const values = samples
    .filter((s) => s.n === n && s.system === a && ran(s))
    .flatMap((x) => {
      const y = samples.find((s) => s.n === n && s.system === b && s.run === x.run && ran(s));
      return y ? [f(x, y)] : [];
    });
  return values.length ? median(values) : undefined;
}

export function summarize(samples: readonly PeerSample[]): PeerSummary[] {
  const keys = [...new Set(samples.map((s) => `${s.n}\u0000${s.system}`))];
  return keys.map((key) => {
    const [nText, system] = key.split('\u0000') as [string, string];
    const n = Number(nText);
    const mine = samples.filter((s) => s.n === n && s.system === system);
    const done = mine.filter(ran);
    const means = done.map((s) => mean(s.attachMs));
    const skipped = mine.find((s) => s.skipped)?.skipped;
    const vsCnm = system === CNM ? 1 : paired(samples, n, system, CNM, ratio);
    return {
      system,
      n,
      runs: done.length,
      ...(skipped ? { skipped } : {}),
      reached: done.length ? Math.min(...done.map((s) => s.reached)) : 0,
      attachMs: median(means),
      attachMinMs: Math.min(...means),
      attachMaxMs: Math.max(...means),
      netnsMs: median(done.map((s) => mean(s.netnsMs))),
      detachMs: median(done.filter((s) => s.detached > 0).map((s) => s.detachMs / s.detached)),
      ...(vsCnm !== undefined ? { vsCnm } : {}),
    };
  });
}

export function table(summaries: readonly PeerSummary[], runs: number): string[] {
  const out: string[] = [];
  for (const n of [...new Set(summaries.map((s) => s.n))]) {
    out.push(
      '',
      `N=${n} on one bridge network (medians of ${runs} runs; ms per endpoint; namespaces made beforehand)`,
      '',
    );
    const rows = summaries
      .filter((s) => s.n === n)
      .map((s) =>
        s.runs === 0
          ? [s.system, '—', '—', '—', '—', '—', '—', s.skipped ?? '']
          : [
              s.system,
              `${s.reached}`,
              fmt(s.attachMs),
              `${fmt(s.attachMinMs)}–${fmt(s.attachMaxMs)}`,
              s.vsCnm === undefined ? '—' : fmt(s.vsCnm),
              fmt(s.detachMs),
              fmt(s.netnsMs),
              s.skipped?.startsWith('budget') ? `skipped: ${s.skipped} (reached ${s.reached})` : (s.skipped ?? ''),
            ],
      );
    out.push(
      ...textTable(['system', 'reached', 'attach ms/ep', 'min–max', 'x cnm', 'detach ms/ep', 'netns ms/ep', ''], rows),
    );
  }
  return out;
}

export interface Target {
  readonly what: string;
  readonly pass: boolean;
  /** The measured ratio, or null when it could not be measured. */
  readonly value: number | null;
}

function growth(s: PeerSample): number {
  return mean(s.attachMs.slice(-100)) / mean(s.attachMs.slice(0, 100));
}

/** The issue's targets; each says what it compared, and one that could not be measured is a MISS saying so. */
export function targets(samples: readonly PeerSample[], summaries: readonly PeerSummary[]): Target[] {
  const out: Target[] = [];
  const target = (what: string, value: number | undefined, pass: (v: number) => boolean, note = '') =>
    out.push({ what: `${what}${note}`, value: value ?? null, pass: value !== undefined && pass(value) });
  const full = (system: string, n: number) =>
    samples.some((s) => s.system === system && s.n === n && ran(s)) &&
    samples.filter((s) => s.system === system && s.n === n).every((s) => s.reached === n);

  // Each of cnm's two ways, the one a runtime uses per container and the bulk one.
  for (const mine of [CNM, CNM_MANY]) {
    if (!samples.some((s) => s.system === mine)) continue;
    const vsFloor = paired(samples, 1000, mine, FLOOR, ratio);
    target(`${mine} attach within 1.25x of the floor at N=1000`, vsFloor, (v) => v <= 1.25);
    const g = paired(samples, 1000, mine, FLOOR, (c, f) => growth(c) / growth(f));
    target(`${mine} growth (last 100 / first 100) within 1.1x of the floor's at N=1000`, g, (v) => v <= 1.1);
    for (const [n, factor] of [
      [100, 10],
      [1000, 20],
    ] as const) {
      // The fastest peer: the lowest median attach time among those that ran at N.
      const peer = summaries
        .filter((s) => s.n === n && s.runs > 0 && PEERS.includes(s.system))
        .sort((a, b) => a.attachMs - b.attachMs)[0];
      const value = peer ? paired(samples, n, peer.system, mine, ratio) : undefined;
      const note = peer && !full(peer.system, n) ? ` (it reached ${peer.reached} of ${n} within its budget)` : '';
      target(
        `${mine} at least ${factor}x faster per endpoint than the fastest peer${peer ? ` (${peer.system})` : ''} at N=${n}`,
        value,
        (v) => v >= factor,
        note,
      );
    }
  }
  return out;
}

export function targetLines(ts: readonly Target[]): string[] {
  return ts.map(
    (t) => `${t.pass ? 'PASS' : 'MISS'}  ${t.what}: ${t.value === null ? 'not measured' : `${fmt(t.value)}x`}`,
  );
}
