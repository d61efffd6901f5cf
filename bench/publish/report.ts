// SPDX-License-Identifier: GPL-2.0-or-later
// The publish benchmark's summary: per size, the first and last 100
// publishes, their growth, the ratio to the bare element insert, the rule
// counts, and the targets.
import { fmt, mean, median, targetLine, textTable } from '../stats';
import type { PublishSample } from './run';

export interface PublishSummary {
  readonly n: number;
  /** Medians over runs, µs per publish (or per bare insert). */
  readonly first100: number;
  readonly last100: number;
  readonly growth: number;
  readonly bareFirst100: number;
  readonly bareLast100: number;
  /** Mean publish over mean bare insert, all N. */
  readonly vsBare: number;
  readonly rulesBefore: number;
  readonly rulesAfter: number;
}

const first = (xs: readonly number[]) => mean(xs.slice(0, 100));
const last = (xs: readonly number[]) => mean(xs.slice(-100));

export function summarize(n: number, runs: readonly PublishSample[]): PublishSummary {
  return {
    n,
    first100: median(runs.map((r) => first(r.publishUs))),
    last100: median(runs.map((r) => last(r.publishUs))),
    growth: median(runs.map((r) => last(r.publishUs) / first(r.publishUs))),
    bareFirst100: median(runs.map((r) => first(r.bareUs))),
    bareLast100: median(runs.map((r) => last(r.bareUs))),
    vsBare: median(runs.map((r) => mean(r.publishUs) / mean(r.bareUs))),
    rulesBefore: Math.max(...runs.map((r) => r.rulesBefore)),
    rulesAfter: Math.max(...runs.map((r) => r.rulesAfter)),
  };
}

export function targets(rows: readonly PublishSummary[]) {
  const largest = rows.reduce<PublishSummary | undefined>((a, r) => (a && a.n >= r.n ? a : r), undefined);
  const constant = rows.every((r) => r.rulesBefore === r.rulesAfter && r.rulesBefore === rows[0]?.rulesBefore);
  return [
    {
      what: `the last 100 publishes within 1.5x of the first 100 (N=${largest?.n ?? 0})`,
      value: largest?.growth ?? null,
      pass: largest !== undefined && largest.growth <= 1.5,
    },
    {
      what: 'rule count constant at every N (most rules after over rules before)',
      value: Math.max(...rows.map((r) => r.rulesAfter / r.rulesBefore)),
      pass: constant,
    },
    {
      what: `a publish through the model within 1.5x of the bare element insert (N=${largest?.n ?? 0})`,
      value: largest?.vsBare ?? null,
      pass: largest !== undefined && largest.vsBare <= 1.5,
    },
  ];
}

export function table(rows: readonly PublishSummary[], runs: number, checks: ReturnType<typeof targets>): string {
  const head = ['N', 'first100 µs', 'last100 µs', 'growth', 'bare first100 µs', 'bare last100 µs', 'x bare', 'rules'];
  const body = rows.map((r) => [
    String(r.n),
    fmt(r.first100),
    fmt(r.last100),
    fmt(r.growth),
    fmt(r.bareFirst100),
    fmt(r.bareLast100),
    fmt(r.vsBare),
    `${r.rulesBefore} → ${r.rulesAfter}`,
  ]);
  const lines = [
    `publish: N ports, one Endpoint.publish each, vs the bare libnftnl element insert (medians of ${runs} runs)`,
    '',
    ...textTable(head, body),
    '',
  ];
  for (const c of checks) lines.push(targetLine(c));
  return lines.join('\n');
}
