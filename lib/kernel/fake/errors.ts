// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The fake kernel's failures, shaped as the addon shapes the real ones: a
 * {@link NetlinkError} with the errno, its name, the op, its position and
 * the kernel's extended-ack text where the real kernel gives one; an
 * {@link InvalidOpError} for an op refused before anything is sent.
 */
import { InvalidOpError, NetlinkError } from '../../errors';

/** errno values and strerror() texts of the errors the fake returns (Linux, glibc). */
const ERRNOS = {
  EPERM: [1, 'Operation not permitted'],
  ENOENT: [2, 'No such file or directory'],
  ESRCH: [3, 'No such process'],
  EBUSY: [16, 'Device or resource busy'],
  EEXIST: [17, 'File exists'],
  ENODEV: [19, 'No such device'],
  ENOTDIR: [20, 'Not a directory'],
  EINVAL: [22, 'Invalid argument'],
  ERANGE: [34, 'Numerical result out of range'],
  EXFULL: [54, 'Exchange full'],
  EOPNOTSUPP: [95, 'Operation not supported'],
  EAFNOSUPPORT: [97, 'Address family not supported by protocol'],
  EADDRNOTAVAIL: [99, 'Cannot assign requested address'],
  ENETDOWN: [100, 'Network is down'],
  ENETUNREACH: [101, 'Network is unreachable'],
  ENOTCONN: [107, 'Transport endpoint is not connected'],
} as const;

/** An errno name the fake can return. */
export type FakeErrno = keyof typeof ERRNOS;

/**
 * A kernel refusal, before the op and its position are known: what a fake
 * subsystem throws; {@link toNetlinkError} dresses it as the addon would.
 */
export class KernelRefusal extends Error {
  constructor(
    readonly errnoName: FakeErrno,
    readonly extack?: string,
    readonly syscall = 'netlink',
  ) {
    super(`${errnoName}${extack ? `: ${extack}` : ''}`);
  }
}

/** Throws a refusal (`refuse('ENODEV', 'ipv4: Device not found')`). */
export function refuse(code: FakeErrno, extack?: string, syscall?: string): never {
  throw new KernelRefusal(code, extack, syscall);
}

/** Where an error happened, as the addon's ErrorContext carries it. */
export interface ErrorWhere {
  readonly op: string;
  readonly index?: number;
  readonly object?: string;
}

/**
 * A {@link NetlinkError} as the addon builds it for `code`.
 *
 * @example
 * ```ts
 * netlinkError('EEXIST', { op: 'link.add', index: 0, object: 'br0' })
 * ```
 */
export function netlinkError(code: FakeErrno, where: ErrorWhere, extack?: string, syscall = 'netlink'): NetlinkError {
  const [errno, strerror] = ERRNOS[code];
  return new NetlinkError({
    errno,
    code,
    syscall,
    op: where.op,
    strerror,
    ...(where.index !== undefined && where.index >= 0 ? { index: where.index } : {}),
    ...(where.object ? { object: where.object } : {}),
    ...(extack ? { extack } : {}),
  });
}

/** A {@link KernelRefusal} dressed as the addon dresses a kernel error; anything else is rethrown. */
export function toNetlinkError(error: unknown, where: ErrorWhere): NetlinkError {
  if (error instanceof KernelRefusal) return netlinkError(error.errnoName, where, error.extack, error.syscall);
  throw error;
}

/**
 * An op the fake refuses before "sending" anything: bad input, as the addon
 * refuses it, or something the fake does not model (named, so a test that
 * needs it fails loudly instead of passing on a silent no-op).
 */
export function invalidOp(index: number, field: string, reason: string): never {
  throw new InvalidOpError({ index, field, reason });
}

/** What the fake kernel does not model: fails loudly, naming it. */
export function notModelled(index: number, field: string, what: string): never {
  invalidOp(index, field, `${what} is not modelled by the fake kernel (lib/kernel/fake); test it against the real one`);
}
