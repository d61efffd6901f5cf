// SPDX-License-Identifier: GPL-2.0-or-later
/** The demo's report: a line per check, the scale table, and one verdict. */
import { dockerTable } from '../output';
import type { Check } from './checks';
import type { ScaleResult } from './scale';

/** Everything the demo found; what `cnm demo --json` prints. */
export interface DemoReport {
  readonly ok: boolean;
  readonly checks: readonly Check[];
  readonly scale?: ScaleResult;
  /** How many times faster cnm attached than `ip -batch`. */
  readonly attachSpeedup?: number;
  readonly totalMs: number;
}

/**
 * The report as text, for a person.
 *
 * @example
 * ```ts
 * console.log(renderReport(report))
 * ```
 */
export function renderReport(r: DemoReport): string {
  const lines = ['cnm demo: a throwaway network namespace and state directory; nothing on this machine changes', ''];
  for (const c of r.checks) {
    lines.push(`${c.skipped ? 'SKIP' : c.ok ? 'PASS' : 'FAIL'}  ${c.name}`);
    lines.push(`      ${c.detail}`);
  }
  if (r.scale) {
    const s = r.scale;
    lines.push('', `${s.n} sandboxes attached to one bridge network and torn down (ms per endpoint, this run):`, '');
    const row = (way: string, p: { attachMs: number; teardownMs: number }) => [
      way,
      p.attachMs.toFixed(2),
      p.teardownMs.toFixed(2),
    ];
    lines.push(
      dockerTable(
        ['WAY', 'ATTACH', 'TEARDOWN'],
        [row('cnm (net.connectMany)', s.cnm), row('ip -batch (same kernel work)', s.ipBatch)],
      ),
    );
    if (r.attachSpeedup !== undefined) {
      lines.push('', `cnm attached ${r.attachSpeedup.toFixed(1)}x faster than ip -batch`);
    }
  }
  const failed = r.checks.filter((c) => !c.ok).length;
  const skipped = r.checks.filter((c) => c.skipped).length;
  const run = r.checks.length - skipped;
  lines.push(
    '',
    failed === 0
      ? `all ${run} checks passed in ${(r.totalMs / 1000).toFixed(1)} s${skipped > 0 ? ` (${skipped} skipped)` : ''}`
      : `${failed} of ${run} checks FAILED`,
  );
  return lines.join('\n');
}
