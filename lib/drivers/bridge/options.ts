// SPDX-License-Identifier: GPL-2.0-or-later
/** The bridge driver's options, with Docker's names, checked before anything is made. */
import { isIP } from 'node:net';
import { CnmError } from '../../errors';

export const BRIDGE_OPTIONS = {
  name: 'com.docker.network.bridge.name',
  icc: 'com.docker.network.bridge.enable_icc',
  masquerade: 'com.docker.network.bridge.enable_ip_masquerade',
  hostBindingIpv4: 'com.docker.network.bridge.host_binding_ipv4',
  mtu: 'com.docker.network.driver.mtu',
  ifacePrefix: 'com.docker.network.container_iface_prefix',
} as const;

export interface BridgeOptions {
  readonly bridgeName: string;
  readonly icc: boolean;
  readonly masquerade: boolean;
  readonly hostBindingIpv4?: string;
  readonly mtu?: number;
  readonly ifacePrefix: string;
}

const KNOWN = new Set<string>(Object.values(BRIDGE_OPTIONS));

function bool(options: Readonly<Record<string, string>>, key: string, fallback: boolean): boolean {
  const v = options[key];
  if (v === undefined) return fallback;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new CnmError('CNM_INVALID_CONFIG', `options.${key}: "${v}" is not true or false`);
}

/** A valid Linux interface name: 1–15 bytes, no '/', ':' or white space. */
export function checkIfname(name: string, field: string): void {
  if (!name || Buffer.byteLength(name) > 15 || /[/:\s]/.test(name) || name === '.' || name === '..') {
    throw new CnmError(
      'CNM_INVALID_CONFIG',
      `${field}: "${name}" is not a valid interface name (1-15 bytes, no '/', ':' or spaces)`,
    );
  }
}

/**
 * Reads and checks the options; the bridge name defaults to `br-` and the
 * first 12 characters of the network id, as Docker does.
 */
export function parseBridgeOptions(networkId: string, options: Readonly<Record<string, string>>): BridgeOptions {
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new CnmError('CNM_INVALID_CONFIG', `options: unknown bridge option "${key}"`);
  }
  const bridgeName = options[BRIDGE_OPTIONS.name] ?? `br-${networkId.slice(0, 12)}`;
  checkIfname(bridgeName, `options.${BRIDGE_OPTIONS.name}`);
  const ifacePrefix = options[BRIDGE_OPTIONS.ifacePrefix] ?? 'eth';
  // The prefix plus an index must still be a valid name.
  checkIfname(`${ifacePrefix}0`, `options.${BRIDGE_OPTIONS.ifacePrefix}`);
  let mtu: number | undefined;
  const mtuText = options[BRIDGE_OPTIONS.mtu];
  if (mtuText !== undefined) {
    mtu = Number(mtuText);
    if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535) {
      throw new CnmError(
        'CNM_INVALID_CONFIG',
        `options.${BRIDGE_OPTIONS.mtu}: ${mtuText} is not an MTU from 68 to 65535`,
      );
    }
  }
  const hostBindingIpv4 = options[BRIDGE_OPTIONS.hostBindingIpv4];
  // Every later publish on the network binds this address: refused now, not at each publish.
  if (hostBindingIpv4 !== undefined && isIP(hostBindingIpv4) === 0) {
    throw new CnmError(
      'CNM_INVALID_CONFIG',
      `options.${BRIDGE_OPTIONS.hostBindingIpv4}: "${hostBindingIpv4}" is not an IP address`,
    );
  }
  return {
    bridgeName,
    icc: bool(options, BRIDGE_OPTIONS.icc, true),
    masquerade: bool(options, BRIDGE_OPTIONS.masquerade, true),
    ...(hostBindingIpv4 ? { hostBindingIpv4 } : {}),
    ...(mtu ? { mtu } : {}),
    ifacePrefix,
  };
}
