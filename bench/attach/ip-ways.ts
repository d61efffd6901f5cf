// SPDX-License-Identifier: GPL-2.0-or-later
// The same work through iproute2: `ip -batch` (a host process per 100
// endpoints and one `ip -n NS -batch` per namespace), and naively, one `ip`
// process per command, as a Node library shelling out would do it.
import { execFile, spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import {
  addressOf,
  BRIDGE,
  GATEWAY,
  GROUP,
  makeBridge,
  removeBridge,
  type Sample,
  untilHostLinksGone,
  type Way,
} from './common';

const execFileP = promisify(execFile);

/** Runs `ip [args] -batch -` with commands on stdin; rejects on failure. */
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

/** Inside endpoint i's namespace: quiet, up, addressed, routed. */
export function namespaceCommands(i: number): string[] {
  return [
    'link set eth0 addrgenmode none',
    'link set lo up',
    'link set eth0 up',
    `addr add ${addressOf(i)} dev eth0`,
    `route add default via ${GATEWAY} dev eth0`,
  ];
}

// `ip netns add` keeps namespaces in /run/netns (a tmpfs in the private mount namespace the bench runs in).
async function teardownNamespaces(count: number, oneProcessEach: boolean): Promise<number> {
  const t0 = performance.now();
  if (oneProcessEach) {
    for (let i = 0; i < count; i++) await execFileP('ip', ['netns', 'del', `ib${i}`]);
  } else {
    await execFileP('ip', ['link', 'del', 'group', String(GROUP)]).catch(() => {});
    await ipBatch(
      [],
      Array.from({ length: count }, (_, i) => `netns del ib${i}`),
    );
  }
  await untilHostLinksGone();
  return performance.now() - t0;
}

export const ipBatchWay: Way = {
  name: 'ip -batch',
  describe: 'one host ip -batch per 100 endpoints + one ip -n NS -batch per namespace',
  async run(n, _dir, budgetMs) {
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
    const teardownMs = await teardownNamespaces(attachMs.length, false);
    await removeBridge();
    return { reached: attachMs.length, attachMs, teardownMs } satisfies Sample;
  },
};

export const ipNaiveWay: Way = {
  name: 'ip, one process per command',
  describe: '9 awaited execFile("ip", ...) per endpoint, ip netns del per endpoint',
  async run(n, _dir, budgetMs) {
    await makeBridge();
    const attachMs: number[] = [];
    const started = performance.now();
    for (let i = 0; i < n && performance.now() - started < budgetMs; i++) {
      const t0 = performance.now();
      for (const c of hostCommands(i)) await execFileP('ip', c.split(' '));
      for (const c of namespaceCommands(i)) await execFileP('ip', ['-n', `ib${i}`, ...c.split(' ')]);
      attachMs.push(performance.now() - t0);
    }
    const teardownMs = await teardownNamespaces(attachMs.length, true);
    await removeBridge();
    return { reached: attachMs.length, attachMs, teardownMs } satisfies Sample;
  },
};
