// SPDX-License-Identifier: GPL-2.0-or-later
/** The overlay driver's options, with Docker's names, checked before anything is recorded. */
import { CnmError } from '../../errors';
import type { DriverOptionSpec } from '../driver';
import { parseOptionsBySpec } from '../options';

/** The lowest VNI handed out, as Docker's overlay starts (4,096 and below are left to others). */
export const FIRST_VNI = 4096;
/** VXLAN's 24 bits. */
export const LAST_VNI = 16_777_215;

/** The options the overlay driver takes, by Docker's label names. */
export const OVERLAY_OPTION_SPECS = {
  vni: {
    name: 'com.docker.network.driver.overlay.vxlanid_list',
    type: 'integer',
    min: 1,
    max: LAST_VNI,
    description: "the network's VXLAN id (default: the lowest free one from 4096, chosen across the cluster)",
  },
  encrypted: {
    name: 'encrypted',
    type: 'string',
    description: 'encrypt the VXLAN traffic with IPsec ESP (not in this kernel: refused)',
  },
  mtu: {
    name: 'com.docker.network.driver.mtu',
    type: 'integer',
    min: 68,
    max: 65_535,
    description: "the MTU of the network (default: the underlay link's, less 50 for VXLAN)",
  },
} as const satisfies Record<string, DriverOptionSpec>;

/** The overlay driver's options, typed. */
export interface OverlayOptions {
  readonly vni?: number;
  readonly mtu?: number;
  readonly unknown: Readonly<Record<string, string>>;
}

/**
 * Reads and checks the options.
 *
 * @example
 * ```ts
 * parseOverlayOptions({ 'com.docker.network.driver.overlay.vxlanid_list': '5000' })   // { vni: 5000, unknown: {} }
 * ```
 */
export function parseOverlayOptions(options: Readonly<Record<string, string>>): OverlayOptions {
  const { known, unknown } = parseOptionsBySpec('overlay', OVERLAY_OPTION_SPECS, options);
  if (known.encrypted !== undefined) {
    // Docker's overlay encrypts with IPsec ESP in transport mode (xfrm): this kernel has no ESP.
    throw new CnmError(
      'CNM_NOT_SUPPORTED',
      'options.encrypted: encrypted overlay networks need IPsec ESP (xfrm with esp4), which this kernel does not have',
    );
  }
  return {
    ...(known.vni !== undefined ? { vni: Number(known.vni) } : {}),
    ...(known.mtu !== undefined ? { mtu: Number(known.mtu) } : {}),
    unknown,
  };
}
