// SPDX-License-Identifier: GPL-2.0-or-later
// `npm run bench -- peers-publish`: one container published with 1, 100,
// 1,000 and 10,000 ports, as that many separate mappings and as one range,
// by cnm (`net.connect` with the port bindings), netavark (`setup` with the
// port mappings) and Docker (`docker run -p`), then taken down. A call that
// runs out of the budget is killed and its row says so.
import { mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { NetworkController } from '../../lib/cnm/controller';
import type { PortBinding } from '../../lib/cnm/types';
import { lineChart } from '../plot';
import { fmt, median, textTable } from '../stats';
import { dockerUnavailable, startDocker } from './docker';
import { execJson } from './exec-json';
import { NETAVARK, type NetavarkPort, netavarkOptions, netavarkSystem } from './netavark';
import { makeNamespaces, removeTree, wipe } from './run';
import { GATEWAY, SUBNET } from './system';

export const PUBLISH_PEERS_USAGE =
  '       npm run bench -- peers-publish [--sizes 1,100,1000,10000] [--runs R] [--budget-ms MS] [--docker-max N] [--out DIR] [--json]';

const FIRST = 20_000;
const TMP = '/run/cnm/peers-publish';

interface Way {
  readonly name: string;
  /** Publishes `n` ports on a fresh container in `netns`; resolves with [setup ms, teardown ms]. */
  run(n: number, netns: string, anchor: string, budgetMs: number): Promise<[number, number]>;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

function cnmWay(name: string, bindings: (n: number) => PortBinding[]): Way {
  return {
    name,
    async run(n, netns) {
      const ctl = await NetworkController.open({ stateDir: `${TMP}/state`, netnsDir: `${TMP}/netns` });
      try {
        const net = await ctl.createNetwork({
          name: 'bench',
          ipam: { config: [{ subnet: SUBNET, gateway: GATEWAY }] },
        });
        const sb = await ctl.createSandbox({ name: 'c0', netnsPath: netns });
        const setup = await timed(() => net.connect(sb, { portBindings: bindings(n) }));
        const teardown = await timed(() => net.disconnect(sb));
        await sb.delete();
        await net.delete();
        return [setup, teardown];
      } finally {
        await ctl.close();
      }
    },
  };
}

function netavarkWay(name: string, mappings: (n: number) => NetavarkPort[]): Way {
  return {
    name,
    async run(n, netns, anchor, budgetMs) {
      const call = (verb: 'setup' | 'teardown', i: number, path: string, ports: NetavarkPort[]) =>
        execJson(NETAVARK, ['--config', `${TMP}/netavark`, verb, path], netavarkOptions(i, ports), {}, budgetMs);
      // As in the peer rows: the first container makes the bridge and the chains, untimed.
      await call('setup', -1, anchor, []);
      const ports = mappings(n);
      const setup = await timed(() => call('setup', 0, netns, ports));
      const teardown = await timed(() => call('teardown', 0, netns, ports));
      return [setup, teardown];
    },
  };
}

// Docker publishes as it starts a container: the timed step is `docker run -p …` (a container start of
// about 190 ms included, see the 1-port row), and removal is `docker rm -f`.
function dockerWay(name: string, flags: (n: number) => string[]): Way {
  return {
    name,
    async run(n, _netns, _anchor, budgetMs) {
      const d = await startDocker();
      try {
        const run = ['run', '-d', '--name', 'c0', '--network', 'benchnet', ...flags(n), 'cnm-bench-bb:latest'];
        const setup = await timed(() => d.call([...run, '/bin/sleep', '86400'], budgetMs));
        const teardown = await timed(() => d.call(['rm', '-f', 'c0'], budgetMs));
        return [setup, teardown];
      } finally {
        await d.stop(['c0']);
      }
    },
  };
}

const span = (n: number) => (n > 1 ? { hostPortEnd: FIRST + n - 1, containerPortEnd: FIRST + n - 1 } : {});

export const PUBLISH_WAYS: readonly Way[] = [
  cnmWay('cnm, a mapping per port', (n) =>
    Array.from({ length: n }, (_, k) => ({ proto: 'tcp', hostPort: FIRST + k, containerPort: FIRST + k })),
  ),
  cnmWay('cnm, one range', (n) => [{ proto: 'tcp', hostPort: FIRST, containerPort: FIRST, ...span(n) }]),
  netavarkWay('netavark, a mapping per port', (n) =>
    Array.from({ length: n }, (_, k) => ({
      host_ip: '',
      host_port: FIRST + k,
      container_port: FIRST + k,
      range: 1,
      protocol: 'tcp',
    })),
  ),
  netavarkWay('netavark, one range', (n) => [
    { host_ip: '', host_port: FIRST, container_port: FIRST, range: n, protocol: 'tcp' },
  ]),
  dockerWay('Docker, a mapping per port', (n) =>
    Array.from({ length: n }, (_, k) => ['-p', `${FIRST + k}:${FIRST + k}`]).flat(),
  ),
  dockerWay('Docker, one range', (n) => [
    '-p',
    n > 1 ? `${FIRST}-${FIRST + n - 1}:${FIRST}-${FIRST + n - 1}` : `${FIRST}:${FIRST}`,
  ]),
];

interface Result {
  readonly way: string;
  readonly n: number;
  readonly setupMs: number[];
  readonly teardownMs: number[];
  readonly skipped?: string;
}

export async function publishPeersBench(argv: string[], runsOf: (v: string) => number): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: 'string', default: '1,100,1000,10000' },
      runs: { type: 'string', default: '3' },
      'budget-ms': { type: 'string', default: '120000' },
      // Docker starts a proxy process per published port: 10,000 would take many minutes.
      'docker-max': { type: 'string', default: '1000' },
      'no-install': { type: 'boolean', default: false },
      out: { type: 'string', default: 'bench/results' },
      json: { type: 'boolean', default: false },
    },
  });
  const sizes = values.sizes.split(',').map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 10_000)) throw new Error('--sizes: integers 1..10000');
  const runs = runsOf(values.runs);
  const budgetMs = Number(values['budget-ms']);
  const log = (line: string) => {
    if (!values.json) process.stderr.write(`${line}\n`);
  };
  const netavarkMissing = await netavarkSystem(0).unavailable?.();
  const dockerMissing = await dockerUnavailable();
  const dockerMax = Number(values['docker-max']);
  const results: Result[] = [];
  for (const n of sizes) {
    for (const way of PUBLISH_WAYS) {
      const result: Result = { way: way.name, n, setupMs: [], teardownMs: [] };
      results.push(result);
      const missing = way.name.startsWith('netavark')
        ? netavarkMissing
        : way.name.startsWith('Docker')
          ? dockerMissing
          : undefined;
      if (missing) {
        Object.assign(result, { skipped: `unavailable: ${missing}` });
        continue;
      }
      if (way.name.startsWith('Docker') && n > dockerMax) {
        Object.assign(result, { skipped: `not run: more than --docker-max ${dockerMax} ports` });
        continue;
      }
      for (let r = 0; r < runs && !result.skipped; r++) {
        log(`${n} ports, run ${r + 1}/${runs}: ${way.name} ...`);
        const ns = await makeNamespaces(1);
        await mkdir(TMP, { recursive: true });
        try {
          const [setup, teardown] = await way.run(n, ns.paths[0] as string, ns.anchor, budgetMs);
          result.setupMs.push(setup);
          result.teardownMs.push(teardown);
        } catch (error) {
          const message = (error as Error).message.split('\n')[0] ?? '';
          const killed = (error as { killed?: boolean }).killed === true || message.includes('exit null');
          Object.assign(result, { skipped: killed ? 'budget' : `error: ${message}` });
        } finally {
          await removeTree(TMP);
          await wipe();
        }
      }
    }
  }
  const date = new Date().toISOString().slice(0, 10);
  const base = join(values.out, `${date}-${hostname()}-publish`);
  await mkdir(values.out, { recursive: true });
  await writeFile(
    `${base}.json`,
    `${JSON.stringify({ bench: 'peers-publish', sizes, runs, budgetMs, results }, null, 2)}\n`,
  );
  await writeFile(
    `${base}.svg`,
    lineChart({
      title: 'Publishing N ports on one container, against N',
      subtitle: `medians of ${runs} runs; cnm: net.connect; netavark: setup; Docker: docker run -p (a container start included)`,
      xLabel: 'ports',
      yLabel: 'ms to set the container up',
      xLog: true,
      yLog: true,
      series: PUBLISH_WAYS.map((w) => ({
        name: w.name,
        points: results
          .filter((r) => r.way === w.name && r.setupMs.length)
          .map((r) => [r.n, median(r.setupMs)] as const),
      })),
    }),
  );
  if (values.json) {
    console.log(JSON.stringify({ bench: 'peers-publish', sizes, runs, results }, null, 2));
    return;
  }
  const rows = results.map((r) => [
    r.way,
    String(r.n),
    r.setupMs.length ? fmt(median(r.setupMs)) : '—',
    r.setupMs.length ? fmt((median(r.setupMs) * 1000) / r.n) : '—',
    r.teardownMs.length ? fmt(median(r.teardownMs)) : '—',
    r.skipped ?? '',
  ]);
  console.log(
    [
      `publishing N ports on one container (medians of ${runs} runs)`,
      '',
      ...textTable(['way', 'ports', 'setup ms', 'µs/port', 'teardown ms', ''], rows),
      '',
      `written: ${base}.json, ${base}.svg`,
    ].join('\n'),
  );
}
