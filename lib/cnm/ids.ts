// SPDX-License-Identifier: GPL-2.0-or-later
/** Ids, MACs and names, as Docker makes and accepts them. */
import { randomBytes } from 'node:crypto';
import { CnmError } from '../errors';

/** A 64-hex-character id, like Docker's. */
export function newId(): string {
  return randomBytes(32).toString('hex');
}

/** A random locally administered unicast MAC (Docker 28+). */
export function newMac(): string {
  const b = randomBytes(6);
  b[0] = ((b[0] as number) & 0xfe) | 0x02;
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** Docker's pattern for network and container names. */
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function checkName(name: string, what: string): void {
  if (!NAME.test(name) || name.length > 255) {
    throw new CnmError('CNM_INVALID_CONFIG', `${what} name "${name}" must match [a-zA-Z0-9][a-zA-Z0-9_.-]*`);
  }
}

export function checkMac(mac: string): void {
  if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(mac) || (Number.parseInt(mac.slice(0, 2), 16) & 1) === 1) {
    throw new CnmError('CNM_INVALID_CONFIG', `macAddress "${mac}" is not a unicast MAC address`);
  }
}
