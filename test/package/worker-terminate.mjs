// SPDX-License-Identifier: GPL-2.0-or-later
// 30 worker threads terminated while kernel calls are in flight: each one's
// calls complete during its teardown, where no JS can run; that must be a
// no-op, not an abort. Each worker also keeps completions running (calls
// that fail, so errors are being built in JS) and is terminated at a random
// moment, so termination also lands in the middle of a completion. The
// process then keeps working. Root, inside scripts/in-private-netns.sh.
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { kernel, NetlinkError } from 'cnm';

const DIR = '/run/cnm/package-test';
const ROUNDS = 30;
// 192.0.2.2 behind a bridge with no ports: no ARP answer, so connect() blocks
// until its timeout. Every worker has such a call in flight when terminated.
const CONNECT_MS = 300;

// The package this file resolves, not whatever an eval worker's cwd would.
const CNM = import.meta.resolve('cnm');
const worker = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { kernel } = await import(workerData.cnm);
  const ns = await kernel.netnsCreate(workerData.name, { dir: workerData.dir });
  await kernel.rtnl(ns).batch([
    { op: 'link.set', dev: 'lo', up: true },
    { op: 'link.add', kind: 'bridge', name: 'br0' },
    { op: 'link.set', dev: 'br0', up: true },
  ]);
  const br = await kernel.rtnl(ns).link('br0');
  await kernel.rtnl(ns).addrAdd({ dev: br.index, address: '192.0.2.1/24' });
  const calls = [
    // rejects in the C++ completion (ETIMEDOUT)
    kernel.tcpConnect(ns, '192.0.2.2', 80, { timeoutMs: ${CONNECT_MS} }),
    // resolves with a result per op, the last a NetlinkError built at completion
    kernel.rtnl(ns).batchSettled([
      ...Array.from({ length: 20 }, (_, i) => ({ op: 'link.add', kind: 'bridge', name: 'b' + i })),
      { op: 'link.del', dev: 'nope' },
    ]),
    // resolves with a new Netns handle
    kernel.netnsCreate(workerData.name + '-b', { dir: workerData.dir }),
  ];
  for (const c of calls) c.catch(() => {});
  parentPort.postMessage('in flight');
  // Completions all the time until terminated, most of them building errors.
  for (;;) {
    const more = [];
    for (let i = 0; i < 20; i++) {
      more.push(kernel.rtnl(ns).linkDel('nope' + i).catch(() => {}));
      more.push(kernel.rtnl(ns).batchSettled([{ op: 'link.del', dev: 'x' }, { op: 'link.dump' }]));
    }
    await Promise.all(more);
  }
})();
`;

// The control: the call each worker leaves in flight really takes that long.
const ns = await kernel.netnsCreate('terminate-control', { dir: DIR });
try {
  await kernel.rtnl(ns).batch([
    { op: 'link.add', kind: 'bridge', name: 'br0' },
    { op: 'link.set', dev: 'br0', up: true },
  ]);
  const br = await kernel.rtnl(ns).link('br0');
  await kernel.rtnl(ns).addrAdd({ dev: br.index, address: '192.0.2.1/24' });
  const t0 = performance.now();
  await assert.rejects(kernel.tcpConnect(ns, '192.0.2.2', 80, { timeoutMs: CONNECT_MS }), NetlinkError);
  assert.ok(performance.now() - t0 >= CONNECT_MS * 0.9, 'the connect blocks for its timeout');

  for (let i = 0; i < ROUNDS; i++) {
    const w = new Worker(worker, { eval: true, workerData: { name: `w${i}`, dir: DIR, cnm: CNM } });
    const failed = new Promise((_, reject) => w.once('error', reject));
    await Promise.race([new Promise((resolve) => w.once('message', resolve)), failed]);
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 20));
    await w.terminate();
  }

  // Still working: a call that succeeds and one that fails.
  assert.equal((await kernel.rtnl(ns).link('br0')).name, 'br0');
  await assert.rejects(kernel.rtnl(ns).linkDel('nope0'), NetlinkError);
} finally {
  await kernel.netnsDelete(ns);
}
console.log(`worker-terminate: ok (${ROUNDS} workers terminated mid-call, the process carries on)`);
