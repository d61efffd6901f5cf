// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * May this process administer networking? The kernel's answer is
 * CAP_NET_ADMIN in the effective set; a kernel binding installed in the
 * addon's place (the fake kernel of unprivileged tests) answers for itself.
 */
import { readFileSync } from 'node:fs';
import { usingInjectedBinding } from './binding';

const CAP_NET_ADMIN = 12;

/**
 * Whether /proc/self/status text grants CAP_NET_ADMIN in the effective set.
 *
 * @example
 * ```ts
 * hasCapNetAdmin('CapEff:\t0000000000001000\n')   // true
 * ```
 *
 * @internal
 */
export function hasCapNetAdmin(status: string): boolean {
  const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  return hex !== undefined && ((BigInt(`0x${hex}`) >> BigInt(CAP_NET_ADMIN)) & 1n) === 1n;
}

/**
 * Whether kernel calls may change networking: CAP_NET_ADMIN, or a kernel
 * binding of its own installed (which allows whatever it models).
 *
 * @example
 * ```ts
 * if (!mayAdministerNetworking()) console.error('run as root')
 * ```
 */
export function mayAdministerNetworking(): boolean {
  return usingInjectedBinding() || hasCapNetAdmin(readFileSync('/proc/self/status', 'utf8'));
}
