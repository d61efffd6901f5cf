// SPDX-License-Identifier: GPL-2.0-or-later
// Ops are checked before anything crosses to the kernel; no privileges.
import { describe, expect, it } from 'vitest';
import { CNM_ERROR_CODES, CnmError, graftStack, InvalidOpError, NetlinkError } from '../../lib/errors';
import type { RtnlOp } from '../../lib/kernel/ops';
import { rtnlEncode } from '../../lib/kernel/rtnl';

function invalid(op: unknown): InvalidOpError {
  try {
    rtnlEncode([op as RtnlOp]);
  } catch (e) {
    if (e instanceof InvalidOpError) return e;
    throw e;
  }
  throw new Error(`accepted: ${JSON.stringify(op)}`);
}

describe('op validation', () => {
  it.each([
    [{ op: 'link.add', kind: 'bridge', name: 'x'.repeat(16) }, 'name', '1-15 bytes'],
    [{ op: 'link.add', kind: 'bridge', name: 'a/b' }, 'name', "no '/'"],
    [{ op: 'link.add', kind: 'veth', name: 'v' }, 'peer', 'must be an object'],
    [{ op: 'link.add', kind: 'veth', name: 'v', peer: { name: 'p', master: 3 } }, 'peer.master', 'cannot be set'],
    [{ op: 'link.add', kind: 'vxlan', name: 'v', vni: 1 << 24 }, 'vni', 'integer from 0 to 16777215'],
    [{ op: 'link.add', kind: 'vxlan', name: 'v', vni: 1, portRange: { low: 9, high: 8 } }, 'portRange', 'low'],
    [{ op: 'link.add', kind: 'vlan', name: 'v', link: 2, vlanId: 4095 }, 'vlanId', 'integer'],
    [{ op: 'link.add', kind: 'macvlan', name: 'm', link: 2, mode: 'weird' }, 'mode', 'unknown value'],
    [{ op: 'link.set', dev: 'eth0', name: 'eth1' }, 'name', 'renaming needs dev as an ifindex'],
    [{ op: 'link.set', dev: 0, up: true }, 'dev', 'integer from 1'],
    [{ op: 'link.set', dev: 2, mtu: 1.5 }, 'mtu', 'integer'],
    [{ op: 'link.set', dev: 2, up: 'yes' }, 'up', 'boolean'],
    [{ op: 'link.set', dev: 2, address: '02:00:00:00:00' }, 'address', 'MAC address'],
    [{ op: 'link.set', dev: 2, addrGenMode: 'nope' }, 'addrGenMode', 'unknown value'],
    [{ op: 'link.set', dev: 2, netns: 5 }, 'netns', 'Netns handle'],
    [{ op: 'addr.add', dev: 2, address: 'fd00::1/129' }, 'address', 'prefix-length'],
    [{ op: 'addr.add', dev: 2, address: 'fd00::1/64', broadcast: '10.0.0.255' }, 'broadcast', 'IPv4 only'],
    [{ op: 'addr.add', address: '10.0.0.1/8' }, 'dev', 'required'],
    [{ op: 'route.add', dst: '10.0.0.0/8', src: 'fd00::1' }, 'src', 'family mismatch'],
    [{ op: 'route.add', dst: '10.0.0.0/8', type: 'bogus' }, 'type', 'unknown value'],
    [{ op: 'neigh.add', dev: 2 }, 'family', 'give dst'],
    [{ op: 'neigh.add', dev: 2, family: 'bridge' }, 'lladdr', 'FDB'],
    [{ op: 'neigh.add', dev: 2, dst: '10.0.0.1', flags: ['nope'] }, 'flags', 'unknown flag'],
    [{ kind: 'bridge' }, 'op', 'required'],
  ])('refuses %j (field %s)', (op, field, reason) => {
    const e = invalid(op);
    expect(e.code).toBe('CNM_INVALID_OP');
    expect(e.index).toBe(0);
    expect(e.field).toBe(field);
    expect(e.reason).toContain(reason);
  });

  it('names the op in the batch that is wrong', () => {
    try {
      rtnlEncode([{ op: 'link.set', dev: 1, up: true }, { op: 'link.set', dev: 1, up: true }, { op: 'nope' } as never]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidOpError);
      expect((e as InvalidOpError).index).toBe(2);
      expect((e as InvalidOpError).message).toBe('CNM_INVALID_OP: op 2: op unknown op "nope"');
    }
  });
});

describe('errors', () => {
  it('declares every code once, each starting with CNM_ so none reads as an errno', () => {
    expect(new Set(CNM_ERROR_CODES).size).toBe(CNM_ERROR_CODES.length);
    for (const code of CNM_ERROR_CODES) expect(code).toMatch(/^CNM_[A-Z0-9_]+$/);
  });

  it('CnmError carries its code and cause', () => {
    const cause = new Error('inner');
    const e = new CnmError('CNM_NOT_SUPPORTED', 'overlay is not built yet', { cause });
    expect(e).toMatchObject({
      code: 'CNM_NOT_SUPPORTED',
      cause,
      message: 'CNM_NOT_SUPPORTED: overlay is not built yet',
    });
  });

  it('NetlinkError reads like `ip` would say it, and keeps every field', () => {
    const e = new NetlinkError({
      errno: 22,
      code: 'EINVAL',
      syscall: 'netlink',
      op: 'link.set',
      object: 'br0',
      index: 1,
      extack: 'mtu less than device minimum',
      strerror: 'Invalid argument',
    });
    expect(e.message).toBe('link.set br0: EINVAL (Invalid argument): mtu less than device minimum');
    expect(e).toMatchObject({ errno: 22, index: 1, syscall: 'netlink' });
  });

  it('graftStack points a native rejection at its caller', () => {
    const site = new Error('site');
    const e = graftStack(new Error('from native'), site) as Error;
    expect(e.stack?.split('\n')[0]).toBe('Error: from native');
    expect(e.stack).toContain('validation.test.ts');
  });
});
