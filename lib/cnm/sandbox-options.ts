// SPDX-License-Identifier: GPL-2.0-or-later
/** What a new sandbox's namespace gets besides its loopback: Docker's network sysctls and the caller's. */

import type { NetlinkError } from '../errors';
import { CnmError } from '../errors';
import type { SandboxCreateOptions } from './types';

/**
 * The network sysctls Docker sets in every container it creates: a
 * non-root process may bind ports below 1024 (port 80) and send pings
 * (ICMP echo sockets). New sandboxes get them unless
 * `defaultSysctls: false`; adopted namespaces never do (they are their
 * owner's to set).
 *
 * @example
 * ```ts
 * await ctl.createSandbox({ name: 'c1' })   // net.ipv4.ip_unprivileged_port_start = 0 inside
 * ```
 */
export const SANDBOX_DEFAULT_SYSCTLS: Readonly<Record<string, string>> = Object.freeze({
  'net.ipv4.ip_unprivileged_port_start': '0',
  'net.ipv4.ping_group_range': '0 2147483647',
});

// Only network sysctls are per network namespace: those are the ones a sandbox owns.
const KEY = /^net[./][A-Za-z0-9_-]+([./][A-Za-z0-9_-]+)*$/;

/**
 * The sysctls to write into a sandbox's namespace, checked before anything
 * is made: Docker's defaults for a namespace cnm creates (unless turned
 * off), then the caller's, which win.
 */
export function sandboxSysctls(o: SandboxCreateOptions, adopted: boolean): Record<string, string> {
  const given = o.sysctls ?? {};
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new CnmError('CNM_INVALID_CONFIG', 'sysctls: an object of name → value');
  }
  for (const [key, value] of Object.entries(given)) {
    if (!KEY.test(key)) {
      throw new CnmError(
        'CNM_INVALID_CONFIG',
        `sysctls: "${key}" is not a network sysctl (net.*): only those belong to a sandbox's namespace`,
      );
    }
    if (typeof value !== 'string' || /[\n\0]/.test(value)) {
      throw new CnmError('CNM_INVALID_CONFIG', `sysctls.${key}: the value must be a string of one line`);
    }
  }
  const defaults = adopted || o.defaultSysctls === false ? {} : SANDBOX_DEFAULT_SYSCTLS;
  // One spelling per key, so a caller's value replaces a default written with dots or slashes.
  const out: Record<string, string> = {};
  for (const [key, value] of [...Object.entries(defaults), ...Object.entries(given)]) {
    out[key.replaceAll('/', '.')] = value;
  }
  return out;
}

/**
 * A sandbox namespace that could not be made, as a user can act on it: a
 * sysctl the kernel refused, or a namespace directory that cannot hold
 * namespaces (a file, read-only). Anything else is passed on as it is.
 */
export function sandboxError(error: unknown, netnsDir: string): unknown {
  const first = ((error as { first?: NetlinkError }).first ?? error) as Partial<NetlinkError>;
  // A failed system call names the file it acted on in the error's detail text.
  const file = first.extack ?? '';
  if (first.op === 'netns.create' && file.startsWith('/proc/sys/')) {
    const key = file.slice('/proc/sys/'.length).replaceAll('/', '.');
    return new CnmError('CNM_INVALID_CONFIG', `sysctls.${key}: the kernel refused it (${first.code})`, {
      cause: error,
    });
  }
  if (first.op === 'netns.create' && ['ENOTDIR', 'EACCES', 'EROFS', 'EPERM', 'ENOSPC'].includes(first.code ?? '')) {
    return new CnmError(
      'CNM_INVALID_CONFIG',
      `netnsDir ${netnsDir} cannot hold namespaces (${first.code}: ${first.syscall} ${file}); give a directory cnm may mount in (--netns-dir, CNM_NETNS_DIR)`,
      { cause: error },
    );
  }
  return error;
}
