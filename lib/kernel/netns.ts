// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Network namespaces as handles. Created ones are kept alive by a bind mount
 * in a directory (default `/run/cnm/netns`) made a shared mount of itself, as
 * iproute2 does with /run/netns.
 */
import { withCallerStack } from '../errors';
import { binding, type Netns } from './binding';
import type { PendingNetns } from './ops';
import { stepped } from './trace';

export type { Netns } from './binding';

/** Where namespaces are created unless told otherwise. */
export const DEFAULT_NETNS_DIR = '/run/cnm/netns';

/** Where and how a namespace is created. */
export interface NetnsCreateOptions {
  /** The directory of its file (default `/run/cnm/netns`). */
  readonly dir?: string;
  /**
   * Network sysctls written into it as it is made, by the thread that made it
   * (no second trip): `{ 'net.ipv4.ping_group_range': '0 2147483647' }`. One
   * that cannot be written fails the creation, which leaves nothing.
   */
  readonly sysctls?: Readonly<Record<string, string>>;
}

/**
 * Creates a namespace at `dir/name` (`ip netns add NAME`, with `/run/netns`
 * replaced by `dir`). A netlink socket is opened inside it at once.
 *
 * @example
 * ```ts
 * const ns = await netnsCreate('sb1', { dir: '/run/cnm/netns', sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0' } })
 * ```
 */
export function netnsCreate(name: string, options: NetnsCreateOptions = {}): Promise<Netns> {
  const dir = options.dir ?? DEFAULT_NETNS_DIR;
  const sysctls = options.sysctls;
  return withCallerStack(() =>
    stepped(sysctls ? binding.netnsCreate(dir, name, { sysctls }) : binding.netnsCreate(dir, name)),
  );
}

/**
 * A namespace to be created by a `create` step of `rtnlSequence`, so that
 * creating it and wiring it up take one crossing. Nothing happens until the
 * sequence runs.
 *
 * @example
 * ```ts
 * const sb = netnsPending('sb1')
 * await rtnlSequence([{ create: sb }, { netns: sb, ops: [{ op: 'link.set', dev: 'lo', up: true }] }])
 * ```
 */
export function netnsPending(name: string, options: NetnsCreateOptions = {}): PendingNetns {
  return Object.freeze({
    dir: options.dir ?? DEFAULT_NETNS_DIR,
    name,
    ...(options.sysctls ? { sysctls: options.sysctls } : {}),
  });
}

/**
 * Opens a namespace file (a bind mount such as `/run/netns/X`, or
 * `/proc/PID/ns/net`). Refuses a file that is not a network namespace.
 *
 * @example
 * ```ts
 * const ns = await netnsOpen('/run/netns/blue')
 * ```
 */
export function netnsOpen(path: string): Promise<Netns> {
  return withCallerStack(() => binding.netnsOpen(path));
}

/**
 * Opens the namespace a process is in.
 *
 * @example
 * ```ts
 * const ns = await netnsOpenPid(child.pid)
 * ```
 */
export function netnsOpenPid(pid: number): Promise<Netns> {
  if (!Number.isInteger(pid) || pid <= 0)
    return Promise.reject(new TypeError(`pid must be a positive integer: ${pid}`));
  return netnsOpen(`/proc/${pid}/ns/net`);
}

/**
 * Opens the namespace this process runs in (the default "host").
 *
 * @example
 * ```ts
 * const host = await netnsCurrent()
 * ```
 */
export function netnsCurrent(): Promise<Netns> {
  return netnsOpen(`/proc/${process.pid}/ns/net`);
}

/**
 * Deletes a namespace created or opened from a file (`ip netns del NAME`):
 * drops its cached sockets, unmounts and removes the file, and closes the
 * handle. The kernel frees the namespace, and the links inside it, once
 * nothing else holds it.
 *
 * @example
 * ```ts
 * await netnsDelete(ns)
 * ```
 */
export function netnsDelete(ns: Netns): Promise<void> {
  return withCallerStack(() => stepped(binding.netnsDelete(ns)));
}

/**
 * Unmounts and removes a namespace file by path, without a handle (cleanup of
 * what another process left).
 *
 * @example
 * ```ts
 * await netnsRemove('/run/cnm/netns/stale')
 * ```
 */
export function netnsRemove(path: string): Promise<void> {
  return withCallerStack(() => stepped(binding.netnsRemovePath(path)));
}

/**
 * How many netlink sockets the addon holds open in this thread's cache.
 *
 * @example
 * ```ts
 * console.log(socketCacheSize())
 * ```
 */
export function socketCacheSize(): number {
  return binding.socketCacheSize();
}

/**
 * Bounds the socket cache (default 1,024). Each cached socket keeps its
 * namespace alive; the least recently used are closed first.
 *
 * @example
 * ```ts
 * setSocketCacheLimit(4096)
 * ```
 */
export function setSocketCacheLimit(limit: number): void {
  binding.setSocketCacheLimit(limit);
}

/**
 * Whether `path` still holds a network namespace (asked of the kernel
 * binding: a file that is gone, or no longer a namespace, is not one).
 *
 * @example
 * ```ts
 * if (!(await netnsExists('/run/cnm/netns/1a2b3c4d5e6f'))) console.log('removed behind our back')
 * ```
 */
export async function netnsExists(path: string): Promise<boolean> {
  try {
    (await netnsOpen(path)).close();
    return true;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT' || code === 'EINVAL' || code === 'ENOTDIR') return false;
    throw error;
  }
}
