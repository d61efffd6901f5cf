// SPDX-License-Identifier: GPL-2.0-or-later
// Small statistics for benchmark samples.

export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Mean of each consecutive block of `size` samples. */
export function perBlock(xs: readonly number[], size = 100): number[] {
  const out: number[] = [];
  for (let i = 0; i < xs.length; i += size) out.push(mean(xs.slice(i, i + size)));
  return out;
}

/** Rounds for display: 3 significant digits. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return '—';
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/** A plain-text table: a header, a rule, the rows; the first column left-aligned, the rest right. */
export function textTable(head: readonly string[], body: readonly (readonly string[])[]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const pad = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [pad(head), pad(widths.map((w) => '-'.repeat(w))), ...body.map(pad)];
}

/** The PASS/MISS line of one benchmark target. */
export function targetLine(c: {
  readonly pass: boolean;
  readonly what: string;
  readonly value: number | null;
}): string {
  return `${c.pass ? 'PASS' : 'MISS'}  ${c.what}: ${c.value === null ? '—' : `${fmt(c.value)}x`}`;
}

/** The p-th percentile (0..100), nearest rank. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] as number;
}
