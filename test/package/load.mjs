// SPDX-License-Identifier: GPL-2.0-or-later
// The installed package through `import`: the exports are there and the
// addon loads (found by node-gyp-build, no install script needed); prints
// which file loaded, for scripts/test-package.sh to check.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as cnm from 'cnm';

const require = createRequire(import.meta.url);
for (const name of [
  'NetworkController',
  'NetlinkError',
  'InvalidOpError',
  'CnmError',
  'setAddonPath',
  'kernel',
  'firewall',
]) {
  assert.ok(name in cnm, `import { ${name} } from 'cnm'`);
}
assert.equal(typeof cnm.NetworkController.open, 'function');
// A pure call loads the addon.
const [message] = cnm.kernel.rtnlEncode([{ op: 'link.set', dev: 1, up: true }]);
assert.ok(Buffer.isBuffer(message) && message.length > 16);
const root = require.resolve('cnm/package.json').replace(/\/package\.json$/, '');
const file = require('node-gyp-build').resolve(root);
assert.throws(() => cnm.kernel.rtnlEncode([{ op: 'link.set', dev: 1, mtu: 'x' }]), cnm.InvalidOpError);
console.log(`esm: ok (${file.slice(root.length + 1)})`);
