// SPDX-License-Identifier: GPL-2.0-or-later
// A separate process that "ensures" a small ruleset many times: add the
// table and chain (idempotent), flush the chain and add its rules, all in one
// atomic batch. Run twice at once, the result must be one copy.
import { createRequire } from 'node:module';

const [root, path, rounds] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const addon = require('node-gyp-build')(root);
class NetlinkError extends Error {
  constructor(d) {
    super(`${d.op}: ${d.code} ${d.extack ?? ''}`);
    Object.assign(this, d);
  }
}
class InvalidOpError extends Error {
  constructor(d) {
    super(`${d.field}: ${d.reason}`);
  }
}
addon.setErrorClasses({ NetlinkError, InvalidOpError });

const ns = await addon.netnsOpen(path);
const T = { family: 'inet', table: 'race' };
const ops = [
  { op: 'table.add', family: 'inet', name: 'race' },
  { op: 'chain.add', ...T, name: 'fwd', type: 'filter', hook: 'forward', priority: 0 },
  { op: 'chain.add', ...T, name: 'user' },
  { op: 'chain.flush', ...T, name: 'fwd' },
  { op: 'set.add', ...T, name: 'isolate', key: ['ifname', 'ifname'] },
  { op: 'rule.add', ...T, chain: 'fwd', statements: [{ verdict: 'jump', chain: 'user' }] },
  {
    op: 'rule.add',
    ...T,
    chain: 'fwd',
    statements: [{ lookup: ['iifname', 'oifname'], set: 'isolate' }, { verdict: 'drop' }],
  },
  {
    op: 'rule.add',
    ...T,
    chain: 'fwd',
    statements: [{ match: 'ct state', value: ['established', 'related'] }, { verdict: 'accept' }],
  },
];
for (let i = 0; i < Number(rounds); i++) await addon.nftBatch(ns, ops);
process.stdout.write('done\n');
