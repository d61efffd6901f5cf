// SPDX-License-Identifier: GPL-2.0-or-later
// The macvlan driver without a kernel: its options and refusals, the rules
// for networks sharing a parent, and the ops of a join, compared with what
// iproute2 sends for the same command. No privileges.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DriverNetwork, NetworkPool } from '../../lib/drivers/driver';
import { macvlanDriver, macvlanJoinPlan } from '../../lib/drivers/macvlan/macvlan-driver';
import { dummyParentName, parseMacvlanOptions, vlanParent } from '../../lib/drivers/macvlan/options';
import { checkShared, dummyParentOps, vlanParentOps } from '../../lib/drivers/macvlan/parent';
import { builtinDrivers } from '../../lib/drivers/registry';
import { CnmError } from '../../lib/errors';
import type { LinkAddOp, RtnlOp } from '../../lib/kernel/ops';
import { rtnlEncode } from '../../lib/kernel/rtnl';

const golden: { name: string; hex: string }[] = JSON.parse(
  readFileSync(new URL('./golden/rtnl.json', import.meta.url), 'utf8'),
);

/** Sequence number and port id differ by sender; everything else must not. */
function bytes(op: RtnlOp): string {
  const [encoded] = rtnlEncode([op]);
  const copy = Buffer.from(encoded as Buffer);
  copy.fill(0, 8, 16);
  return copy.toString('hex');
}
function goldenBytes(name: string): string {
  const g = golden.find((x) => x.name === name);
  if (!g) throw new Error(`no golden message ${name}`);
  const copy = Buffer.from(g.hex, 'hex');
  copy.fill(0, 8, 16);
  return copy.toString('hex');
}

function refused(run: () => unknown): CnmError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(CnmError);
    return e as CnmError;
  }
  throw new Error('not refused');
}

const pool = (subnet: string, gateway: string): NetworkPool => ({
  family: subnet.includes(':') ? 6 : 4,
  subnet,
  gateway,
  auxAddresses: {},
});

function network(
  id: string,
  options: Record<string, string>,
  pools: NetworkPool[] = [pool('192.168.50.0/24', '192.168.50.1')],
  o: Partial<DriverNetwork> = {},
): DriverNetwork {
  return {
    id,
    name: `net-${id}`,
    options,
    internal: false,
    enableIPv6: false,
    pools,
    linkGroup: 77,
    allocation: {},
    state: {},
    ...o,
  };
}

describe('macvlan options', () => {
  it('reads parent and macvlan_mode by their Docker names, bridge by default, unknown options kept', () => {
    expect(parseMacvlanOptions({ parent: 'eth0' })).toEqual({ parent: 'eth0', mode: 'bridge', unknown: {} });
    for (const mode of ['bridge', 'private', 'vepa', 'passthru']) {
      expect(parseMacvlanOptions({ parent: 'eth0', macvlan_mode: mode }).mode).toBe(mode);
    }
    expect(parseMacvlanOptions({ foo: 'bar' })).toEqual({ mode: 'bridge', unknown: { foo: 'bar' } });
    const parsed = macvlanDriver.parseOptions({
      id: 'a',
      name: 'a',
      options: { parent: 'lan0', macvlan_mode: 'vepa', 'com.example.x': '1' },
      internal: false,
      enableIPv6: false,
    });
    expect(parsed).toEqual({
      driver: 'macvlan',
      known: { parent: 'lan0', mode: 'vepa' },
      unknown: { 'com.example.x': '1' },
    });
  });

  it('refuses a mode it does not have (source, ipvlan words) and a parent that is no interface name', () => {
    for (const mode of ['source', 'l2', 'BRIDGE', '']) {
      const e = refused(() => parseMacvlanOptions({ macvlan_mode: mode }));
      expect(e.code).toBe('CNM_INVALID_CONFIG');
      expect(e.message).toContain('options.macvlan_mode');
    }
    for (const parent of ['a-name-longer-than-15', 'eth/0', 'eth 0', '']) {
      const e = refused(() => parseMacvlanOptions({ parent }));
      expect(e.code).toBe('CNM_INVALID_CONFIG');
      expect(e.message).toContain('options.parent');
    }
  });

  it('reads IF.VID as an 802.1q sub-interface, refusing a VLAN id outside 1-4094', () => {
    expect(vlanParent('eth0.10')).toEqual({ base: 'eth0', vlanId: 10 });
    expect(vlanParent('bond0.4094')).toEqual({ base: 'bond0', vlanId: 4094 });
    expect(vlanParent('eth0')).toBeUndefined();
    for (const p of ['eth0.0', 'eth0.4095', 'br.lan', 'eth0.-1', 'eth0.1e1']) {
      const e = refused(() => vlanParent(p));
      expect(e.code).toBe('CNM_INVALID_CONFIG');
      expect(e.message).toContain(p);
    }
  });

  it("names a missing parent's dummy as Docker does", () => {
    expect(dummyParentName('0123456789abcdef0123')).toBe('dm-0123456789ab');
  });
});

