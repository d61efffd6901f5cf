// SPDX-License-Identifier: GPL-2.0-or-later
// Line charts as plain SVG (no dependency, no browser): one line per
// series, logarithmic axes where asked, a legend beside the plot.

export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
}

export interface Chart {
  readonly title: string;
  readonly subtitle?: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly xLog?: boolean;
  readonly yLog?: boolean;
  readonly series: readonly Series[];
}

const COLOURS = ['#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#e6ab02', '#a6761d', '#666666', '#1f78b4'];
const W = 900;
const H = 440;
const M = { left: 70, right: 250, top: 56, bottom: 56 };

function xmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// Tick values: powers of ten (with 2 and 5 between when the range is short) on a log axis, round steps otherwise.
function ticks(lo: number, hi: number, log: boolean): number[] {
  if (log) {
    const out: number[] = [];
    const span = Math.log10(hi) - Math.log10(lo);
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
      for (const m of span < 2.5 ? [1, 2, 5] : [1]) {
        const v = m * 10 ** e;
        if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v);
      }
    }
    return out;
  }
  const step = 10 ** Math.floor(Math.log10((hi - lo) / 4 || 1));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => (hi - lo) / s <= 6) ?? step * 10;
  const out: number[] = [];
  for (let v = Math.ceil(lo / nice) * nice; v <= hi + 1e-9; v += nice) out.push(Number(v.toPrecision(12)));
  return out;
}

function label(v: number): string {
  if (v >= 1000) return `${Number((v / 1000).toPrecision(3))}k`;
  return String(Number(v.toPrecision(3)));
}

/**
 * The chart as an SVG document.
 *
 * @example
 * ```ts
 * writeFileSync('attach.svg', lineChart({ title: 'attach', xLabel: 'N', yLabel: 'ms', xLog: true, yLog: true,
 *   series: [{ name: 'cnm', points: [[10, 1.2], [100, 1.3]] }] }))
 * ```
 */
export function lineChart(c: Chart): string {
  const all = c.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && y > 0);
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y);
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (c.yLog) [y0, y1] = [10 ** Math.floor(Math.log10(y0)), 10 ** Math.ceil(Math.log10(y1))];
  else [y0, y1] = [0, y1 * 1.1];
  if (x0 === x1) [x0, x1] = [x0 / 2, x1 * 2];
  const fx = (x: number) =>
    M.left +
    ((c.xLog ? Math.log10(x) - Math.log10(x0) : x - x0) / (c.xLog ? Math.log10(x1) - Math.log10(x0) : x1 - x0)) *
      (W - M.left - M.right);
  const fy = (y: number) =>
    H -
    M.bottom -
    ((c.yLog ? Math.log10(y) - Math.log10(y0) : y - y0) / (c.yLog ? Math.log10(y1) - Math.log10(y0) : y1 - y0)) *
      (H - M.top - M.bottom);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${M.left}" y="22" font-size="15" font-weight="bold">${xmlText(c.title)}</text>`,
  ];
  if (c.subtitle) out.push(`<text x="${M.left}" y="40" fill="#555">${xmlText(c.subtitle)}</text>`);
  for (const t of ticks(y0, y1, !!c.yLog)) {
    const y = fy(t).toFixed(1);
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${M.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${label(t)}</text>`);
  }
  for (const t of ticks(x0, x1, !!c.xLog)) {
    const x = fx(t).toFixed(1);
    out.push(`<line x1="${x}" x2="${x}" y1="${M.top}" y2="${H - M.bottom}" stroke="#f0f0f0"/>`);
    out.push(`<text x="${x}" y="${H - M.bottom + 16}" text-anchor="middle">${label(t)}</text>`);
  }
  out.push(
    `<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="#888"/>`,
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 14}" text-anchor="middle">${xmlText(c.xLabel)}${c.xLog ? ' (log)' : ''}</text>`,
    `<text transform="translate(16 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${xmlText(c.yLabel)}${c.yLog ? ' (log)' : ''}</text>`,
  );
  c.series.forEach((s, k) => {
    const colour = COLOURS[k % COLOURS.length] as string;
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && y > 0);
    if (pts.length > 1) {
      const d = pts.map(([x, y], i) => `${i ? 'L' : 'M'}${fx(x).toFixed(1)},${fy(y).toFixed(1)}`).join(' ');
      out.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    }
    for (const [x, y] of pts) {
      out.push(`<circle cx="${fx(x).toFixed(1)}" cy="${fy(y).toFixed(1)}" r="3.5" fill="${colour}"/>`);
    }
    const ly = M.top + 10 + k * 20;
    out.push(
      `<line x1="${W - M.right + 16}" x2="${W - M.right + 40}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="2"/>`,
    );
    out.push(`<text x="${W - M.right + 46}" y="${ly}" dominant-baseline="middle">${xmlText(s.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
