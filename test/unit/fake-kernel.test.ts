// SPDX-License-Identifier: GPL-2.0-or-later
// The fake kernel itself, through lib/kernel's own wrappers (rtnl, netns,
// nft, sysctl) with the fake installed: the refusals the real kernel gives,
// with the addon's error shapes; veth pairs across namespaces; namespaces
// freeing their links; atomic nftables batches; the bridge port limit.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidOpError, NetlinkError } from '../../lib/errors';
import { restoreKernelBinding, useKernelBinding } from '../../lib/kernel/binding';
import { FAKE_BRIDGE_PORTS, FakeKernel, FakeNetns } from '../../lib/kernel/fake/index';
import type { Netns } from '../../lib/kernel/netns';
import { netnsCreate, netnsDelete, netnsOpen, netnsPending, netnsRemove } from '../../lib/kernel/netns';
import { nft } from '../../lib/kernel/nft';
import { BatchError, rtnl, rtnlSequence } from '../../lib/kernel/rtnl';
import { sysctlRead, sysctlWrite } from '../../lib/kernel/sysctl';

const DIR = '/fake/netns';
let fake: FakeKernel;
let host: Netns;

beforeEach(async () => {
  fake = new FakeKernel();
  useKernelBinding(fake, FakeNetns);
  host = await netnsCreate('host', { dir: DIR });
});

afterEach(() => restoreKernelBinding());

const names = (ns: Netns | string) => fake.dump(ns).links.map((l) => l.name);

async function failure(run: () => Promise<unknown>): Promise<NetlinkError> {
  const err = await run().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(NetlinkError);
  return err as NetlinkError;
}

