// SPDX-License-Identifier: GPL-2.0-or-later
// ESM and CJS copies of the package in one process, on one addon instance:
// a kernel failure still rejects, in each copy, with that copy's own
// NetlinkError (and bad input throws that copy's InvalidOpError). Root,
// inside scripts/in-private-netns.sh.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as esm from 'cnm';

const cjs = createRequire(import.meta.url)('cnm');
assert.notEqual(esm.NetlinkError, cjs.NetlinkError, 'two copies, two classes');

const ns = await esm.kernel.netnsCreate(`dual-${process.pid}`, { dir: '/run/cnm/package-test' });
try {
  // Interleaved on purpose: whichever copy bound last must not matter.
  for (const [name, copy, other] of [
    ['esm', esm, cjs],
    ['cjs', cjs, esm],
    ['esm again', esm, cjs],
  ]) {
    await assert.rejects(copy.kernel.rtnl(ns).linkDel('nope0'), (e) => {
      assert.ok(e instanceof copy.NetlinkError, `${name}: its own NetlinkError, got ${e?.constructor?.name}`);
      assert.ok(!(e instanceof other.NetlinkError), `${name}: not the other copy's`);
      assert.equal(e.code, 'ENODEV');
      return true;
    });
    // A batch whose second op fails: the failure is not taken for a result.
    const settled = await copy.kernel.rtnl(ns).batchSettled([
      { op: 'link.set', dev: 'lo', up: true },
      { op: 'link.del', dev: 'nope1' },
    ]);
    assert.deepEqual(
      settled.map((r) => r.ok),
      [true, false],
      `${name}: batchSettled`,
    );
    await assert.rejects(
      copy.kernel.nft(ns).batch([{ op: 'table.del', family: 'inet', name: 'nope' }]),
      copy.NetlinkError,
    );
    assert.throws(() => copy.kernel.rtnlEncode([{ op: 'link.set', dev: 1, mtu: 'x' }]), copy.InvalidOpError);
    // A handle from one copy works in the other: the Netns class is the addon's.
    assert.equal((await other.kernel.rtnl(ns).links()).length, 1);
  }
} finally {
  await esm.kernel.netnsDelete(ns);
}
console.log('dual: ok (ESM and CJS each reject with their own NetlinkError)');
