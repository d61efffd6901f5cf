// SPDX-License-Identifier: GPL-2.0-or-later
// The benchmarks' front door, behind `npm run bench` (bench/run.ts, from a
// source checkout; the package does not carry the benchmarks): attach, nft,
// publish, peers and scale, each reported as ratios to baselines measured in
// the same run. Runs inside a private network and mount namespace.
import { mkdir, rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { netnsCreate, netnsDelete } from '../lib/kernel/netns';
import { run } from '../test/helpers/run';
import { assertClean, type Sample, settle, type Way } from './attach/common';
import { floorWay } from './attach/floor-way';
import { ipBatchWay, ipNaiveWay } from './attach/ip-ways';
import { kernelWay } from './attach/kernel-way';
import { modelMacvlanWay, modelManyPlainWay, modelManyWay, modelPlainWay, modelWay } from './attach/model-ways';
import { summarize, table, targets, withRatios } from './attach/report';
import { cnmMap, LAYOUTS, type Layout, type LayoutSample, rulePerMapping } from './nft/layouts';
import {
  summarize as nftSummarize,
  table as nftTable,
  targets as nftTargets,
  withRatios as nftWithRatios,
} from './nft/report';
import { OVERLAY_USAGE, overlayBench } from './overlay/command';
import { PEER_SYSTEMS, PEERS_USAGE, peersBench } from './peers/command';
import { PUBLISH_PEERS_USAGE, publishPeersBench } from './peers/publish';
import {
  type PublishSummary,
  summarize as publishSummarize,
  table as publishTable,
  targets as publishTargets,
} from './publish/report';
import { type PublishSample, publishRun } from './publish/run';
import { SCALE_USAGE, scaleBench } from './scale';

const WAYS: Record<string, Way> = {
  floor: floorWay,
  kernel: kernelWay,
  cnm: modelWay,
  'cnm-many': modelManyWay,
  'cnm-plain': modelPlainWay,
  'cnm-many-plain': modelManyPlainWay,
  'cnm-macvlan': modelMacvlanWay,
  'ip-batch': ipBatchWay,
  'ip-naive': ipNaiveWay,
};

/** `--runs`: a positive integer. */
function runsOf(value: string): number {
  const runs = Number(value);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
  return runs;
}

/** A comma-separated list of names, each looked up in `known`. */
function chooseFrom<T>(known: Record<string, T>, list: string, what: string): T[] {
  return list.split(',').map((name) => {
    const item = known[name];
    if (!item) throw new Error(`unknown ${what} ${name}; known: ${Object.keys(known).join(', ')}`);
    return item;
  });
}

const USAGE = `usage: npm run bench -- attach [--n N] [--runs R] [--ways floor,kernel,cnm,cnm-many,cnm-plain,cnm-many-plain,cnm-macvlan,ip-batch,ip-naive] [--budget-ms MS] [--json]
       npm run bench -- nft [--n N] [--runs R] [--layouts cnm,rules,interval,process] [--json]
       npm run bench -- publish [--sizes 1,100,1000,10000] [--runs R] [--json]
  attach   N namespaces, a veth each on one bridge, address, default route, links up; then teardown.
           Nine ways in one run (the model with and without Docker's sandbox sysctls, and on a
           macvlan network), reported per endpoint and as ratios to the C floor.
  nft      N port mappings added and removed one transaction each, four layouts, first and last 100.
  publish  N ports published through the model one call each, first and last 100, rule count
           before and after, against the bare libnftnl element insert.
${PEERS_USAGE}
${SCALE_USAGE}
${OVERLAY_USAGE}
${PUBLISH_PEERS_USAGE}
  peers    N endpoints attached and detached on one bridge, namespaces made beforehand, by cnm,
           the C floor, iproute2, the CNI bridge plugin and netavark (installed by apt when
           missing); a table, JSON and an SVG plot in --out.
  peers-publish  one container with 1 to 10,000 ports, as mappings and as one range, cnm and netavark.
  scale    sandboxes attached in steps up to --max, 1,023 per bridge network, beside the floor;
           a table, JSON and an SVG plot in --out.`;

function usage(): never {
  console.error(USAGE);
  process.exit(2);
}

async function attach(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      n: { type: 'string', default: '1000' },
      runs: { type: 'string', default: '3' },
      ways: {
        type: 'string',
        default: 'floor,kernel,cnm,cnm-many,cnm-plain,cnm-many-plain,cnm-macvlan,ip-batch,ip-naive',
      },
      'budget-ms': { type: 'string', default: '30000' },
      json: { type: 'boolean', default: false },
    },
  });
  const n = Number(values.n);
  const runs = runsOf(values.runs);
  const budgetMs = Number(values['budget-ms']);
  if (!Number.isInteger(n) || n < 1 || n > 1023) throw new Error('--n must be 1..1023 (a bridge holds 1,023 ports)');
  const chosen = chooseFrom(WAYS, values.ways, 'way');
  const samples = new Map<Way, Sample[]>(chosen.map((w) => [w, []]));
  for (let r = 0; r < runs; r++) {
    for (const way of chosen) {
      const dir = `/run/cnm/bench-${r}-${way.name.replace(/\W+/g, '')}`;
      await mkdir(dir, { recursive: true });
      if (!values.json) process.stderr.write(`run ${r + 1}/${runs}: ${way.name} ...`);
      const sample = await way.run(n, dir, budgetMs);
      if (!values.json) process.stderr.write(` ${sample.reached} endpoints\n`);
      await assertClean(dir, way.name);
      await run('umount', [dir]).catch(() => {}); // the shared bind mount netnsCreate made
      await rm(dir, { recursive: true, force: true });
      samples.get(way)?.push(sample);
      await settle();
    }
  }
  const rows = withRatios(
    chosen.map((w) => summarize(w.name, w.describe, samples.get(w) ?? [])),
    floorWay.name,
  );
  const checks = targets(rows, kernelWay.name, modelWay.name, modelManyWay.name);
  if (values.json) {
    console.log(JSON.stringify({ bench: 'attach', n, runs, rows, targets: checks }, null, 2));
  } else {
    console.log(table(n, rows, checks));
  }
}

