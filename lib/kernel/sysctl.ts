// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * `/proc/sys/net` as a namespace sees it, read and written on a namespace
 * thread. Per-interface settings belong in `link.set` (`inet`, `addrGenMode`)
 * instead: opening these files costs more as namespaces multiply.
 */
import { withCallerStack } from '../errors';
import { binding, type Netns } from './binding';
import { stepped } from './trace';

/**
 * Reads a sysctl (`ip netns exec NS sysctl -n net.ipv4.ip_forward`).
 *
 * @example
 * ```ts
 * const v = await sysctlRead(ns, 'net.ipv4.ip_forward') // "0"
 * ```
 */
export function sysctlRead(ns: Netns, key: string): Promise<string> {
  return withCallerStack(() => binding.sysctlRead(ns, key));
}

/**
 * Writes a sysctl (`ip netns exec NS sysctl -w net.ipv4.ip_forward=1`).
 *
 * @example
 * ```ts
 * await sysctlWrite(ns, 'net.ipv4.ip_forward', '1')
 * ```
 */
export function sysctlWrite(ns: Netns, key: string, value: string | number): Promise<void> {
  return withCallerStack(() => stepped(binding.sysctlWrite(ns, key, String(value))));
}
