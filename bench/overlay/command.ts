// SPDX-License-Identifier: GPL-2.0-or-later
// `npm run bench -- overlay`: on K simulated hosts (default 10; one private
// etcd, a `cnm agent` process each):
//   attach       N sandboxes connected on host 1 to an overlay network and,
//                in the same run, to a bridge network: ms per endpoint and
//                the ratio (an overlay sandbox also gets its way out, a
//                second interface on docker_gwbridge);
//   convergence  J joins on host 1, each timed from the connect until the
//                first reply from a sandbox on host 2 (whose agent must have
//                programmed the new endpoint for the reply to find its way
//                back): median and p99;
//   fan-out      while those J joins ran, the CPU each other host's agent
//                process used, less what it uses idle for as long: per join.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { ask, greeter } from '../../lib/cli/demo/probe';
import type { Sandbox } from '../../lib/cnm/sandbox';
import { sysctlWrite } from '../../lib/kernel/sysctl';
import { fmt, median, percentile, textTable } from '../stats';
import { type SimCluster, type SimHost, simulatedCluster } from './hosts';

export const OVERLAY_USAGE = `       npm run bench -- overlay [--hosts 10] [--n 100] [--joins 100] [--json]
  overlay  K simulated hosts (one private etcd, a cnm agent process each): attach on an overlay
           network against a bridge network in the same run; convergence from a connect on host 1
           to the first reply from host 2 (median, p99); each other agent's CPU per join.`;

const PORT = 80;

interface AttachRow {
  readonly way: string;
  readonly attachMs: number;
  readonly teardownMs: number;
}

async function attachWay(h: SimHost, network: string, n: number, tag: string): Promise<AttachRow> {
  const sandboxes: Sandbox[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const sb = await h.ctl.createSandbox({ name: `${tag}-${i}` });
    sandboxes.push(sb);
    await h.ctl.network(network).connect(sb);
  }
  const attachMs = (performance.now() - t0) / n;
  const t1 = performance.now();
  await h.ctl.deleteSandboxes(sandboxes);
  return { way: `${network} (createSandbox + connect)`, attachMs, teardownMs: (performance.now() - t1) / n };
}

