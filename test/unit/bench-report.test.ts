// SPDX-License-Identifier: GPL-2.0-or-later
// The peer benchmark's arithmetic and its SVG plots, on made-up samples.
import { describe, expect, it } from 'vitest';
import { CNM, FLOOR, summarize, targets } from '../../bench/peers/report';
import type { PeerSample } from '../../bench/peers/run';
import { lineChart } from '../../bench/plot';

function sample(
  system: string,
  n: number,
  run: number,
  ms: number | number[],
  o: Partial<PeerSample> = {},
): PeerSample {
  const attachMs = Array.isArray(ms) ? ms : Array.from({ length: n }, () => ms);
  return {
    system,
    n,
    run,
    reached: attachMs.length,
    attachMs,
    netnsMs: attachMs.map(() => 0.5),
    detached: attachMs.length,
    detachMs: attachMs.length * 2,
    ...o,
  };
}

describe('peer summaries', () => {
  const samples = [
    sample(FLOOR, 100, 0, 1),
    sample(FLOOR, 100, 1, 1.2),
    sample(FLOOR, 100, 2, 0.8),
    sample(CNM, 100, 0, 1.1),
    sample(CNM, 100, 1, 1.5),
    sample(CNM, 100, 2, 1.0),
    sample('netavark', 100, 0, 33),
    sample('netavark', 100, 1, 30),
    sample('netavark', 100, 2, 36),
    sample('CNI bridge + host-local + ipMasq', 100, 0, 25, {
      reached: 40,
      attachMs: Array(40).fill(25),
      skipped: 'budget',
    }),
    sample('Docker', 100, 0, 0, { reached: 0, attachMs: [], skipped: 'unavailable: no daemon' }),
  ];
  const rows = summarize(samples);
  const row = (system: string) => rows.find((r) => r.system === system);

  it('takes medians over runs, with the range, and ratios to cnm run by run', () => {
    expect(row(CNM)).toMatchObject({
      runs: 3,
      attachMs: expect.closeTo(1.1, 9),
      attachMinMs: expect.closeTo(1, 9),
      attachMaxMs: expect.closeTo(1.5, 9),
      netnsMs: 0.5,
      detachMs: 2,
    });
    // 33/1.1, 30/1.5, 36/1.0 -> median 30.
    expect(row('netavark')?.vsCnm).toBeCloseTo(30, 6);
    expect(row('CNI bridge + host-local + ipMasq')).toMatchObject({ reached: 40, skipped: 'budget', attachMs: 25 });
    expect(row('Docker')).toMatchObject({ runs: 0, skipped: 'unavailable: no daemon' });
  });

  it('checks the targets against the fastest peer that ran, pair by pair, and says what it could not measure', () => {
    const t = targets(samples, rows);
    expect(t).toContainEqual({
      what: 'cnm (net.connect) at least 10x faster per endpoint than the fastest peer (CNI bridge + host-local + ipMasq) at N=100 (it reached 40 of 100 within its budget)',
      pass: true,
      // Run 0 only: CNI's 40 endpoints against cnm's first 40.
      value: expect.closeTo(25 / 1.1, 9),
    });
    expect(t.find((x) => x.what.includes('attach within 1.25x'))).toEqual({
      what: 'cnm (net.connect) attach within 1.25x of the floor at N=1000',
      pass: false,
      value: null,
    });
  });

  it('growth compares the last 100 with the first 100 against the floor, run by run', () => {
    const ramp = (from: number, to: number) => Array.from({ length: 1000 }, (_, i) => from + ((to - from) * i) / 999);
    const s = [sample(FLOOR, 1000, 0, ramp(1, 2)), sample(CNM, 1000, 0, ramp(1, 3))];
    const t = targets(s, summarize(s));
    const growth = t.find((x) => x.what.includes(' growth '));
    expect(growth?.pass).toBe(false);
    expect(growth?.value).toBeGreaterThan(1.1);
    // Attach ratio over the run: mean 2 against mean 1.5.
    expect(t.find((x) => x.what.includes('attach within'))?.value).toBeCloseTo(2 / 1.5, 6);
  });
});

describe('lineChart', () => {
  it('draws one line and its points per series, on log axes, and skips what cannot be drawn', () => {
    const svg = lineChart({
      title: 'attach <cost> & more',
      xLabel: 'N',
      yLabel: 'ms',
      xLog: true,
      yLog: true,
      series: [
        {
          name: 'a',
          points: [
            [10, 1],
            [100, 2],
            [1000, 4],
          ],
        },
        {
          name: 'b',
          points: [
            [10, 30],
            [100, 0],
            [1000, Number.NaN],
          ],
        },
      ],
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('attach &lt;cost&gt; &amp; more');
    expect(svg.match(/<path /g)).toHaveLength(1);
    expect(svg.match(/<circle /g)).toHaveLength(4);
    // Decades on the y axis from 1 to 100, and the x ticks 10, 100, 1k.
    for (const tick of ['>1<', '>10<', '>100<', '>1k<']) expect(svg).toContain(tick);
  });
});
