// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The demo's numbers: N sandboxes attached to one bridge network and torn
 * down through the model, beside `ip -batch` doing the same kernel work in
 * the same run (./ip-batch.ts, also a baseline of the attach benchmark).
 */
import { performance } from 'node:perf_hooks';
import type { NetworkController } from '../../cnm/controller';
import type { Sandbox } from '../../cnm/sandbox';
import { ipBatchAttach } from './ip-batch';

/** Milliseconds per endpoint. */
export interface PerEndpoint {
  readonly attachMs: number;
  readonly teardownMs: number;
}

export interface ScaleResult {
  readonly n: number;
  readonly cnm: PerEndpoint;
  readonly ipBatch: PerEndpoint;
}

const BLOCK = 50;

/**
 * Attaches `n` sandboxes with `connectMany` (blocks of 50), deletes them
 * together, then has `ip -batch` do the same; `tick` is called per block.
 *
 * @example
 * ```ts
 * const r = await measureScale(ctl, 200)
 * console.log(r.ipBatch.attachMs / r.cnm.attachMs) // how many times faster cnm attached
 * ```
 */
export async function measureScale(
  ctl: NetworkController,
  n: number,
  tick: (done: number) => void = () => {},
): Promise<ScaleResult> {
  const net = await ctl.createNetwork({ name: 'many' });
  const sandboxes: Sandbox[] = [];
  try {
    const t0 = performance.now();
    for (let from = 0; from < n; from += BLOCK) {
      const count = Math.min(BLOCK, n - from);
      const results = await net.connectMany(Array.from({ length: count }, (_, k) => ({ sandboxName: `s${from + k}` })));
      for (const r of results) if (r.ok) sandboxes.push(r.sandbox);
      const failed = results.find((r) => !r.ok);
      if (failed && !failed.ok) throw failed.error;
      tick(count);
    }
    const attachMs = (performance.now() - t0) / n;
    const t1 = performance.now();
    await ctl.deleteSandboxes(sandboxes.splice(0));
    const teardownMs = (performance.now() - t1) / n;
    const ip = await ipBatchAttach(n, 120_000);
    if (ip.reached < n) throw new Error(`ip -batch attached ${ip.reached} of ${n} within its time budget`);
    const ipAttach = ip.attachMs.reduce((a, b) => a + b, 0) / ip.reached;
    return { n, cnm: { attachMs, teardownMs }, ipBatch: { attachMs: ipAttach, teardownMs: ip.teardownMs / n } };
  } finally {
    if (sandboxes.length > 0) await ctl.deleteSandboxes(sandboxes);
    await net.delete();
  }
}