export async function overlayBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      hosts: { type: 'string', default: '10' },
      n: { type: 'string', default: '100' },
      joins: { type: 'string', default: '100' },
      json: { type: 'boolean', default: false },
    },
  });
  const k = Number(values.hosts);
  const n = Number(values.n);
  const joins = Number(values.joins);
  if (!Number.isInteger(k) || k < 2 || k > 50) throw new Error('--hosts must be 2..50');
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new Error('--n must be 1..1000');
  if (!Number.isInteger(joins) || joins < 1 || joins > 1000) throw new Error('--joins must be 1..1000');
  const say = (s: string) => {
    if (!values.json) process.stderr.write(s);
  };
  say(`starting etcd and ${k} simulated hosts ...`);
  const cluster: SimCluster = await simulatedCluster(k);
  say(' done\n');
  try {
    const [h1, h2, ...others] = cluster.hosts as [SimHost, SimHost, ...SimHost[]];
    await h1.ctl.createNetwork({ name: 'ov', driver: 'overlay', ipam: { config: [{ subnet: '10.200.0.0/16' }] } });
    await h1.ctl.createNetwork({ name: 'br', ipam: { config: [{ subnet: '10.201.0.0/16' }] } });

    say(`attach: ${n} sandboxes on the bridge network, then on the overlay network ...`);
    const attach = [await attachWay(h1, 'br', n, 'b'), await attachWay(h1, 'ov', n, 'o')];
    say(' done\n');

    // Every other host has a sandbox on the network: its agent programs each new peer.
    const peers: Sandbox[] = [];
    for (const h of [h2, ...others]) {
      const sb = await h.ctl.createSandbox({ name: `peer-${h.n}` });
      peers.push(sb);
      await h.ctl.network('ov').connect(sb);
    }
    const target = peers[0] as Sandbox;
    // Host 2's sandbox answers: it retries ARP every 10 ms on its overlay interface (not the
    // kernel's 1 s), so the time measured is the agent's, not the neighbour timer's.
    await sysctlWrite(await h2.ctl.sandboxNamespace(target.id), 'net.ipv4.neigh.eth0.retrans_time_ms', 10);
    const targetIp = (h2.ctl.network('ov').endpoints()[0]?.info().ipv4Address ?? '').split('/')[0] as string;
    const server = await greeter(await h2.ctl.sandboxNamespace(target.id), targetIp, PORT, 'pong');

    // The agents' CPU while idle for as long as the joins will take (their lease keepalives).
    const watched = [h2, ...others];
    const cpu = () => watched.map((h) => h.agentCpuMs());
    say(`convergence: ${joins} joins on host 1, each until host 2 answers ...`);
    const before = cpu();
    const t0 = performance.now();
    const connectMs: number[] = [];
    const replyMs: number[] = [];
    let unanswered = 0;
    const joined: Sandbox[] = [];
    for (let i = 0; i < joins; i++) {
      const sb = await h1.ctl.createSandbox({ name: `j-${i}` });
      joined.push(sb);
      const ns = await h1.ctl.sandboxNamespace(sb.id);
      const start = performance.now();
      await h1.ctl.network('ov').connect(sb);
      connectMs.push(performance.now() - start);
      let answered = false;
      // Bounded: 5 s per join at most.
      while (!answered && performance.now() - start < 5_000) answered = (await ask(ns, targetIp, PORT, 10)).ok;
      if (answered) replyMs.push(performance.now() - start);
      else unanswered++;
    }
    const busyWallMs = performance.now() - t0;
    // Let the agents finish what the last joins brought.
    await new Promise((r) => setTimeout(r, 1_000));
    const during = cpu().map((c, i) => c - (before[i] as number));
    say(' done\n');
    say(`idle baseline: ${fmt((busyWallMs + 1_000) / 1000)} s with nothing happening ...`);
    const idle0 = cpu();
    await new Promise((r) => setTimeout(r, busyWallMs + 1_000));
    const idle = cpu().map((c, i) => c - (idle0[i] as number));
    say(' done\n');
    const perJoin = during.map((d, i) => Math.max(0, d - (idle[i] as number)) / joins);

    await new Promise((r) => server.close(r));
    await h1.ctl.deleteSandboxes(joined);
    for (const [i, h] of [h2, ...others].entries()) await h.ctl.deleteSandboxes([peers[i] as Sandbox]);
    for (const h of cluster.hosts) {
      const gw = h.ctl.networks().find((x) => x.info().name === 'docker_gwbridge');
      await gw?.delete();
    }
    await h1.ctl.network('br').delete();
    await h1.ctl.network('ov').delete();

    const result = {
      bench: 'overlay',
      hosts: k,
      n,
      joins,
      attach: attach.map((r) => ({ ...r })),
      overlayToBridge: (attach[1] as AttachRow).attachMs / (attach[0] as AttachRow).attachMs,
      convergence: {
        connectMs: { median: median(connectMs), p99: percentile(connectMs, 99) },
        firstReplyMs: { median: median(replyMs), p99: percentile(replyMs, 99) },
        unanswered,
      },
      agentCpuMsPerJoin: { median: median(perJoin), max: Math.max(...perJoin), agents: perJoin.length },
    };
    if (values.json) {
      console.log(JSON.stringify(result, null, 2));
      return;
    }
    const lines = [
      `overlay: ${k} simulated hosts, one etcd, a cnm agent process each (ms, this run)`,
      '',
      ...textTable(
        ['WAY', 'ATTACH/EP', 'TEARDOWN/EP'],
        attach.map((r) => [r.way, fmt(r.attachMs), fmt(r.teardownMs)]),
      ),
      '',
      `overlay attach / bridge attach: ${fmt(result.overlayToBridge)}x`,
      '',
      ...textTable(
        [`CONVERGENCE (${joins} joins)`, 'MEDIAN', 'P99'],
        [
          ['connect on host 1', fmt(result.convergence.connectMs.median), fmt(result.convergence.connectMs.p99)],
          [
            'connect → first reply from host 2',
            fmt(result.convergence.firstReplyMs.median),
            fmt(result.convergence.firstReplyMs.p99),
          ],
        ],
      ),
      ...(unanswered > 0 ? [`${unanswered} join(s) got no reply within 5 s`] : []),
      '',
      `each other host's agent per join (CPU, less idle): median ${fmt(result.agentCpuMsPerJoin.median)} ms, max ${fmt(result.agentCpuMsPerJoin.max)} ms over ${perJoin.length} agents`,
    ];
    console.log(lines.join('\n'));
  } finally {
    await cluster.close();
  }
}
