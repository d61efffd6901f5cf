// SPDX-License-Identifier: GPL-2.0-or-later
// cnm's ruleset without privileges: the ensure batch against a golden nft
// script, and the element ops of networks and port mappings.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { networkOps, portMappingOps, subnetRange } from '../../lib/firewall/nftables/elements';
import { ensureRulesetOps, USER_CHAIN } from '../../lib/firewall/nftables/ruleset';
import { nftEncode } from '../../lib/kernel/nft';
import { renderNft } from '../../lib/kernel/nft-render';

describe('ensure the ruleset', () => {
  it('renders as the golden script', () => {
    const golden = readFileSync(new URL('./golden/cnm-ruleset.nft', import.meta.url), 'utf8');
    expect(renderNft(ensureRulesetOps())).toBe(golden);
  });

  it('adds the user chain but never flushes or deletes it', () => {
    const ops = ensureRulesetOps();
    expect(ops).toContainEqual(expect.objectContaining({ op: 'chain.add', name: USER_CHAIN }));
    const touching = ops.filter((o) => 'name' in o && o.name === USER_CHAIN && o.op !== 'chain.add');
    expect(touching).toEqual([]);
    expect(ops.some((o) => o.op === 'table.del' || o.op === 'table.flush' || o.op === 'set.flush')).toBe(false);
  });

  it('encodes (every op passes validation)', () => {
    expect(nftEncode(ensureRulesetOps())).toHaveLength(ensureRulesetOps().length);
  });
});

describe('elements', () => {
  it('turns subnets into first and last addresses', () => {
    expect(subnetRange('172.18.0.0/16')).toEqual(['172.18.0.0', '172.18.255.255']);
    expect(subnetRange('10.1.2.3/24')).toEqual(['10.1.2.0', '10.1.2.255']);
    expect(subnetRange('fd00:a::/64')).toEqual(['fd00:a:0:0:0:0:0:0', 'fd00:a:0:0:ffff:ffff:ffff:ffff']);
  });

  it('expresses a network as set elements, masquerade and internal as membership', () => {
    const ops = networkOps('add', {
      bridge: 'br-x',
      subnets: ['10.5.0.0/16', 'fd05::/64'],
      masquerade: true,
      internal: false,
    });
    expect(renderNft(ops)).toBe(
      [
        'add element inet cnm bridges { "br-x" }',
        'add element inet cnm intra { "br-x" . "br-x" }',
        'add element inet cnm nets4 { 10.5.0.0-10.5.255.255 . "br-x" }',
        'add element inet cnm masq4 { 10.5.0.0-10.5.255.255 . "br-x" }',
        'add element inet cnm nets6 { fd05:0:0:0:0:0:0:0-fd05:0:0:0:ffff:ffff:ffff:ffff . "br-x" }',
        'add element inet cnm masq6 { fd05:0:0:0:0:0:0:0-fd05:0:0:0:ffff:ffff:ffff:ffff . "br-x" }',
        '',
      ].join('\n'),
    );
    const internal = networkOps('del', { bridge: 'br-i', subnets: ['10.6.0.0/24'], masquerade: true, internal: true });
    expect(renderNft(internal)).toBe(
      [
        'delete element inet cnm bridges { "br-i" }',
        'delete element inet cnm intra { "br-i" . "br-i" }',
        'delete element inet cnm internal { "br-i" }',
        'delete element inet cnm nets4 { 10.6.0.0-10.6.0.255 . "br-i" }',
        '',
      ].join('\n'),
    );
  });

  it('refuses [::1] (no route_localnet for IPv6) and mixed families', () => {
    const base = { proto: 'tcp', hostPort: 80, containerPort: 80 } as const;
    expect(() => portMappingOps('add', { ...base, hostIp: '::1', containerIp: 'fd00::2' })).toThrow(
      /CNM_NOT_SUPPORTED/,
    );
    expect(() => portMappingOps('add', { ...base, hostIp: '10.0.0.1', containerIp: 'fd00::2' })).toThrow(
      /CNM_INVALID_CONFIG/,
    );
  });

  it('publishes one port, a shifted range port by port, and a same-port range as one interval', () => {
    const one = portMappingOps('add', {
      proto: 'udp',
      hostIp: '10.0.0.1',
      hostPort: 53,
      containerIp: '172.18.0.2',
      containerPort: 5353,
    });
    expect(renderNft(one)).toBe('add element inet cnm ports4 { 10.0.0.1 . udp . 53 : 172.18.0.2 . 5353 }\n');
    const shifted = portMappingOps('add', {
      proto: 'tcp',
      hostPort: 9000,
      hostPortEnd: 9001,
      containerIp: '172.18.0.2',
      containerPort: 7000,
      containerPortEnd: 7001,
    });
    expect(renderNft(shifted)).toBe(
      'add element inet cnm ports4any { tcp . 9000 : 172.18.0.2 . 7000, tcp . 9001 : 172.18.0.2 . 7001 }\n',
    );
    const same = portMappingOps('add', {
      proto: 'sctp',
      hostIp: '::',
      hostPort: 8000,
      hostPortEnd: 8100,
      containerIp: 'fd00::2',
      containerPort: 8000,
      containerPortEnd: 8100,
    });
    expect(renderNft(same)).toBe('add element inet cnm ranges6any { sctp . 8000-8100 : fd00::2 }\n');
  });
});
