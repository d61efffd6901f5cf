// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The demo's yardstick: the same kernel work as attaching N sandboxes to one
 * bridge (N namespaces, a veth each enslaved to the bridge, quiet links, an
 * address, a default route), done by iproute2's `ip -batch`. The attach
 * benchmark (bench/attach) uses it as one of its baselines; the arrow points
 * from bench to here, never back.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { netnsCurrent } from '../../kernel/netns';
import { rtnl } from '../../kernel/rtnl';

/** The host-side veth ends of one run share this link group, so one request deletes them all. */
export const GROUP = 77;
export const BRIDGE = 'benchbr0';
export const GATEWAY = '10.88.0.1';

/** Endpoint i's address in 10.88.0.0/16 (the gateway is .0.1). @example `addressOf(0) // '10.88.0.2/16'` */
export function addressOf(i: number): string {
  const n = i + 2;
  return `10.88.${n >> 8}.${n & 255}/16`;
}

/** One run of N attaches. Times in milliseconds. */
export interface IpBatchSample {
  /** Endpoints attached before the budget ran out (N when it did not). */
  readonly reached: number;
  /** Per endpoint: the mean of its block of 100. */
  readonly attachMs: readonly number[];
  /** The whole teardown, until the host-side links are gone. */
  readonly teardownMs: number;
}

/**
 * Runs `ip [args] -batch -` with commands on stdin; rejects on failure.
 *
 * @example
 * ```ts
 * await ipBatch(['-n', 'ns1'], ['link set lo up']) // ip -n ns1 -batch -
 * ```
 */
export function ipBatch(args: readonly string[], commands: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', [...args, '-batch', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ip -batch: ${err.trim()}`))));
    child.stdin.end(`${commands.join('\n')}\n`);
  });
}

/**
 * The host's commands for endpoint i: its namespace (unless made
 * beforehand), a veth into it on `bridge` in `group`, quiet and up.
 *
 * @example
 * ```ts
 * hostCommands(0) // ['netns add ib0', 'link add vb0 group 77 master benchbr0 type veth peer name eth0 netns ib0', ...]
 * ```
 */
export function hostCommands(
  i: number,
  o: { readonly netns?: string; readonly bridge?: string; readonly group?: number; readonly prefix?: string } = {},
): string[] {
  const ns = o.netns ?? `ib${i}`;
  const end = `${o.prefix ?? 'vb'}${i}`;
  return [
    ...(o.netns ? [] : [`netns add ${ns}`]),
    `link add ${end} group ${o.group ?? GROUP} master ${o.bridge ?? BRIDGE} type veth peer name eth0 netns ${ns}`,
    `link set ${end} addrgenmode none`,
    `link set ${end} up`,
  ];
}

/** Inside endpoint i's namespace: quiet, up, addressed, routed. @example `namespaceCommands(0)[3] // 'addr add 10.88.0.2/16 dev eth0'` */
export function namespaceCommands(i: number): string[] {
  return [
    'link set eth0 addrgenmode none',
    'link set lo up',
    'link set eth0 up',
    `addr add ${addressOf(i)} dev eth0`,
    `route add default via ${GATEWAY} dev eth0`,
  ];
}

/** Waits until no link of the group is left on the host (bounded). @example `await untilHostLinksGone()` */
export async function untilHostLinksGone(timeoutMs = 60_000): Promise<void> {
  const host = rtnl(await netnsCurrent());
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = (await host.links()).filter((l) => l.group === GROUP || l.name.startsWith('vb'));
    if (left.length === 0) return;
    if (Date.now() > deadline) throw new Error(`teardown: ${left.length} host links still there after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Creates the bridge the endpoints attach to, quiet, up, with the gateway address. @example `await makeBridge()` */
export async function makeBridge(): Promise<number> {
  const host = rtnl(await netnsCurrent());
  await host.batch([
    { op: 'link.add', kind: 'bridge', name: BRIDGE },
    { op: 'link.set', dev: BRIDGE, addrGenMode: 'none' },
    { op: 'link.set', dev: BRIDGE, up: true },
  ]);
  const br = await host.link(BRIDGE);
  await host.addrAdd({ dev: br.index, address: `${GATEWAY}/16` });
  return br.index;
}

/** Deletes the bridge. @example `await removeBridge()` */
export async function removeBridge(): Promise<void> {
  await rtnl(await netnsCurrent()).linkDel(BRIDGE);
}

/**
 * Attaches up to `n` endpoints with `ip -batch` (one host batch per 100
 * endpoints, one `ip -n NS -batch` per namespace) until `budgetMs` runs
 * out, then tears them down: one `link del group`, then the namespaces.
 * Namespaces go in /run/netns, so run it where /run is private.
 *
 * @example
 * ```ts
 * const { reached, attachMs } = await ipBatchAttach(200, 120_000)
 * ```
 */
export async function ipBatchAttach(n: number, budgetMs: number): Promise<IpBatchSample> {
  await makeBridge();
  const attachMs: number[] = [];
  const started = performance.now();
  for (let from = 0; from < n && performance.now() - started < budgetMs; from += 100) {
    const to = Math.min(n, from + 100);
    const t0 = performance.now();
    const ids = Array.from({ length: to - from }, (_, k) => from + k);
    await ipBatch(
      [],
      ids.flatMap((i) => hostCommands(i)),
    );
    for (const i of ids) await ipBatch(['-n', `ib${i}`], namespaceCommands(i));
    const each = (performance.now() - t0) / ids.length;
    for (const _ of ids) attachMs.push(each);
  }
  const t1 = performance.now();
  await ipBatch([], [`link del group ${GROUP}`]).catch(() => {});
  await ipBatch(
    [],
    attachMs.map((_, i) => `netns del ib${i}`),
  );
  await untilHostLinksGone();
  const teardownMs = performance.now() - t1;
  await removeBridge();
  return { reached: attachMs.length, attachMs, teardownMs };
}
