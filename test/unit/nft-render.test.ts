// SPDX-License-Identifier: GPL-2.0-or-later
// nftables without privileges: the rendered batch against a golden file,
// value decoding, and ops refused before anything is sent.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidOpError } from '../../lib/errors';
import { nftEncode } from '../../lib/kernel/nft';
import type { NftOp } from '../../lib/kernel/nft-ops';
import { renderNft } from '../../lib/kernel/nft-render';
import { decodeValues, typesOfId } from '../../lib/kernel/nft-values';
import { fixtureBatch } from '../fixtures/nft-batch';

describe('nft rendering', () => {
  it('renders the fixture batch as the golden nft script', () => {
    const golden = readFileSync(new URL('./golden/nft-batch.nft', import.meta.url), 'utf8');
    expect(renderNft(fixtureBatch)).toBe(golden);
  });

  it('encodes every op of the fixture into one message each', () => {
    const msgs = nftEncode(fixtureBatch);
    expect(msgs).toHaveLength(fixtureBatch.length);
    for (const [m, ...more] of msgs) {
      expect(more).toEqual([]);
      expect(m?.readUInt32LE(0)).toBe(m?.length);
    }
  });

  it('splits 10,000 elements into messages whose element list stays under 64 KiB', () => {
    const elements = Array.from({ length: 10_000 }, (_, i) => ({
      key: ['0.0.0.0', 'tcp', 10_000 + i],
      data: ['172.17.0.2', 80],
    }));
    const [msgs] = nftEncode([
      {
        op: 'element.add',
        family: 'inet',
        table: 't',
        set: 'ports',
        key: ['ipv4_addr', 'inet_proto', 'inet_service'],
        data: ['ipv4_addr', 'inet_service'],
        elements,
      },
    ]);
    expect(msgs?.length).toBeGreaterThan(1);
    for (const m of msgs ?? []) expect(m.length).toBeLessThan(64 * 1024);
    expect((msgs ?? []).reduce((n, m) => n + m.length, 0)).toBeGreaterThan(10_000 * 40);
  });
});

describe('nft values', () => {
  it('decodes type ids of single and concatenated types', () => {
    expect(typesOfId(41)).toEqual(['ifname']);
    expect(typesOfId((41 << 6) | 41)).toEqual(['ifname', 'ifname']);
    expect(typesOfId((((7 << 6) | 12) << 6) | 13)).toEqual(['ipv4_addr', 'inet_proto', 'inet_service']);
    expect(typesOfId(63)).toEqual([]);
  });

  it('decodes element bytes', () => {
    expect(decodeValues(['ipv4_addr', 'inet_proto', 'inet_service'], '0a010101060000001f900000')).toEqual([
      '10.1.1.1',
      'tcp',
      8080,
    ]);
    expect(decodeValues(['ifname'], '62723000000000000000000000000000')).toEqual(['br0']);
    expect(decodeValues(['ipv6_addr'], 'fd000000000000000000000000000001')).toEqual(['fd00::1']);
    expect(decodeValues(['inet_service'], '0016')).toEqual([22]);
  });
});

describe('nft op validation', () => {
  const T = { family: 'inet', table: 't' } as const;
  it.each([
    [{ op: 'table.add', family: 'nope', name: 't' }, 'family'],
    [{ op: 'chain.add', ...T, name: 'c', type: 'filter' }, 'hook'],
    [{ op: 'chain.add', ...T, name: 'c', hook: 'sideways' }, 'hook'],
    [{ op: 'chain.add', ...T, name: 'c', policy: 'drop' }, 'policy'],
    [{ op: 'rule.add', ...T, chain: 'c', statements: [{ match: 'ip saddr', value: 'fd00::1' }] }, 'statements.0.value'],
    [{ op: 'rule.add', ...T, chain: 'c', statements: [{ match: 'nope', value: 1 }] }, 'statements.0.match'],
    [{ op: 'rule.add', ...T, chain: 'c', statements: [{ verdict: 'jump' }] }, 'statements.0.chain'],
    [{ op: 'rule.add', ...T, chain: 'c', statements: [{ match: 'ct state', value: ['weird'] }] }, 'statements.0.value'],
    [
      { op: 'rule.add', ...T, chain: 'c', statements: [{ nat: 'dnat', family: 'ip', address: '10.0.0.1', port: 80 }] },
      'statements',
    ],
    [{ op: 'rule.del', ...T, chain: 'c' }, 'handle'],
    [{ op: 'set.add', ...T, name: 's', key: ['bogus'] }, 'key'],
    [{ op: 'set.add', ...T, name: 's', key: ['ifname'], flags: ['sparkly'] }, 'flags'],
    [{ op: 'element.add', ...T, set: 's', key: ['inet_service'], elements: [{ key: [70000] }] }, 'elements.0.key'],
    [
      { op: 'element.add', ...T, set: 's', key: ['ifname'], data: ['ipv4_addr'], elements: [{ key: ['br0'] }] },
      'elements.0.data',
    ],
    [
      { op: 'element.add', ...T, set: 's', key: ['ipv4_addr', 'ifname'], elements: [{ key: ['10.0.0.1'] }] },
      'elements.0.key',
    ],
  ])('refuses %j (field %s)', (op, field) => {
    let error: unknown;
    try {
      nftEncode([op as unknown as NftOp]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidOpError);
    expect((error as InvalidOpError).field).toBe(field);
  });
});
