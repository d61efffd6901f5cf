// SPDX-License-Identifier: GPL-2.0-or-later
// Kernel failures reach JS as NetlinkError with errno, its name, the op and
// the kernel's extended-ack text; bad input is refused before anything is sent.
import { describe, expect, it } from 'vitest';
import { InvalidOpError, NetlinkError } from '../../lib/errors';
import { BatchError } from '../../lib/kernel/rtnl';
import { useTestHost } from '../helpers/host';

const t = useTestHost(import.meta.url);

describe('kernel errors', () => {
  it('EEXIST: the op, the object and the errno', async () => {
    await t.r.linkAdd({ kind: 'bridge', name: 'br-e' });
    const err = (await t.r.linkAdd({ kind: 'bridge', name: 'br-e' }).catch((e: unknown) => e)) as NetlinkError;
    expect(err).toBeInstanceOf(NetlinkError);
    expect(err).toMatchObject({
      errno: 17,
      code: 'EEXIST',
      op: 'link.add',
      object: 'br-e',
      index: 0,
      syscall: 'netlink',
    });
    expect(err.message).toBe('link.add br-e: EEXIST (File exists)');
    // The stack points at the caller, not into the addon.
    expect(err.stack).toContain('errors.test.ts');
    await t.r.linkDel('br-e');
  });

  it('ENODEV for a link that does not exist', async () => {
    const err = (await t.r.linkSet({ dev: 'nope0', up: true }).catch((e: unknown) => e)) as NetlinkError;
    expect(err).toMatchObject({ code: 'ENODEV', errno: 19, op: 'link.set', object: 'nope0' });
  });

  it('a bad MTU: EINVAL with the extended-ack text', async () => {
    await t.r.linkAdd({ kind: 'bridge', name: 'br-m' });
    const err = (await t.r.linkSet({ dev: 'br-m', mtu: 10 }).catch((e: unknown) => e)) as NetlinkError;
    expect(err).toMatchObject({ code: 'EINVAL', extack: 'mtu less than device minimum' });
    expect(err.message).toContain('mtu less than device minimum');
    await t.r.linkDel('br-m');
  });

  it('the extended-ack text of other subsystems too (vxlan, routes, addresses)', async () => {
    const settled = await t.r.batchSettled([
      { op: 'link.add', kind: 'vxlan', name: 'vxe', vni: 5, local: '10.0.0.1', remote: 'fd00::1' },
      { op: 'route.add', dst: '10.0.0.0/8', gateway: '10.1.1.1', dev: 1, scope: 'host' },
      { op: 'addr.add', dev: 999, address: '10.0.0.1/8' },
    ]);
    expect(settled.map((s) => (s.ok ? 'ok' : `${s.error.code}: ${s.error.extack}`))).toEqual([
      'EINVAL: Local and remote address must be from the same family',
      'EINVAL: Route with host scope can not have a gateway',
      'ENODEV: ipv4: Device not found',
    ]);
  });

  it('a bad namespace: refused as input before the kernel sees it', async () => {
    const err = await t.r
      .batch([{ op: 'link.add', kind: 'veth', name: 'bn0', peer: { name: 'x', netns: {} as never } }])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidOpError);
    expect(err).toMatchObject({ code: 'CNM_INVALID_OP', index: 0, field: 'peer.netns' });
    expect((await t.ip(['link'])).map((l) => l.ifname)).toEqual(['lo']);
  });

  it('rtnetlink batches are not atomic: a result per op, later ops still run', async () => {
    const err = (await t.r
      .batch([
        { op: 'link.add', kind: 'bridge', name: 'br-b1' },
        { op: 'link.set', dev: 'missing0', up: true },
        { op: 'link.add', kind: 'bridge', name: 'br-b2' },
      ])
      .catch((e: unknown) => e)) as BatchError;
    expect(err).toBeInstanceOf(BatchError);
    expect(err.code).toBe('ENODEV');
    expect(err.first.index).toBe(1);
    expect(err.results.map((r) => r.ok)).toEqual([true, false, true]);
    expect((await t.ip(['link'])).map((l) => l.ifname).sort()).toEqual(['br-b1', 'br-b2', 'lo']);
    const settled = await t.r.batchSettled([
      { op: 'link.del', dev: 'br-b1' },
      { op: 'link.del', dev: 'br-b1' },
      { op: 'link.del', dev: 'br-b2' },
    ]);
    expect(settled.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(['ok', 'ENODEV', 'ok']);
  });

  it('bad input anywhere in a batch: nothing of the batch is sent', async () => {
    const err = (await t.r
      .batch([
        { op: 'link.add', kind: 'bridge', name: 'br-never' },
        { op: 'addr.add', dev: 1, address: '10.0.0.300/24' },
      ])
      .catch((e: unknown) => e)) as InvalidOpError;
    expect(err).toBeInstanceOf(InvalidOpError);
    expect(err).toMatchObject({ index: 1, field: 'address' });
    expect((await t.ip(['link'])).map((l) => l.ifname)).toEqual(['lo']);

    const cases: [object, string][] = [
      [{ op: 'link.set', dev: 'x', mtu: -1 }, 'mtu'],
      [{ op: 'link.set', dev: 'this-name-is-too-long', up: true }, 'dev'],
      [{ op: 'link.add', kind: 'veth', name: 'a' }, 'peer'],
      [{ op: 'link.add', kind: 'nope', name: 'a' }, 'kind'],
      [{ op: 'route.add', dst: '10.0.0.0/33' }, 'dst'],
      [{ op: 'route.add', dst: '10.0.0.0/8', gateway: 'fd00::1' }, 'gateway'],
      [{ op: 'neigh.add', dev: 1, lladdr: 'zz:00:00:00:00:00', dst: '10.0.0.1' }, 'lladdr'],
      [{ op: 'link.set', dev: 1, inet: { bogus: 1 } }, 'inet.bogus'],
      [{ op: 'link.del', group: 0 }, 'group'],
      [{ op: 'what.ever' }, 'op'],
    ];
    for (const [op, field] of cases) {
      const e = await t.r.batch([op as never]).catch((x: unknown) => x);
      expect(e, JSON.stringify(op)).toBeInstanceOf(InvalidOpError);
      expect((e as InvalidOpError).field, JSON.stringify(op)).toBe(field);
    }
  });
});
