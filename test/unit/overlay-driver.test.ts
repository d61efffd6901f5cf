// SPDX-License-Identifier: GPL-2.0-or-later
// The overlay driver's options and VNI choice, without privileges (its data
// plane is tested on two simulated hosts in test/integration/overlay.test.ts).
import { describe, expect, it } from 'vitest';
import type { DriverNetwork } from '../../lib/drivers/driver';
import { parseOverlayOptions } from '../../lib/drivers/overlay/options';
import { overlayDriver } from '../../lib/drivers/overlay/overlay-driver';

const VNI = 'com.docker.network.driver.overlay.vxlanid_list';
const net = (options: Record<string, string> = {}) => ({
  id: 'n',
  name: 'ov',
  options,
  internal: false,
  enableIPv6: false,
  pools: [],
});
const withVni = (vni: number) => ({ ...net(), allocation: { vni: String(vni) } }) as unknown as DriverNetwork;

describe('overlay options', () => {
  it("read Docker's names, and refuse encryption this kernel cannot do", () => {
    expect(parseOverlayOptions({ [VNI]: '5000', 'com.docker.network.driver.mtu': '1400', x: 'kept' })).toEqual({
      vni: 5000,
      mtu: 1400,
      unknown: { x: 'kept' },
    });
    expect(() => parseOverlayOptions({ [VNI]: '0' })).toThrow(/CNM_INVALID_CONFIG/);
    expect(() => parseOverlayOptions({ [VNI]: '16777216' })).toThrow(/CNM_INVALID_CONFIG/);
    expect(() => parseOverlayOptions({ encrypted: '' })).toThrow(
      'CNM_NOT_SUPPORTED: options.encrypted: encrypted overlay networks need IPsec ESP (xfrm with esp4), which this kernel does not have',
    );
  });

  it('take the lowest VNI from 4096 no other overlay network has, or the one asked for if free', () => {
    const assign = overlayDriver.assignNetwork as NonNullable<typeof overlayDriver.assignNetwork>;
    expect(assign(net(), [])).toEqual({ vni: '4096' });
    expect(assign(net(), [withVni(4096), withVni(4098)])).toEqual({ vni: '4097' });
    expect(assign(net({ [VNI]: '7000' }), [withVni(4096)])).toEqual({ vni: '7000' });
    expect(() => assign(net({ [VNI]: '4096' }), [withVni(4096)])).toThrow(/VNI 4096 is in use/);
  });

  it('is global: its networks need a cluster store', () => {
    expect(overlayDriver.capabilities).toMatchObject({ dataScope: 'global', connectivityScope: 'global' });
  });
});
