// SPDX-License-Identifier: GPL-2.0-or-later
// `npm run bench -- scale --max 5000`: sandboxes attached through the model
// in steps, up to 1,023 per bridge network (a Linux bridge's limit; the
// model refuses the next with CNM_BRIDGE_FULL), then on further networks,
// all kept until the end; the cost of each step beside the C floor's on
// one bridge, so the kernel's own growth shows.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { progress } from '../lib/cli/output';
import { NetworkController } from '../lib/cnm/controller';
import type { Network } from '../lib/cnm/network';
import type { Sandbox } from '../lib/cnm/sandbox';
import { BRIDGE_PORT_LIMIT } from '../lib/drivers/bridge/bridge-driver';
import { CnmError } from '../lib/errors';
import { settle } from './attach/common';
import { floorWay } from './attach/floor-way';
import { lineChart } from './plot';
import { fmt, mean, textTable } from './stats';

export const SCALE_USAGE = '       npm run bench -- scale [--max 5000] [--step 100] [--out DIR] [--json]';

interface Step {
  /** Sandboxes attached after this step, on every network. */
  readonly total: number;
  readonly network: number;
  readonly msPerEndpoint: number;
}

export async function scaleBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      max: { type: 'string', default: '5000' },
      step: { type: 'string', default: '100' },
      out: { type: 'string', default: 'bench/results' },
      json: { type: 'boolean', default: false },
    },
  });
  const max = Number(values.max);
  const step = Number(values.step);
  if (!Number.isInteger(max) || max < 1 || max > 20_000) throw new Error('--max: an integer from 1 to 20000');
  if (!Number.isInteger(step) || step < 1 || step > 1000) throw new Error('--step: an integer from 1 to 1000');
  const log = (line: string) => {
    if (!values.json) process.stderr.write(`${line}\n`);
  };

  // The floor on one bridge, the same step size: its own growth with the bridge's size.
  log('floor (C), one bridge of 1,023 ...');
  await mkdir('/run/cnm/scale-floor', { recursive: true });
  const floor = await floorWay.run(Math.min(BRIDGE_PORT_LIMIT, max), '/run/cnm/scale-floor', 600_000);
  await rm('/run/cnm/scale-floor', { recursive: true, force: true });
  const floorSteps: Step[] = [];
  for (let from = 0; from < floor.attachMs.length; from += step) {
    const to = Math.min(floor.attachMs.length, from + step);
    floorSteps.push({ total: to, network: 0, msPerEndpoint: mean(floor.attachMs.slice(from, to)) });
  }
  await settle();

  const stateDir = '/run/cnm/scale-state';
  const ctl = await NetworkController.open({ stateDir, netnsDir: '/run/cnm/scale-netns' });
  const networks: Network[] = [];
  const sandboxes: Sandbox[] = [];
  const steps: Step[] = [];
  let refusal = '';
  const bar = progress('attaching', max);
  try {
    let onNetwork = BRIDGE_PORT_LIMIT;
    while (sandboxes.length < max) {
      if (onNetwork === BRIDGE_PORT_LIMIT) {
        const full = networks.at(-1);
        // The model's own limit, checked before any kernel call, once.
        if (full && !refusal) {
          const extra = await ctl.createSandbox({ name: 'one-too-many' });
          const error = await full.connect(extra).catch((e: unknown) => e);
          await extra.delete();
          refusal = error instanceof CnmError ? error.code : `not refused: ${String(error)}`;
        }
        networks.push(await ctl.createNetwork({ name: `scale${networks.length}` }));
        onNetwork = 0;
      }
      const take = Math.min(step, max - sandboxes.length, BRIDGE_PORT_LIMIT - onNetwork);
      const net = networks.at(-1) as Network;
      const t0 = performance.now();
      const results = await net.connectMany(Array.from({ length: take }, () => ({})));
      const ms = performance.now() - t0;
      for (const r of results) if (r.ok) sandboxes.push(r.sandbox);
      const failed = results.find((r) => !r.ok);
      if (failed && !failed.ok) throw failed.error;
      onNetwork += take;
      steps.push({ total: sandboxes.length, network: networks.length - 1, msPerEndpoint: ms / take });
      bar.tick(take);
    }
  } finally {
    bar.done();
    // Everything goes even if a step failed; a failure here must not hide the first one.
    try {
      const t0 = performance.now();
      await ctl.deleteSandboxes(ctl.sandboxes());
      log(`teardown: ${fmt((performance.now() - t0) / Math.max(1, sandboxes.length))} ms per sandbox`);
      for (const n of networks) await n.delete();
    } catch (error) {
      log(`teardown failed: ${(error as Error).message}`);
    }
    await ctl.close();
    await rm(stateDir, { recursive: true, force: true });
  }

  const date = new Date().toISOString().slice(0, 10);
  const base = join(values.out, `${date}-${hostname()}-scale`);
  await mkdir(values.out, { recursive: true });
  const result = { bench: 'scale', max, step, refusal, floor: floorSteps, cnm: steps };
  await writeFile(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(
    `${base}.svg`,
    lineChart({
      title: `Attach cost per step of ${step}, up to ${max} sandboxes (a new bridge network every 1,023)`,
      subtitle: 'cnm: net.connectMany, every sandbox kept; floor: bench/floor on one bridge',
      xLabel: 'sandboxes attached',
      yLabel: 'ms per endpoint in the step',
      series: [
        { name: 'cnm (connectMany)', points: steps.map((s) => [s.total, s.msPerEndpoint] as const) },
        { name: 'floor (C), one bridge', points: floorSteps.map((s) => [s.total, s.msPerEndpoint] as const) },
      ],
    }),
  );
  if (values.json) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  const rows = steps.map((s, i) => [
    String(s.total),
    String(s.network),
    fmt(s.msPerEndpoint),
    floorSteps[i] ? fmt((floorSteps[i] as Step).msPerEndpoint) : '—',
  ]);
  console.log(
    [
      `scale: ${max} sandboxes in steps of ${step} (ms per endpoint in each step)`,
      '',
      ...textTable(['attached', 'network', 'cnm', 'floor (one bridge)'], rows),
      '',
      `the 1,024th sandbox on one network: ${refusal || 'not reached'}`,
      `written: ${base}.json, ${base}.svg`,
    ].join('\n'),
  );
}
