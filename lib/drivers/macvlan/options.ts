// SPDX-License-Identifier: GPL-2.0-or-later
/** The macvlan driver's options, with Docker's names, checked before anything is made. */
import { CnmError } from '../../errors';
import type { DriverOptionSpec } from '../driver';
import { parseOptionsBySpec } from '../options';

/** How children of one parent reach each other (`ip link add ... type macvlan mode MODE`). */
export const MACVLAN_MODES = ['bridge', 'private', 'vepa', 'passthru'] as const;
/** One of {@link MACVLAN_MODES}. */
export type MacvlanMode = (typeof MACVLAN_MODES)[number];

/** The options the macvlan driver takes, by Docker's label names. */
export const MACVLAN_OPTION_SPECS = {
  parent: {
    name: 'parent',
    type: 'ifname',
    description:
      'the host link the network sits on (`eth0`); `IF.VID` makes an 802.1q sub-interface of IF; none: a dummy link `dm-<id>`',
  },
  mode: {
    name: 'macvlan_mode',
    type: 'string',
    values: MACVLAN_MODES,
    description:
      'bridge (default): children of the parent reach each other; private: they do not; vepa: through the switch; passthru: one child owns the parent',
  },
} as const satisfies Record<string, DriverOptionSpec>;

/** An 802.1q sub-interface `parent=IF.VID` names: cnm creates it when it does not exist. */
export interface VlanParent {
  readonly base: string;
  readonly vlanId: number;
}

/** The macvlan driver's options, typed. */
export interface MacvlanOptions {
  /** Undefined: no parent given (Docker makes a dummy one). */
  readonly parent?: string;
  readonly mode: MacvlanMode;
  /** Options the driver does not know: kept and shown, as Docker does. */
  readonly unknown: Readonly<Record<string, string>>;
}

/**
 * Reads and checks the options.
 *
 * @example
 * ```ts
 * parseMacvlanOptions({ parent: 'eth0', macvlan_mode: 'private' })
 * // { parent: 'eth0', mode: 'private', unknown: {} }
 * // docker network create -d macvlan -o parent=eth0 -o macvlan_mode=private ...
 * ```
 */
export function parseMacvlanOptions(options: Readonly<Record<string, string>>): MacvlanOptions {
  const { known, unknown } = parseOptionsBySpec('macvlan', MACVLAN_OPTION_SPECS, options);
  return {
    ...(known.parent !== undefined ? { parent: known.parent } : {}),
    mode: (known.mode as MacvlanMode | undefined) ?? 'bridge',
    unknown,
  };
}

/**
 * The base link and VLAN id of a parent named `IF.VID` (as Docker reads
 * it), or undefined for a name without a dot. Asked only when no link has
 * that name (an existing `br.lan` is just a parent); a VID that is not a
 * number from 1 to 4094 is refused.
 *
 * @example
 * ```ts
 * vlanParent('eth0.10')  // { base: 'eth0', vlanId: 10 }
 * vlanParent('eth0')     // undefined
 * ```
 */
export function vlanParent(parent: string): VlanParent | undefined {
  const m = /^(.+)\.([^.]+)$/.exec(parent);
  if (!m?.[1] || m[2] === undefined) return undefined;
  const vlanId = Number(m[2]);
  if (!/^\d+$/.test(m[2]) || vlanId < 1 || vlanId > 4094) {
    throw new CnmError(
      'CNM_INVALID_CONFIG',
      `options.parent: "${parent}" names an 802.1q sub-interface (IF.VID), but "${m[2]}" is not a VLAN id from 1 to 4094`,
    );
  }
  return { base: m[1], vlanId };
}

/** The dummy parent Docker makes for a network given none: `dm-` and the id's first 12 characters. */
export function dummyParentName(networkId: string): string {
  return `dm-${networkId.slice(0, 12)}`;
}
