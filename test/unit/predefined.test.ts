// SPDX-License-Identifier: GPL-2.0-or-later
// The predefined networks as the registry lists them, and the switches that
// drop the default bridge: pure, no kernel.
import { describe, expect, it } from 'vitest';
import { PREDEFINED_NETWORKS as CLI_PREDEFINED, networkFilter } from '../../lib/cli/network-filter';
import { defaultBridgeWanted } from '../../lib/cnm/controller';
import { parseBridgeOptions } from '../../lib/drivers/bridge/options';
import { builtinDrivers, PREDEFINED_NETWORKS } from '../../lib/drivers/registry';

describe('predefined networks', () => {
  it('are Docker’s bridge, host and none, each of a built-in driver whose options it accepts', () => {
    expect(PREDEFINED_NETWORKS.map((n) => [n.name, n.driver])).toEqual([
      ['bridge', 'bridge'],
      ['host', 'host'],
      ['none', 'null'],
    ]);
    const drivers = new Map(builtinDrivers().map((d) => [d.type, d]));
    for (const n of PREDEFINED_NETWORKS) {
      const d = drivers.get(n.driver);
      expect(d, n.driver).toBeDefined();
      const parsed = d?.parseOptions({
        id: 'f'.repeat(64),
        name: n.name,
        options: n.options,
        internal: false,
        enableIPv6: false,
      });
      // Every option is one the driver knows (default_bridge included).
      expect(parsed?.unknown, n.name).toEqual({});
    }
    // Only the default bridge can be done without; host and none always exist.
    expect(PREDEFINED_NETWORKS.filter((n) => n.optional).map((n) => n.name)).toEqual(['bridge']);
  });

  it('the default bridge is cnm0 with Docker’s default-bridge options', () => {
    const bridge = PREDEFINED_NETWORKS[0];
    const o = parseBridgeOptions('f'.repeat(64), bridge?.options ?? {});
    expect(o).toMatchObject({
      bridgeName: 'cnm0',
      defaultBridge: true,
      icc: true,
      masquerade: true,
      hostBindingIpv4: '0.0.0.0',
      mtu: 1500,
    });
    expect(parseBridgeOptions('f'.repeat(64), {}).defaultBridge).toBe(false);
    expect(() => parseBridgeOptions('f'.repeat(64), { 'com.docker.network.bridge.default_bridge': 'maybe' })).toThrow(
      /default_bridge: "maybe" is not true or false/,
    );
  });

  it('the CLI’s builtin filter names the registry’s networks (and Docker’s "default")', () => {
    expect([...CLI_PREDEFINED].sort()).toEqual(['bridge', 'default', 'host', 'none']);
    const keep = networkFilter(['type=builtin']);
    const n = (name: string) => ({ id: 'a', name, driver: 'bridge', scope: 'local', labels: {}, endpoints: 0 });
    expect(['bridge', 'host', 'none', 'web'].filter((name) => keep(n(name)))).toEqual(['bridge', 'host', 'none']);
  });

  it('defaultBridge: the option wins, else CNM_DEFAULT_BRIDGE (0, false, no, off: none), else on', () => {
    expect(defaultBridgeWanted(undefined, undefined)).toBe(true);
    expect(defaultBridgeWanted(undefined, '1')).toBe(true);
    for (const off of ['0', 'false', 'FALSE', 'no', 'off', ' 0 '])
      expect(defaultBridgeWanted(undefined, off)).toBe(false);
    expect(defaultBridgeWanted(true, '0')).toBe(true);
    expect(defaultBridgeWanted(false, undefined)).toBe(false);
  });
});
