// SPDX-License-Identifier: GPL-2.0-or-later
// The installed package through `require`.
'use strict';
const assert = require('node:assert/strict');
const cnm = require('cnm');

for (const name of [
  'NetworkController',
  'NetlinkError',
  'InvalidOpError',
  'CnmError',
  'setAddonPath',
  'kernel',
  'firewall',
]) {
  assert.ok(name in cnm, `require('cnm').${name}`);
}
const [message] = cnm.kernel.rtnlEncode([{ op: 'link.set', dev: 1, up: true }]);
assert.ok(Buffer.isBuffer(message) && message.length > 16);
assert.throws(() => cnm.kernel.rtnlEncode([{ op: 'link.set', dev: 1, mtu: 'x' }]), cnm.InvalidOpError);
console.log('cjs: ok');
