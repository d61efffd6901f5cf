// SPDX-License-Identifier: GPL-2.0-or-later
// Regressions of what the fuzz targets and the sanitizer build found
// (docs/native-robustness.md): malformed replies are refused, never read
// past; ops that would overflow a message are refused before anything is
// built. Under `npm run test:sanitize` these run against the ASan build, so
// a read or write out of bounds fails them. No privileges.
import { describe, expect, it } from 'vitest';
import { InvalidOpError } from '../../lib/errors';
import { nftEncode } from '../../lib/kernel/nft';
import type { NftOp } from '../../lib/kernel/nft-ops';
import type { RtnlOp } from '../../lib/kernel/ops';
import { rtnlEncode, rtnlParse } from '../../lib/kernel/rtnl';

const RTM_NEWLINK = 16;
const RTM_NEWADDR = 20;

/** A netlink header claiming `length` bytes and `type`, at the start of `size` bytes. */
function message(size: number, length: number, type: number): Buffer {
  const b = Buffer.alloc(size);
  b.writeUInt32LE(length, 0);
  b.writeUInt16LE(type, 4);
  return b;
}

function refusal(encode: () => unknown): InvalidOpError {
  try {
    encode();
  } catch (e) {
    if (e instanceof InvalidOpError) return e;
    throw e;
  }
  throw new Error('accepted');
}

describe('malformed replies', () => {
  it('parses nothing out of a buffer too short for a header', () => {
    expect(rtnlParse([Buffer.alloc(0), Buffer.alloc(15), message(16, 16, RTM_NEWLINK)])).toEqual([null, null, null]);
  });

  it('reads no attribute past a length below the family header (it wrapped around)', () => {
    // nlmsg_len 16 leaves no room for ifinfomsg; the "attribute" at 32 must not be read.
    const b = message(40, 16, RTM_NEWLINK);
    b.writeUInt16LE(8, 32);
    b.writeUInt16LE(3, 34); // IFLA_IFNAME
    b.write('abc', 36);
    expect(rtnlParse([b])).toEqual([null]);
  });

  it('reads no address out of an attribute too short to hold one', () => {
    const b = message(32, 32, RTM_NEWADDR);
    b.writeUInt8(10, 16); // AF_INET6
    b.writeUInt16LE(5, 24); // IFA_ADDRESS, one byte of sixteen
    b.writeUInt16LE(1, 26);
    const [addr] = rtnlParse([b]) as [{ address?: string } | null];
    expect(addr).not.toBeNull();
    expect(addr?.address ?? '').toBe('');
  });
});

describe('ops that would overflow a message', () => {
  const T = { family: 'inet', table: 't', chain: 'c' } as const;

  it('refuses a rule of more expressions than the kernel takes, instead of writing past its buffer', () => {
    const e = refusal(() =>
      nftEncode([
        { op: 'rule.add', ...T, statements: Array.from({ length: 5000 }, () => ({ counter: true })) } as NftOp,
      ]),
    );
    expect(e.reason).toContain('at most 128 expressions');
    const jumps = (n: number) => Array.from({ length: n }, () => ({ verdict: 'jump', chain: 'c'.repeat(255) }));
    expect(nftEncode([{ op: 'rule.add', ...T, statements: jumps(128) } as NftOp])).toHaveLength(1);
    expect(refusal(() => nftEncode([{ op: 'rule.add', ...T, statements: jumps(129) } as NftOp])).index).toBe(0);
  });

  it('refuses an element comment nft could not store, instead of dropping it', () => {
    const op = {
      op: 'element.add',
      ...T,
      set: 's',
      key: ['ifname'],
      elements: [{ key: 'br0', comment: 'c'.repeat(129) }],
    };
    expect(refusal(() => nftEncode([op as unknown as NftOp])).field).toBe('elements.0.comment');
  });

  it('refuses strings whose attribute length would wrap around 16 bits', () => {
    const label = refusal(() =>
      rtnlEncode([{ op: 'addr.add', dev: 2, address: '10.0.0.1/24', label: 'x'.repeat(70_000) }]),
    );
    expect(label.field).toBe('label');
    const kind = refusal(() => rtnlEncode([{ op: 'link.dump', kind: 'x'.repeat(70_000) } as RtnlOp]));
    expect(kind.field).toBe('kind');
    expect(rtnlEncode([{ op: 'addr.add', dev: 2, address: '10.0.0.1/24', label: 'eth0:1' }])).toHaveLength(1);
  });
});
