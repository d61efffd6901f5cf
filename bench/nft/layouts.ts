// SPDX-License-Identifier: GPL-2.0-or-later
// Four ways to hold N port mappings, each added and removed one transaction
// at a time, all through libnftnl in this process except the last:
// cnm's hash map, one rule per mapping (Docker's and netavark's layout), an
// interval concatenated map (the kernel's pipapo set), and `nft add element`
// run as a process.
import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { ensureRulesetOps, TABLE } from '../../lib/firewall/nftables/ruleset';
import type { Netns } from '../../lib/kernel/binding';
import { nft } from '../../lib/kernel/nft';
import type { NftOp } from '../../lib/kernel/nft-ops';

const execFileP = promisify(execFile);

/** One layout's run: microseconds per transaction, in order. */
export interface LayoutSample {
  readonly addUs: number[];
  readonly delUs: number[];
  /** How many mappings were added per timed transaction before the timed ones (filled untimed). */
  readonly prefilled?: number;
}

export interface Layout {
  readonly name: string;
  readonly describe: string;
  run(ns: Netns, n: number): Promise<LayoutSample>;
}

const port = (i: number) => 10_000 + i;
const target = (i: number): [string, number] => [`172.18.${(i >> 8) & 255}.${i & 255}`, 80];

async function timed(ops: () => NftOp[], ns: Netns): Promise<number> {
  const batch = ops();
  const t0 = performance.now();
  await nft(ns).batch(batch);
  return (performance.now() - t0) * 1000;
}

export const cnmMap: Layout = {
  name: 'cnm hash map',
  describe: 'element add/delete in ports4any (the cnm ruleset)',
  async run(ns, n) {
    await nft(ns).batch(ensureRulesetOps());
    const el = (verb: 'element.add' | 'element.del', i: number): NftOp => ({
      op: verb,
      ...TABLE,
      set: 'ports4any',
      key: ['inet_proto', 'inet_service'],
      data: ['ipv4_addr', 'inet_service'],
      elements: [{ key: ['tcp', port(i)], data: target(i) }],
    });
    const addUs: number[] = [];
    const delUs: number[] = [];
    for (let i = 0; i < n; i++) addUs.push(await timed(() => [el('element.add', i)], ns));
    for (let i = 0; i < n; i++) delUs.push(await timed(() => [el('element.del', i)], ns));
    await nft(ns).batch([{ op: 'table.del', family: 'inet', name: 'cnm' }]);
    return { addUs, delUs };
  },
};

export const rulePerMapping: Layout = {
  name: 'one rule per mapping',
  describe: 'a DNAT rule per port, removed by handle (Docker, netavark)',
  async run(ns, n) {
    const T = { family: 'inet', table: 'rules' } as const;
    await nft(ns).batch([
      { op: 'table.add', family: 'inet', name: 'rules' },
      { op: 'chain.add', ...T, name: 'pre', type: 'nat', hook: 'prerouting', priority: -100 },
    ]);
    const addUs: number[] = [];
    for (let i = 0; i < n; i++) {
      addUs.push(
        await timed(
          () => [
            {
              op: 'rule.add',
              ...T,
              chain: 'pre',
              statements: [
                { match: 'fib daddr type', value: 'local' },
                { match: 'tcp dport', value: port(i) },
                { nat: 'dnat', family: 'ip', address: target(i)[0], port: 80 },
              ],
            },
          ],
          ns,
        ),
      );
    }
    const rules = await nft(ns).rules(T);
    const delUs: number[] = [];
    for (const r of rules)
      delUs.push(await timed(() => [{ op: 'rule.del', ...T, chain: 'pre', handle: r.handle }], ns));
    await nft(ns).batch([{ op: 'table.del', family: 'inet', name: 'rules' }]);
    return { addUs, delUs };
  },
};

export const intervalMap: Layout = {
  name: 'interval concat map',
  describe: 'the same elements in a map with the interval flag (pipapo)',
  async run(ns, n) {
    const T = { family: 'inet', table: 'pipapo' } as const;
    await nft(ns).batch([
      { op: 'table.add', family: 'inet', name: 'pipapo' },
      {
        op: 'set.add',
        ...T,
        name: 'm',
        key: ['inet_proto', 'inet_service'],
        data: ['ipv4_addr', 'inet_service'],
        flags: ['interval'],
      },
    ]);
    const el = (verb: 'element.add' | 'element.del', i: number): NftOp => ({
      op: verb,
      ...T,
      set: 'm',
      key: ['inet_proto', 'inet_service'],
      data: ['ipv4_addr', 'inet_service'],
      interval: true,
      elements: [{ key: ['tcp', port(i)], data: target(i) }],
    });
    const addUs: number[] = [];
    const delUs: number[] = [];
    for (let i = 0; i < n; i++) addUs.push(await timed(() => [el('element.add', i)], ns));
    for (let i = 0; i < n; i++) delUs.push(await timed(() => [el('element.del', i)], ns));
    await nft(ns).batch([{ op: 'table.del', family: 'inet', name: 'pipapo' }]);
    return { addUs, delUs };
  },
};

/** `nft` as a process per mapping: the first 100, then (after an untimed fill) the last 100. */
export const nftProcess: Layout = {
  name: 'nft add element (process)',
  describe: 'one `nft add element` process per mapping, first and last 100 timed',
  async run(ns, n) {
    await nft(ns).batch(ensureRulesetOps());
    const edge = Math.min(100, n);
    const run = async (verb: 'add' | 'delete', i: number) => {
      const [ip] = target(i);
      const data = verb === 'add' ? ` : ${ip} . 80` : '';
      const t0 = performance.now();
      await execFileP('nsenter', [
        `--net=${ns.path}`,
        'nft',
        `${verb} element inet cnm ports4any { tcp . ${port(i)}${data} }`,
      ]);
      return (performance.now() - t0) * 1000;
    };
    const addUs: number[] = [];
    const delUs: number[] = [];
    for (let i = 0; i < edge; i++) addUs.push(await run('add', i));
    // Fill the middle in one batch: the timing that matters is at the far end.
    const middle = Array.from({ length: Math.max(0, n - 2 * edge) }, (_, k) => edge + k);
    if (middle.length > 0) {
      await nft(ns).batch([
        {
          op: 'element.add',
          ...TABLE,
          set: 'ports4any',
          key: ['inet_proto', 'inet_service'],
          data: ['ipv4_addr', 'inet_service'],
          elements: middle.map((i) => ({ key: ['tcp', port(i)], data: target(i) })),
        },
      ]);
    }
    for (let i = Math.max(edge, n - edge); i < n; i++) addUs.push(await run('add', i));
    for (let i = 0; i < edge; i++) delUs.push(await run('delete', i));
    await nft(ns).batch([{ op: 'table.del', family: 'inet', name: 'cnm' }]);
    return { addUs, delUs, prefilled: middle.length };
  },
};

export const LAYOUTS: Record<string, Layout> = {
  cnm: cnmMap,
  rules: rulePerMapping,
  interval: intervalMap,
  process: nftProcess,
};
