// SPDX-License-Identifier: GPL-2.0-or-later
// The choice of a sandbox's default-route carrier, as libnetwork makes it,
// and the route ops that move it.
import { describe, expect, it } from 'vitest';
import { chooseGateway, defaultRouteOps, type GatewayCandidate } from '../../lib/cnm/gateway';

const c = (over: Partial<GatewayCandidate> & { endpointId: string }): GatewayCandidate => ({
  networkName: over.endpointId,
  ifname: 'eth0',
  gateway: { ipv4: '10.0.0.1' },
  priority: 0,
  ...over,
});

describe('chooseGateway', () => {
  it('takes the network whose name sorts first at equal priority', () => {
    expect(
      chooseGateway([c({ endpointId: 'z', networkName: 'n-zzz' }), c({ endpointId: 'a', networkName: 'n-aaa' })])
        ?.endpointId,
    ).toBe('a');
  });
  it('never takes an endpoint without a gateway (internal networks, null, host)', () => {
    expect(chooseGateway([c({ endpointId: 'i', networkName: 'a', gateway: undefined })])).toBeUndefined();
    expect(
      chooseGateway([c({ endpointId: 'i', networkName: 'a', gateway: {} }), c({ endpointId: 'z' })])?.endpointId,
    ).toBe('z');
  });
  it('puts priority before names, and dual stack before IPv6 only before IPv4 only', () => {
    expect(chooseGateway([c({ endpointId: 'a' }), c({ endpointId: 'z', priority: 1 })])?.endpointId).toBe('z');
    const v4 = c({ endpointId: 'a' });
    const v6 = c({ endpointId: 'b', gateway: { ipv6: 'fd00::1' } });
    const both = c({ endpointId: 'c', gateway: { ipv4: '10.0.0.1', ipv6: 'fd00::1' } });
    expect(chooseGateway([v4, v6, both])?.endpointId).toBe('c');
    expect(chooseGateway([v4, v6])?.endpointId).toBe('b');
  });
  it('lets gatewayEndpoint true win over everything and false opt out', () => {
    expect(
      chooseGateway([c({ endpointId: 'a', priority: 9 }), c({ endpointId: 'z', preference: true })])?.endpointId,
    ).toBe('z');
    expect(chooseGateway([c({ endpointId: 'a', preference: false }), c({ endpointId: 'z' })])?.endpointId).toBe('z');
  });
});

describe('defaultRouteOps', () => {
  it('replaces the routes of each family offered and drops a family only the old carrier had', () => {
    const old = c({ endpointId: 'o', gateway: { ipv4: '10.0.0.1', ipv6: 'fd00::1' } });
    const next = c({ endpointId: 'n', gateway: { ipv4: '10.1.0.1' } });
    expect(defaultRouteOps(next, 3, old)).toEqual([
      { op: 'route.replace', gateway: '10.1.0.1', dev: 3 },
      { op: 'route.del', family: 6 },
    ]);
    expect(defaultRouteOps(next, 3, undefined)).toEqual([{ op: 'route.replace', gateway: '10.1.0.1', dev: 3 }]);
  });
});