async function nftBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      n: { type: 'string', default: '10000' },
      runs: { type: 'string', default: '3' },
      layouts: { type: 'string', default: 'cnm,rules,interval,process' },
      json: { type: 'boolean', default: false },
    },
  });
  const n = Number(values.n);
  const runs = runsOf(values.runs);
  if (!Number.isInteger(n) || n < 100) throw new Error('--n must be an integer of at least 100');
  const chosen = chooseFrom(LAYOUTS, values.layouts, 'layout');
  const samples = new Map<Layout, LayoutSample[]>(chosen.map((l) => [l, []]));
  for (let r = 0; r < runs; r++) {
    for (const layout of chosen) {
      if (!values.json) process.stderr.write(`run ${r + 1}/${runs}: ${layout.name} ...`);
      // A fresh namespace each time: nothing of one layout slows another.
      const ns = await netnsCreate(`nft-bench-${r}`, { dir: '/run/cnm/bench-nft' });
      try {
        samples.get(layout)?.push(await layout.run(ns, n));
      } finally {
        await netnsDelete(ns);
      }
      if (!values.json) process.stderr.write(' done\n');
    }
  }
  await run('umount', ['/run/cnm/bench-nft']).catch(() => {});
  await rm('/run/cnm/bench-nft', { recursive: true, force: true });
  const rows = nftWithRatios(
    chosen.map((l) => nftSummarize(l.name, l.describe, n, samples.get(l) ?? [])),
    cnmMap.name,
  );
  const checks = nftTargets(rows, cnmMap.name, rulePerMapping.name);
  if (values.json) console.log(JSON.stringify({ bench: 'nft', n, runs, rows, targets: checks }, null, 2));
  else console.log(nftTable(rows, runs, checks));
}

async function publishBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: 'string', default: '1,100,1000,10000' },
      runs: { type: 'string', default: '3' },
      json: { type: 'boolean', default: false },
    },
  });
  const sizes = values.sizes.split(',').map(Number);
  const runs = runsOf(values.runs);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 30_000))
    throw new Error('--sizes must be integers 1..30000 (host ports from 20000)');
  const rows: PublishSummary[] = [];
  for (const n of sizes) {
    const samples: PublishSample[] = [];
    for (let r = 0; r < runs; r++) {
      if (!values.json) process.stderr.write(`N=${n} run ${r + 1}/${runs} ...`);
      const dir = `/run/cnm/bench-publish-${n}-${r}`;
      await mkdir(dir, { recursive: true });
      samples.push(await publishRun(n, dir));
      await assertClean(dir, 'publish');
      await run('umount', [dir]).catch(() => {});
      await rm(dir, { recursive: true, force: true });
      if (!values.json) process.stderr.write(' done\n');
    }
    rows.push(publishSummarize(n, samples));
  }
  const checks = publishTargets(rows);
  if (values.json) console.log(JSON.stringify({ bench: 'publish', runs, rows, targets: checks }, null, 2));
  else console.log(publishTable(rows, runs, checks));
}

/**
 * Runs one benchmark by name (`attach` when none is given), as
 * `npm run bench -- ARGS` does. Expects to run inside a private network and
 * mount namespace.
 *
 * @example
 * ```ts
 * await runBench(['attach', '--n', '100', '--runs', '1'])
 * ```
 */
export async function runBench(argv: readonly string[]): Promise<void> {
  if (argv.includes('-h') || argv.includes('--help')) {
    console.log(USAGE);
    return;
  }
  const [command = 'attach', ...rest] = argv;
  if (command === 'attach') await attach(rest);
  else if (command === 'nft') await nftBench(rest);
  else if (command === 'publish') await publishBench(rest);
  else if (command === 'scale') await scaleBench(rest);
  else if (command === 'overlay') await overlayBench(rest);
  else if (command === 'peers-publish') await publishPeersBench(rest, runsOf);
  else if (command === 'peers') await peersBench(rest, (list) => chooseFrom(PEER_SYSTEMS, list, 'system'), runsOf);
  else usage();
}
