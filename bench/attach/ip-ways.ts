// SPDX-License-Identifier: GPL-2.0-or-later
// The same work through iproute2: `ip -batch` (a host process per 100
// endpoints and one `ip -n NS -batch` per namespace; the demo's yardstick,
// lib/cli/demo/ip-batch.ts), and naively, one `ip` process per command, as a
// Node library shelling out would do it.
import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { hostCommands, ipBatchAttach, namespaceCommands } from '../../lib/cli/demo/ip-batch';
import { makeBridge, removeBridge, type Sample, untilHostLinksGone, type Way } from './common';

export { hostCommands, ipBatch, namespaceCommands } from '../../lib/cli/demo/ip-batch';

const execFileP = promisify(execFile);

export const ipBatchWay: Way = {
  name: 'ip -batch',
  describe: 'one host ip -batch per 100 endpoints + one ip -n NS -batch per namespace',
  async run(n, _dir, budgetMs) {
    return (await ipBatchAttach(n, budgetMs)) satisfies Sample;
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
    // `ip netns add` keeps namespaces in /run/netns (a tmpfs in the private mount namespace the bench runs in).
    const t0 = performance.now();
    for (let i = 0; i < attachMs.length; i++) await execFileP('ip', ['netns', 'del', `ib${i}`]);
    await untilHostLinksGone();
    const teardownMs = performance.now() - t0;
    await removeBridge();
    return { reached: attachMs.length, attachMs, teardownMs } satisfies Sample;
  },
};
