// SPDX-License-Identifier: GPL-2.0-or-later
// A separate process that sends one nftables batch many times:
//   node nft-ensure.mjs PACKAGE_ROOT NETNS_PATH ROUNDS OPS_JSON
// Two of them at once show whether "ensure" batches leave one copy.
import { createRequire } from 'node:module';

const [root, path, rounds, opsJson] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const native = require('node-gyp-build')(root);
class KernelError extends Error {
  constructor(details) {
    super(JSON.stringify(details));
  }
}
const addon = native.bind({ NetlinkError: KernelError, InvalidOpError: KernelError });

const ns = await addon.netnsOpen(path);
const ops = JSON.parse(opsJson);
for (let i = 0; i < Number(rounds); i++) await addon.nftBatch(ns, ops);
process.stdout.write('done\n');
