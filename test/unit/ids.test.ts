// SPDX-License-Identifier: GPL-2.0-or-later
// Ids the type checker tells apart (checked by tsc, which runs over test/).
import { describe, expect, it } from 'vitest';
import type { NetworkId, SandboxId } from '../../lib/cnm/ids';

describe('branded ids', () => {
  it('a network id is not a sandbox id to the type checker', () => {
    const take = (id: SandboxId) => id;
    const net = '0'.repeat(64) as NetworkId;
    // @ts-expect-error a NetworkId is not a SandboxId
    expect(take(net)).toBe(net);
    const plain: string = net; // and every id is still a string
    expect(plain).toHaveLength(64);
  });
});
