// SPDX-License-Identifier: GPL-2.0-or-later
// `npm run bench -- peers`: cnm against the systems people would use
// instead, side by side in one run, with a table, JSON and SVG plots.
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, hostname, release } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { lineChart } from '../plot';
import { cniSystem } from './cni';
import { cnmConnectSystem, cnmManySystem, floorSystem } from './cnm-systems';
import { dockerSystem } from './docker';
import { ipBatchSystem, ipNaiveSystem } from './ip-systems';
import { netavarkSystem } from './netavark';
import { type PeerSummary, summarize, table, targetLines, targets } from './report';
import { runPeers } from './run';
import type { PeerSystem, SelfTimedSystem } from './system';

export const PEER_SYSTEMS: Record<string, PeerSystem | SelfTimedSystem> = {
  floor: floorSystem,
  cnm: cnmConnectSystem,
  'cnm-many': cnmManySystem,
  'ip-batch': ipBatchSystem,
  'ip-naive': ipNaiveSystem,
  cni: cniSystem,
  netavark: netavarkSystem(0),
  'netavark-ports': netavarkSystem(10),
  docker: dockerSystem,
};

export const PEERS_USAGE = `       npm run bench -- peers [--sizes 10,100,1000] [--runs R] [--systems ${Object.keys(PEER_SYSTEMS).join(',')}]
                              [--budget-ms MS] [--no-install] [--out DIR] [--json]`;

/** The machine the numbers come from, recorded with them. */
function machine() {
  return {
    host: hostname(),
    cpus: cpus().length,
    cpu: cpus()[0]?.model ?? '?',
    kernel: release(),
    node: process.version,
  };
}

export async function peersBench(
  argv: string[],
  choose: (list: string) => (PeerSystem | SelfTimedSystem)[],
  runsOf: (v: string) => number,
): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: 'string', default: '10,100,1000' },
      runs: { type: 'string', default: '3' },
      systems: { type: 'string', default: Object.keys(PEER_SYSTEMS).join(',') },
      'budget-ms': { type: 'string', default: '60000' },
      // Read by scripts/bench.sh, which installs before entering the private namespace.
      'no-install': { type: 'boolean', default: false },
      out: { type: 'string', default: 'bench/results' },
      json: { type: 'boolean', default: false },
    },
  });
  const sizes = values.sizes.split(',').map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 1023)) {
    throw new Error('--sizes: integers from 1 to 1023 (a Linux bridge holds 1,023 ports)');
  }
  const runs = runsOf(values.runs);
  const budgetMs = Number(values['budget-ms']);
  const log = (line: string) => {
    if (!values.json) process.stderr.write(`${line}\n`);
  };
  const samples = await runPeers({ sizes, runs, budgetMs, systems: choose(values.systems), log });
  const summaries = summarize(samples);
  const checks = targets(samples, summaries);
  const date = new Date().toISOString().slice(0, 10);
  const base = join(values.out, `${date}-${hostname()}`);
  await mkdir(values.out, { recursive: true });
  const result = {
    bench: 'peers',
    date,
    machine: machine(),
    sizes,
    runs,
    budgetMs,
    summaries,
    targets: checks,
    samples,
  };
  await writeFile(`${base}.json`, resultJson(result));
  await writeFile(`${base}-attach.svg`, attachChart(summaries, runs));
  if (values.json) {
    console.log(JSON.stringify({ ...result, samples: undefined }, null, 2));
    return;
  }
  console.log([...table(summaries, runs), '', ...targetLines(checks)].join('\n'));
  console.log(`\nwritten: ${base}.json, ${base}-attach.svg`);
}

// Microseconds are enough; each sample's arrays on one line keep the file readable and small.
function resultJson(result: { samples: readonly unknown[] } & Record<string, unknown>): string {
  const round = (_key: string, v: unknown) => (typeof v === 'number' ? Math.round(v * 1000) / 1000 : v);
  const head = JSON.stringify({ ...result, samples: [] }, round, 2).replace(/"samples": \[\]\n}$/, '"samples": [');
  const rows = result.samples.map((s) => `    ${JSON.stringify(s, round)}`).join(',\n');
  return `${head}\n${rows}\n  ]\n}\n`;
}

function attachChart(summaries: readonly PeerSummary[], runs: number): string {
  const m = machine();
  const systems = [...new Set(summaries.map((s) => s.system))];
  return lineChart({
    title: 'Attach cost per endpoint against N (one bridge network, namespaces made beforehand)',
    subtitle: `${m.cpus} × ${m.cpu}, Linux ${m.kernel}, Node ${m.node}; medians of ${runs} runs`,
    xLabel: 'endpoints on the bridge (N)',
    yLabel: 'ms per endpoint',
    xLog: true,
    yLog: true,
    series: systems.map((name) => ({
      name,
      points: summaries.filter((s) => s.system === name && s.runs > 0).map((s) => [s.n, s.attachMs] as const),
    })),
  });
}