describe('namespaces', () => {
  it('a new one has lo alone, down, as ifindex 1; the next link is 2; ifindexes are per namespace', async () => {
    const sb = await netnsCreate('sb', { dir: DIR });
    expect(fake.dump(sb).links).toMatchObject([{ index: 1, name: 'lo', up: false }]);
    await rtnl(host).linkAdd({ kind: 'bridge', name: 'br0' });
    await rtnl(sb).linkAdd({ kind: 'bridge', name: 'br1' });
    expect((await rtnl(host).link('br0')).index).toBe(2);
    expect((await rtnl(sb).link('br1')).index).toBe(2);
    expect(sb.id).not.toBe(host.id);
    expect((await netnsOpen(sb.path)).id).toBe(sb.id);
  });

  it('refuses a second one at the same path (EEXIST) and an unknown path (ENOENT), as the addon reports them', async () => {
    const dup = await failure(() => netnsCreate('host', { dir: DIR }));
    expect(dup).toMatchObject({ code: 'EEXIST', errno: 17, op: 'netns.create', object: `${DIR}/host` });
    const missing = await failure(() => netnsOpen(`${DIR}/nope`));
    expect(missing).toMatchObject({ code: 'ENOENT', op: 'netns.open', syscall: 'open' });
  });

  it('deleting one frees its links, and the host ends of veths into it', async () => {
    const sb = await netnsCreate('sb', { dir: DIR });
    await rtnl(host).linkAdd({ kind: 'veth', name: 'v-host', peer: { name: 'eth0', netns: sb } });
    expect(names(sb)).toEqual(['lo', 'eth0']);
    expect((await rtnl(host).link('v-host')).linkNetnsId).toBe(0);
    await netnsDelete(sb);
    expect(sb.closed).toBe(true);
    expect(fake.exists(sb.path)).toBe(false);
    expect(names(host)).toEqual(['lo']);
  });

  it('one still held by a handle keeps its links until the handle closes', async () => {
    const sb = await netnsCreate('sb', { dir: DIR });
    const held = await netnsOpen(sb.path);
    await rtnl(host).linkAdd({ kind: 'veth', name: 'v-host', peer: { name: 'eth0', netns: sb } });
    await netnsRemove(sb.path);
    sb.close();
    expect(names(host)).toEqual(['lo', 'v-host']);
    held.close();
    expect(names(host)).toEqual(['lo']);
  });

  it('a sequence creates a namespace, puts a veth peer in it and configures it from inside, in one call', async () => {
    const pending = netnsPending('sb', { dir: DIR, sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0' } });
    const [createdStep, hostOps, inside] = await rtnlSequence([
      { create: pending },
      { netns: host, ops: [{ op: 'link.add', kind: 'veth', name: 'v1', peer: { name: 'eth0', netns: pending } }] },
      {
        netns: pending,
        ops: [
          { op: 'link.set', dev: 'lo', up: true },
          { op: 'link.set', dev: 2, up: true },
          { op: 'addr.add', dev: 2, address: '10.0.0.2/24' },
        ],
      },
    ]);
    expect(hostOps?.every((r) => r.ok)).toBe(true);
    expect(inside?.every((r) => r.ok)).toBe(true);
    const sb = (createdStep?.[0] as { ok: true; value: Netns }).value;
    expect(await sysctlRead(sb, 'net.ipv4.ip_unprivileged_port_start')).toBe('0');
    expect(
      fake
        .dump(sb)
        .addrs.filter((a) => a.family === 4)
        .map((a) => a.address),
    ).toEqual(['127.0.0.1', '10.0.0.2']);
    await netnsDelete(sb);
  });
});

describe('links', () => {
  it('EEXIST for a name taken, ENODEV for a link that is not there, with op, index and object', async () => {
    const r = rtnl(host);
    await r.linkAdd({ kind: 'bridge', name: 'br0' });
    expect(await failure(() => r.linkAdd({ kind: 'bridge', name: 'br0' }))).toMatchObject({
      code: 'EEXIST',
      errno: 17,
      op: 'link.add',
      object: 'br0',
      index: 0,
      syscall: 'netlink',
      message: 'link.add br0: EEXIST (File exists)',
    });
    expect(await failure(() => r.linkSet({ dev: 'nope0', up: true }))).toMatchObject({
      code: 'ENODEV',
      errno: 19,
      op: 'link.set',
      object: 'nope0',
    });
    expect(await failure(() => r.linkSet({ dev: 'br0', mtu: 10 }))).toMatchObject({
      code: 'EINVAL',
      extack: 'mtu less than device minimum',
    });
    expect(await failure(() => r.addrAdd({ dev: 999, address: '10.0.0.1/8' }))).toMatchObject({
      code: 'ENODEV',
      extack: 'ipv4: Device not found',
    });
  });

  it('a batch is not atomic: a result per op, later ops still run', async () => {
    const err = (await rtnl(host)
      .batch([
        { op: 'link.add', kind: 'bridge', name: 'br-b1' },
        { op: 'link.set', dev: 'missing0', up: true },
        { op: 'link.add', kind: 'bridge', name: 'br-b2' },
      ])
      .catch((e: unknown) => e)) as BatchError;
    expect(err).toBeInstanceOf(BatchError);
    expect(err.first.index).toBe(1);
    expect(err.results.map((x) => x.ok)).toEqual([true, false, true]);
    expect(names(host)).toEqual(['lo', 'br-b1', 'br-b2']);
  });

  it('bad input anywhere in a batch: InvalidOpError naming op and field, nothing runs', async () => {
    const err = await rtnl(host)
      .batch([
        { op: 'link.add', kind: 'bridge', name: 'br-never' },
        { op: 'addr.add', dev: 1, address: '10.0.0.300/24' },
      ])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidOpError);
    expect(err).toMatchObject({ index: 1, field: 'address' });
    const long = await rtnl(host)
      .linkAdd({ kind: 'bridge', name: 'this-name-is-too-long' })
      .catch((e: unknown) => e);
    expect(long).toMatchObject({ code: 'CNM_INVALID_OP', field: 'name' });
    expect(names(host)).toEqual(['lo']);
  });

  it('deleting either end of a veth deletes the other; the peer lands in the namespace it was made in', async () => {
    const sb = await netnsCreate('sb', { dir: DIR });
    await rtnl(host).linkAdd({
      kind: 'veth',
      name: 'v-h',
      index: 100,
      peer: { name: 'eth0', index: 7, address: '02:00:00:00:02:02', netns: sb },
    });
    expect(await rtnl(sb).link(7)).toMatchObject({ name: 'eth0', address: '02:00:00:00:02:02', link: 100 });
    await rtnl(sb).linkDel('eth0');
    expect(names(host)).toEqual(['lo']);
    await rtnl(host).linkAdd({ kind: 'veth', name: 'v-h2', peer: { name: 'eth0', netns: sb } });
    await rtnl(host).linkDel('v-h2');
    expect(names(sb)).toEqual(['lo']);
    await netnsDelete(sb);
  });

  it('refuses a peer created up in another namespace (ENOTCONN), leaving nothing', async () => {
    const sb = await netnsCreate('sb', { dir: DIR });
    const err = await failure(() =>
      rtnl(host).linkAdd({ kind: 'veth', name: 'v-u', peer: { name: 'eth0', up: true, netns: sb } }),
    );
    expect(err.code).toBe('ENOTCONN');
    expect(names(host)).toEqual(['lo']);
    expect(names(sb)).toEqual(['lo']);
    await netnsDelete(sb);
  });

  it(`a bridge holds ${FAKE_BRIDGE_PORTS} ports: the next is refused with EXFULL, and nothing of it stays`, async () => {
    const r = rtnl(host);
    await r.linkAdd({ kind: 'bridge', name: 'br0' });
    const br = (await r.link('br0')).index;
    const ops = Array.from({ length: FAKE_BRIDGE_PORTS }, (_, i) => ({
      op: 'link.add' as const,
      kind: 'veth' as const,
      name: `p${i}`,
      master: br,
      peer: { name: `q${i}` },
    }));
    await r.batch(ops);
    expect(await r.links({ master: br })).toHaveLength(FAKE_BRIDGE_PORTS);
    const full = await failure(() =>
      r.linkAdd({ kind: 'veth', name: 'one-more', master: br, peer: { name: 'q-more' } }),
    );
    expect(full).toMatchObject({ code: 'EXFULL', errno: 54 });
    expect(names(host)).not.toContain('one-more');
    expect(names(host)).not.toContain('q-more');
  });

  it('deleting a link group is synchronous and takes veth peers along; group 0 is EPERM, an empty group ENODEV', async () => {
    const sb = await netnsCreate('sb', { dir: DIR });
    const r = rtnl(host);
    await r.linkAdd({ kind: 'veth', name: 'g1', group: 77, peer: { name: 'eth0', netns: sb } });
    await r.linkAdd({ kind: 'veth', name: 'g2', group: 77, peer: { name: 'x2' } });
    await r.linkDelGroup(77);
    expect(names(host)).toEqual(['lo']);
    expect(names(sb)).toEqual(['lo']);
    expect((await failure(() => r.linkDelGroup(77))).code).toBe('ENODEV');
    await netnsDelete(sb);
  });

  it('a default route needs its link up and an address that reaches the gateway (ENETUNREACH before)', async () => {
    const r = rtnl(host);
    await r.linkAdd({ kind: 'veth', name: 'v0', peer: { name: 'v1' } });
    const dev = (await r.link('v0')).index;
    await r.addrAdd({ dev, address: '10.9.0.2/24' });
    const early = await failure(() => r.routeAdd({ gateway: '10.9.0.1', dev }));
    expect(early).toMatchObject({ code: 'ENETUNREACH', extack: 'Nexthop has invalid gateway' });
    await r.linkSet({ dev, up: true });
    await r.routeAdd({ gateway: '10.9.0.1', dev });
    expect(await r.routes({ table: 254 })).toContainEqual(
      expect.objectContaining({ dst: 'default', gateway: '10.9.0.1', dev }),
    );
    expect((await failure(() => r.routeAdd({ gateway: '10.9.0.1', dev }))).code).toBe('EEXIST');
  });
});

describe('nftables', () => {
  const T = { family: 'inet', table: 't' } as const;
  const key = ['inet_proto', 'inet_service'] as const;
  const data = ['ipv4_addr', 'inet_service'] as const;

  async function withMap(): Promise<void> {
    await nft(host).batch([
      { op: 'table.add', family: 'inet', name: 't' },
      { op: 'set.add', ...T, name: 'ports', key, data },
    ]);
  }

  it('a batch is atomic: one failing op, nothing of it applied, and the error names that op', async () => {
    await withMap();
    const err = await failure(() =>
      nft(host).batch([
        { op: 'element.add', ...T, set: 'ports', key, data, elements: [{ key: ['tcp', 80], data: ['10.0.0.2', 80] }] },
        { op: 'element.del', ...T, set: 'ports', key, elements: [{ key: ['tcp', 443] }] },
      ]),
    );
    expect(err).toMatchObject({ code: 'ENOENT', index: 1, op: 'element.del', object: 'inet t ports' });
    expect(await nft(host).elements({ ...T, set: 'ports' })).toEqual([]);
  });

  it('lists elements decoded; create refuses what exists, add does not; a clashing add is EEXIST', async () => {
    await withMap();
    const add = (verb: 'element.add' | 'element.create', port: number, to: number) =>
      nft(host).batch([
        { op: verb, ...T, set: 'ports', key, data, elements: [{ key: ['tcp', port], data: ['10.0.0.2', to] }] },
      ]);
    await add('element.add', 8080, 80);
    await add('element.add', 8080, 80);
    expect((await failure(() => add('element.create', 8080, 80))).code).toBe('EEXIST');
    expect((await failure(() => add('element.add', 8080, 81))).code).toBe('EEXIST');
    expect(await nft(host).elements({ ...T, set: 'ports' })).toEqual([{ key: ['tcp', 8080], data: ['10.0.0.2', 80] }]);
    expect(await nft(host).sets(T)).toMatchObject([{ name: 'ports', key, data, flags: ['map'] }]);
  });

  it('ENOENT for a missing table or set, EBUSY for a set a rule uses, EEXIST for table.create', async () => {
    expect((await failure(() => nft(host).batch([{ op: 'set.flush', ...T, name: 'x' }]))).code).toBe('ENOENT');
    await withMap();
    await nft(host).batch([
      { op: 'chain.add', ...T, name: 'c' },
      { op: 'set.add', ...T, name: 'names', key: ['ifname'] },
      { op: 'rule.add', ...T, chain: 'c', statements: [{ lookup: ['iifname'], set: 'names' }, { verdict: 'accept' }] },
    ]);
    expect((await failure(() => nft(host).batch([{ op: 'set.del', ...T, name: 'names' }]))).code).toBe('EBUSY');
    expect((await failure(() => nft(host).batch([{ op: 'table.create', family: 'inet', name: 't' }]))).code).toBe(
      'EEXIST',
    );
    const rules = await nft(host).rules(T);
    expect(rules).toHaveLength(1);
    expect(rules[0]?.exprs.some((e) => e.startsWith('lookup'))).toBe(true);
  });

  it('single-field intervals list as ranges; overlapping ones are refused', async () => {
    await nft(host).batch([
      { op: 'table.add', family: 'ip', name: 'm' },
      { op: 'set.add', family: 'ip', table: 'm', name: 'blocked', key: ['ipv4_addr'], flags: ['interval'] },
      {
        op: 'element.add',
        family: 'ip',
        table: 'm',
        set: 'blocked',
        key: ['ipv4_addr'],
        interval: true,
        elements: [{ key: ['10.1.0.0'], keyEnd: ['10.1.255.255'] }],
      },
    ]);
    expect(await nft(host).elements({ family: 'ip', table: 'm', set: 'blocked' })).toEqual([
      { key: ['10.1.0.0'], keyEnd: ['10.1.255.255'] },
    ]);
    const overlap = await failure(() =>
      nft(host).batch([
        {
          op: 'element.add',
          family: 'ip',
          table: 'm',
          set: 'blocked',
          key: ['ipv4_addr'],
          interval: true,
          elements: [{ key: ['10.1.2.0'], keyEnd: ['10.1.2.255'] }],
        },
      ]),
    );
    expect(overlap.code).toBe('EEXIST');
  });
});

describe('sysctls and ports', () => {
  it('reads and writes the defaults of a new namespace; an unknown key is ENOENT; ip_forward reaches every link', async () => {
    expect(await sysctlRead(host, 'net.ipv4.ip_forward')).toBe('0');
    await rtnl(host).linkAdd({ kind: 'bridge', name: 'br0' });
    await sysctlWrite(host, 'net.ipv4.ip_forward', 1);
    expect((await rtnl(host).link('br0')).inet?.forwarding).toBe(1);
    expect(await sysctlRead(host, 'net/ipv4/conf/br0/forwarding')).toBe('1');
    expect(await failure(() => sysctlRead(host, 'net.ipv4.nope'))).toMatchObject({ code: 'ENOENT', op: 'sysctl.read' });
    expect((await failure(() => sysctlWrite(host, 'net.ipv4.ip_forward', 'yes'))).code).toBe('EINVAL');
  });

  it('portBound reports a port a test marked held, and nothing else', async () => {
    const { portBound } = await import('../../lib/kernel/exec');
    expect(await portBound(host, 'tcp', '0.0.0.0', 8000, 8100)).toBe(0);
    fake.holdPort(host, 'tcp', 8080);
    expect(await portBound(host, 'tcp', '0.0.0.0', 8000, 8100)).toBe(8080);
    expect(await portBound(host, 'udp', '0.0.0.0', 8000, 8100)).toBe(0);
    expect((await failure(() => portBound(host, 'tcp', '10.9.9.9', 80))).code).toBe('EADDRNOTAVAIL');
  });

  it('what it does not model fails loudly, naming it', async () => {
    const { tcpListen } = await import('../../lib/kernel/exec');
    const err = await tcpListen(host, '0.0.0.0', 80).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidOpError);
    expect((err as InvalidOpError).reason).toContain('not modelled by the fake kernel');
    expect(await failure(() => rtnl(host).linkAdd({ kind: 'dummy', name: 'd0' }))).toMatchObject({
      code: 'EOPNOTSUPP',
      extack: 'Unknown device type',
    });
  });
});
