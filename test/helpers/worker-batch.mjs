// SPDX-License-Identifier: GPL-2.0-or-later
// Loads the addon inside a worker thread (its own environment, its own
// state) and runs a batch in the namespace it is given.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const native = require('node-gyp-build')(workerData.root);

class NetlinkError extends Error {
  constructor(details) {
    super(details.code);
    Object.assign(this, details);
  }
}
class InvalidOpError extends Error {
  constructor(details) {
    super(details.reason);
    Object.assign(this, details);
  }
}
// This thread's own functions, carrying its own error classes.
const addon = native.bind({ NetlinkError, InvalidOpError });

const ns = await addon.netnsOpen(workerData.path);
const [added, links, failed] = await addon.rtnlBatch(ns, [
  { op: 'link.add', kind: 'bridge', name: 'br-worker' },
  { op: 'link.dump' },
  { op: 'link.add', kind: 'bridge', name: 'br-worker' },
]);
await addon.rtnlBatch(ns, [{ op: 'link.del', dev: 'br-worker' }]);
parentPort.postMessage({
  added,
  names: links.map((l) => l.name),
  failedIsOwnClass: failed instanceof NetlinkError,
  failedCode: failed.code,
});
