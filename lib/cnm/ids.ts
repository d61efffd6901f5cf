// SPDX-License-Identifier: GPL-2.0-or-later
/** Ids, MACs and names, as Docker makes and accepts them. */
import { randomBytes } from 'node:crypto';
import { CnmError } from '../errors';

declare const brand: unique symbol;

/**
 * A string the type checker tells apart from other strings: a network id is
 * not a sandbox id, though both are 64 hex characters.
 *
 * @example
 * ```ts
 * const id: NetworkId = net.id
 * ctl.sandbox(net.id)     // still compiles (lookups take any name or id); sandboxId: SandboxId = net.id does not
 * ```
 */
export type Brand<T, B extends string> = T & { readonly [brand]: B };
/** A network's id. */
export type NetworkId = Brand<string, 'NetworkId'>;
/** A sandbox's id. */
export type SandboxId = Brand<string, 'SandboxId'>;
/** An endpoint's id. */
export type EndpointId = Brand<string, 'EndpointId'>;

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

/**
 * The time now in RFC 3339 with nine fractional digits, as Docker records
 * `Created` (Go keeps nanoseconds): milliseconds from the wall clock, the
 * rest from the high-resolution timer. Fixed width, so text order is time order.
 *
 * @example
 * ```ts
 * nowIso() // '2026-12-01T21:19:15.123456789Z'
 * ```
 */
export function nowIso(): string {
  const ms = Date.now();
  const subMs = Math.floor((performance.now() % 1) * 1e6);
  return `${new Date(ms).toISOString().slice(0, -1)}${String(subMs).padStart(6, '0')}Z`;
}

/** Docker's pattern for network and container names. */
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function checkName(name: unknown, what: string): asserts name is string {
  if (typeof name !== 'string') {
    throw new CnmError('CNM_INVALID_CONFIG', `name: a ${what} needs a name, as a string (got ${typeof name})`);
  }
  if (!NAME.test(name) || name.length > 255) {
    throw new CnmError('CNM_INVALID_CONFIG', `${what} name "${name}" must match [a-zA-Z0-9][a-zA-Z0-9_.-]*`);
  }
}

export function checkMac(mac: string): void {
  if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(mac) || (Number.parseInt(mac.slice(0, 2), 16) & 1) === 1) {
    throw new CnmError('CNM_INVALID_CONFIG', `macAddress "${mac}" is not a unicast MAC address`);
  }
}
