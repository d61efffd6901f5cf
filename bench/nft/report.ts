// SPDX-License-Identifier: GPL-2.0-or-later
// The nft benchmark's summary: first-100 and last-100 cost per layout,
// growth, ratios to cnm's layout, and the targets.
import { fmt, mean, median, targetLine, textTable } from '../stats';
import type { LayoutSample } from './layouts';

export interface LayoutSummary {
  readonly layout: string;
  readonly describe: string;
  readonly n: number;
  /** Medians over runs, µs per transaction. */
  readonly addFirst100: number;
  readonly addLast100: number;
  readonly addGrowth: number;
  readonly delFirst100: number;
  readonly delLast100: number;
  /** This layout's last-100 add cost over cnm's. */
  readonly vsCnmAtN: number | null;
}

export function summarize(layout: string, describe: string, n: number, runs: readonly LayoutSample[]): LayoutSummary {
  const edge = (xs: number[], last: boolean) => mean(last ? xs.slice(-100) : xs.slice(0, 100));
  return {
    layout,
    describe,
    n,
    addFirst100: median(runs.map((r) => edge(r.addUs, false))),
    addLast100: median(runs.map((r) => edge(r.addUs, true))),
    addGrowth: median(runs.map((r) => edge(r.addUs, true) / edge(r.addUs, false))),
    delFirst100: median(runs.map((r) => edge(r.delUs, false))),
    delLast100: median(runs.map((r) => edge(r.delUs, true))),
    vsCnmAtN: null,
  };
}

export function withRatios(rows: LayoutSummary[], cnmName: string): LayoutSummary[] {
  const cnm = rows.find((r) => r.layout === cnmName);
  return rows.map((r) => ({ ...r, vsCnmAtN: cnm && r !== cnm ? r.addLast100 / cnm.addLast100 : null }));
}

export function targets(rows: readonly LayoutSummary[], cnmName: string, rulesName: string) {
  const cnm = rows.find((r) => r.layout === cnmName);
  const rules = rows.find((r) => r.layout === rulesName);
  const growth = cnm?.addGrowth ?? null;
  const speedup = rules?.vsCnmAtN ?? null;
  return [
    { what: 'cnm: the last 100 within 1.5x of the first 100', value: growth, pass: growth !== null && growth <= 1.5 },
    {
      what: 'cnm: at least 20x faster than rule-per-mapping at N',
      value: speedup,
      pass: speedup !== null && speedup >= 20,
    },
  ];
}

export function table(rows: readonly LayoutSummary[], runs: number, checks: ReturnType<typeof targets>): string {
  const head = [
    'layout',
    'add first100 µs',
    'add last100 µs',
    'growth',
    'x cnm at N',
    'del first100 µs',
    'del last100 µs',
  ];
  const body = rows.map((r) => [
    r.layout,
    fmt(r.addFirst100),
    fmt(r.addLast100),
    fmt(r.addGrowth),
    r.vsCnmAtN === null ? '1' : fmt(r.vsCnmAtN),
    fmt(r.delFirst100),
    fmt(r.delLast100),
  ]);
  const lines = [
    `nft: ${rows[0]?.n ?? 0} port mappings, one transaction each (medians of ${runs} runs; µs per transaction)`,
    '',
    ...textTable(head, body),
    '',
  ];
  for (const c of checks) lines.push(targetLine(c));
  return lines.join('\n');
}