describe('networks sharing a parent', () => {
  const a = network('aaaa', { parent: 'lan0' });
  it('lets several bridge, private or vepa networks share one parent on distinct subnets', () => {
    const b = network('bbbb', { parent: 'lan0', macvlan_mode: 'private' }, [pool('192.168.60.0/24', '192.168.60.1')]);
    expect(() => checkShared(b, [a])).not.toThrow();
    expect(() => macvlanDriver.checkNetwork?.(b, [a, b])).not.toThrow();
  });

  it('refuses a passthru network on a parent in use, and any network on a passthru network’s parent', () => {
    const p = network('pppp', { parent: 'lan0', macvlan_mode: 'passthru' }, [pool('10.9.0.0/24', '10.9.0.1')]);
    const e1 = refused(() => checkShared(p, [a]));
    expect(e1.code).toBe('CNM_INVALID_CONFIG');
    expect(e1.message).toContain('lan0');
    expect(e1.message).toContain(a.name);
    const c = network('cccc', { parent: 'lan0' }, [pool('10.8.0.0/24', '10.8.0.1')]);
    const e2 = refused(() => checkShared(c, [p]));
    expect(e2.code).toBe('CNM_INVALID_CONFIG');
    expect(e2.message).toContain(`passthru network ${p.name}`);
    // On another parent, passthru is alone and fine.
    expect(() => checkShared(network('dddd', { parent: 'lan1', macvlan_mode: 'passthru' }), [a])).not.toThrow();
  });

  it('judges the parent by what a network was created with (its state) before its options', () => {
    const made = network('eeee', { parent: 'lan9' }, undefined, {
      state: { parent: 'lan0', mode: 'passthru', createdParent: false, dummy: false },
    });
    expect(refused(() => checkShared(network('ffff', { parent: 'lan0' }, []), [made])).code).toBe('CNM_INVALID_CONFIG');
  });

  it('refuses a subnet overlapping another network on the same parent, not on another parent', () => {
    for (const subnet of ['192.168.50.0/24', '192.168.50.128/25', '192.168.0.0/16']) {
      const e = refused(() => checkShared(network('bbbb', { parent: 'lan0' }, [pool(subnet, '192.168.50.1')]), [a]));
      expect(e.code).toBe('CNM_SUBNET_OVERLAP');
      expect(e.message).toContain(subnet);
      expect(e.message).toContain('lan0');
    }
    expect(() => checkShared(network('bbbb', { parent: 'lan1' }), [a])).not.toThrow();
    const v6a = network('a6', { parent: 'lan0' }, [pool('fd00:1::/64', 'fd00:1::1')]);
    const v6b = network('b6', { parent: 'lan0' }, [pool('fd00:1::/48', 'fd00:1::1')]);
    expect(refused(() => checkShared(v6b, [v6a])).code).toBe('CNM_SUBNET_OVERLAP');
    // Families never overlap each other.
    expect(() => checkShared(v6b, [a])).not.toThrow();
  });

  it('never shares the dummy parent of networks given none', () => {
    const x = network('xxxx', {});
    const y = network('yyyy', {}, [pool('192.168.50.0/24', '192.168.50.1')]);
    expect(() => checkShared(y, [x])).not.toThrow();
  });
});

