// SPDX-License-Identifier: GPL-2.0-or-later
// Turns the runs of every way into a summary, ratios to the floor, the
// issue's targets as PASS/MISS lines, and a terminal table.
import { fmt, mean, median, perBlock, targetLine, textTable } from '../stats';
import type { Sample } from './common';

export interface WaySummary {
  readonly way: string;
  readonly describe: string;
  readonly runs: number;
  readonly reached: number;
  /** Medians over runs, in ms per endpoint. */
  readonly attachMs: number;
  readonly first100Ms: number;
  readonly last100Ms: number;
  readonly growth: number;
  readonly netnsMs: number | null;
  readonly teardownMsPerEndpoint: number;
  readonly per100Ms: number[];
  /** Ratios to the floor measured in the same run (null for the floor itself or when absent). */
  readonly attachVsFloor: number | null;
  readonly growthVsFloor: number | null;
  readonly teardownVsFloor: number | null;
}

export interface Target {
  readonly what: string;
  readonly limit: number;
  readonly value: number | null;
  readonly pass: boolean;
}

export function summarize(
  way: string,
  describe: string,
  samples: readonly Sample[],
): Omit<WaySummary, 'attachVsFloor' | 'growthVsFloor' | 'teardownVsFloor'> {
  const per = samples.map((s) => {
    const blocks = perBlock(s.attachMs);
    const first = blocks[0] ?? Number.NaN;
    const last = blocks[blocks.length - 1] ?? Number.NaN;
    return {
      attach: mean(s.attachMs),
      first,
      last,
      growth: last / first,
      netns: s.netnsMs ? mean(s.netnsMs) : Number.NaN,
      teardown: s.teardownMs / Math.max(1, s.reached),
      blocks,
    };
  });
  const blocks = Math.max(...per.map((p) => p.blocks.length));
  return {
    way,
    describe,
    runs: samples.length,
    reached: Math.min(...samples.map((s) => s.reached)),
    attachMs: median(per.map((p) => p.attach)),
    first100Ms: median(per.map((p) => p.first)),
    last100Ms: median(per.map((p) => p.last)),
    growth: median(per.map((p) => p.growth)),
    netnsMs: samples.every((s) => s.netnsMs) ? median(per.map((p) => p.netns)) : null,
    teardownMsPerEndpoint: median(per.map((p) => p.teardown)),
    per100Ms: Array.from({ length: blocks }, (_, b) => median(per.map((p) => p.blocks[b] ?? Number.NaN))),
  };
}

export function withRatios(rows: ReturnType<typeof summarize>[], floorName: string): WaySummary[] {
  const floor = rows.find((r) => r.way === floorName);
  return rows.map((r) => ({
    ...r,
    attachVsFloor: floor && r !== floor ? r.attachMs / floor.attachMs : null,
    growthVsFloor: floor && r !== floor ? r.growth / floor.growth : null,
    teardownVsFloor: floor && r !== floor ? r.teardownMsPerEndpoint / floor.teardownMsPerEndpoint : null,
  }));
}

export function targets(
  rows: readonly WaySummary[],
  kernelName: string,
  modelName?: string,
  manyName?: string,
): Target[] {
  const k = rows.find((r) => r.way === kernelName);
  const m = rows.find((r) => r.way === modelName);
  const many = rows.find((r) => r.way === manyName);
  const check = (what: string, limit: number, value: number | null | undefined): Target => ({
    what,
    limit,
    value: value ?? null,
    pass: value !== null && value !== undefined && value <= limit,
  });
  return [
    check('lib/kernel attach within 1.15x of the floor', 1.15, k?.attachVsFloor),
    check("lib/kernel last-100/first-100 growth within 1.1x of the floor's", 1.1, k?.growthVsFloor),
    check("lib/kernel teardown within 1.3x of the floor's", 1.3, k?.teardownVsFloor),
    ...(m
      ? [
          check('cnm (the model) attach within 1.25x of the floor', 1.25, m.attachVsFloor),
          check("cnm growth within 1.1x of the floor's", 1.1, m.growthVsFloor),
        ]
      : []),
    ...(m && many
      ? [check('connectMany faster than a loop of connect (ratio of their times)', 1, many.attachMs / m.attachMs)]
      : []),
  ];
}

export function table(n: number, rows: readonly WaySummary[], checks: readonly Target[]): string {
  const head = [
    'way',
    'reached',
    'attach ms/ep',
    'x floor',
    'first100',
    'last100',
    'growth',
    'x floor',
    'netns ms',
    'teardown ms/ep',
    'x floor',
  ];
  const body = rows.map((r) => [
    r.way,
    String(r.reached),
    fmt(r.attachMs),
    r.attachVsFloor === null ? '1' : fmt(r.attachVsFloor),
    fmt(r.first100Ms),
    fmt(r.last100Ms),
    fmt(r.growth),
    r.growthVsFloor === null ? '1' : fmt(r.growthVsFloor),
    r.netnsMs === null ? '—' : fmt(r.netnsMs),
    fmt(r.teardownMsPerEndpoint),
    r.teardownVsFloor === null ? '1' : fmt(r.teardownVsFloor),
  ]);
  const lines = [`attach, N=${n} on one bridge (medians of ${rows[0]?.runs ?? 0} runs; ms per endpoint)`, ''];
  lines.push(...textTable(head, body));
  const blocks = Math.max(...rows.map((r) => r.per100Ms.length));
  if (blocks > 1) {
    lines.push('', 'per 100 endpoints (ms per endpoint)');
    const h2 = ['endpoints', ...rows.map((r) => r.way)];
    const b2 = Array.from({ length: blocks }, (_, b) => [
      `${b * 100 + 1}-${Math.min(n, (b + 1) * 100)}`,
      ...rows.map((r) => fmt(r.per100Ms[b] ?? Number.NaN)),
    ]);
    lines.push(...textTable(h2, b2));
  }
  lines.push('');
  for (const c of checks) lines.push(targetLine(c));
  return lines.join('\n');
}