describe('the join plan', () => {
  const sandbox = { dir: '/run/cnm/netns', name: 'sb1' };
  const ep = { id: 'ep1', mac: '02:42:0a:00:00:02' };

  it('makes the child in the sandbox, named, with the endpoint MAC and the parent MTU, then quiet and up', () => {
    const net = network('aaaa', { parent: 'lan0', macvlan_mode: 'private' }, undefined, {
      state: { parent: 'lan0', mode: 'private', createdParent: false, dummy: false },
    });
    const plan = macvlanJoinPlan(net, { index: 2, mtu: 1500 }, ep, { sandbox, ifname: 'eth1' });
    expect(plan).toEqual({
      state: {},
      host: [
        {
          op: 'link.add',
          kind: 'macvlan',
          name: 'eth1',
          link: 2,
          mode: 'private',
          address: '02:42:0a:00:00:02',
          mtu: 1500,
          netns: sandbox,
        },
      ],
      sandbox: [
        { op: 'link.set', dev: 'eth1', addrGenMode: 'none', inet: { arp_notify: 1 } },
        { op: 'link.set', dev: 'eth1', up: true },
      ],
      gateway: { ipv4: '192.168.50.1' },
    });
    expect(plan.hostIfname).toBeUndefined();
    // Byte for byte what `ip link add eth1 link br0 mtu 1500 address ... type macvlan mode private` sends,
    // but for the namespace (IFLA_NET_NS_FD), whose fd differs by process.
    const { netns: _, ...inHost } = plan.host[0] as LinkAddOp;
    expect(bytes(inHost as RtnlOp)).toBe(goldenBytes('macvlan-endpoint'));
  });

  it('offers the pool gateways (both families) unless the network is internal or its parent a dummy', () => {
    const pools = [pool('192.168.50.0/24', '192.168.50.1'), pool('fd00:50::/64', 'fd00:50::1')];
    const s = { parent: 'lan0', mode: 'bridge', createdParent: false, dummy: false };
    const link = { index: 3, mtu: 9000 };
    const req = { sandbox, ifname: 'eth0' };
    expect(macvlanJoinPlan(network('a', {}, pools, { state: s }), link, ep, req).gateway).toEqual({
      ipv4: '192.168.50.1',
      ipv6: 'fd00:50::1',
    });
    expect(macvlanJoinPlan(network('a', {}, pools, { state: s, internal: true }), link, ep, req)).not.toHaveProperty(
      'gateway',
    );
    const dummy = { ...s, parent: 'dm-a', dummy: true, createdParent: true };
    expect(macvlanJoinPlan(network('a', {}, pools, { state: dummy }), link, ep, req)).not.toHaveProperty('gateway');
    expect(macvlanJoinPlan(network('a', {}, pools, { state: s }), link, ep, req).host[0]).toMatchObject({ mtu: 9000 });
  });

  it('sends no MAC in passthru mode (the child takes the parent’s)', () => {
    const net = network('p', { parent: 'lan0', macvlan_mode: 'passthru' });
    const [add] = macvlanJoinPlan(net, { index: 2, mtu: 1500 }, ep, { sandbox, ifname: 'eth1' }).host;
    expect(add).not.toHaveProperty('address');
    const { netns: _, ...inHost } = add as LinkAddOp;
    expect(bytes(inHost as RtnlOp)).toBe(goldenBytes('macvlan-passthru'));
  });
});

describe('parents cnm makes', () => {
  it('an 802.1q sub-interface: the bytes iproute2 sends for `ip link add br0.10 link br0 type vlan id 10`', () => {
    const ops = vlanParentOps('br0.10', 2, 10);
    expect(bytes(ops[0] as RtnlOp)).toBe(goldenBytes('vlan-subif'));
    expect(ops.slice(1)).toEqual([
      { op: 'link.set', dev: 'br0.10', addrGenMode: 'none' },
      { op: 'link.set', dev: 'br0.10', up: true },
    ]);
  });

  it('a dummy: the bytes of `ip link add d0 type dummy`', () => {
    expect(bytes(dummyParentOps('d0')[0] as RtnlOp)).toBe(goldenBytes('dummy'));
  });
});

describe('the driver', () => {
  it('is registered in place of the placeholder, local, with addresses and no published ports', () => {
    const d = builtinDrivers().find((x) => x.type === 'macvlan');
    expect(d).toBe(macvlanDriver);
    expect(macvlanDriver.capabilities).toEqual({
      dataScope: 'local',
      connectivityScope: 'local',
      addresses: true,
      publishesPorts: false,
      exclusive: false,
    });
    expect(macvlanDriver.options.map((o) => o.name)).toEqual(['parent', 'macvlan_mode']);
    expect(macvlanDriver.plannedJoin(network('a', { parent: 'lan0' }), { id: 'e', mac: '02:00:00:00:00:01' })).toEqual({
      state: {},
    });
  });

  it('still refuses ipvlan, saying why', () => {
    const d = builtinDrivers().find((x) => x.type === 'ipvlan');
    const e = refused(() => d?.parseOptions({ id: 'a', name: 'a', options: {}, internal: false, enableIPv6: false }));
    expect(e.code).toBe('CNM_NOT_SUPPORTED');
    expect(e.message).toContain('ipvlan');
  });
});
