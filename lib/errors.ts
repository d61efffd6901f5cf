// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Every error cnm throws. Model failures are {@link CnmError}s whose `code`
 * starts with `CNM_` (so it can never be mistaken for an errno name); kernel
 * failures are {@link NetlinkError}s that keep the errno, its name and the
 * kernel's extended-ack text.
 */

/**
 * The project's whole list of stable error codes. Later layers add theirs
 * here, in one place.
 */
export const CNM_ERROR_CODES = [
  'CNM_INVALID_OP',
  'CNM_INVALID_CONFIG',
  'CNM_NOT_SUPPORTED',
  'CNM_NEED_CAP_NET_ADMIN',
  'CNM_ADDON_LOAD_FAILED',
  'CNM_NETWORK_NOT_FOUND',
  'CNM_NETWORK_EXISTS',
  'CNM_NETWORK_IN_USE',
  'CNM_ENDPOINT_NOT_FOUND',
  'CNM_ENDPOINT_EXISTS',
  'CNM_SANDBOX_NOT_FOUND',
  'CNM_SANDBOX_EXISTS',
  'CNM_ADDRESS_IN_USE',
  'CNM_POOL_EXHAUSTED',
  'CNM_SUBNET_OVERLAP',
  'CNM_PORT_IN_USE',
  'CNM_BRIDGE_FULL',
  'CNM_STORE_MISMATCH',
  'CNM_STORE_UNAVAILABLE',
  'CNM_STORE_CORRUPT',
  'CNM_CONFLICT',
  'CNM_AGENT_NOT_RUNNING',
  'CNM_CHECK_FAILED',
  'CNM_TIMEOUT',
  'CNM_ABORTED',
  'CNM_TEARDOWN_INCOMPLETE',
] as const;

/** One of {@link CNM_ERROR_CODES}. */
export type CnmErrorCode = (typeof CNM_ERROR_CODES)[number];

/**
 * Base class of cnm's own errors.
 *
 * @example
 * ```ts
 * try { await ctl.network('nope') } catch (e) {
 *   if (e instanceof CnmError && e.code === 'CNM_NETWORK_NOT_FOUND') console.log('no such network')
 * }
 * ```
 */
export class CnmError extends Error {
  override readonly name: string = 'CnmError';
  readonly code: CnmErrorCode;

  constructor(code: CnmErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.code = code;
  }
}

/**
 * A teardown (`sandbox.delete`, `network.delete`, `recover`) tried every
 * step and some failed: `errors` holds each failure, in order; what could
 * be done was done, and a retry or `recover()` finishes the rest.
 *
 * @example
 * ```ts
 * try { await ctl.deleteSandboxes(ctl.sandboxes()) } catch (e) {
 *   if (e instanceof TeardownError) for (const f of e.errors) console.error(f)
 * }
 * ```
 */
export class TeardownError extends AggregateError {
  override readonly name = 'TeardownError';
  readonly code = 'CNM_TEARDOWN_INCOMPLETE' as const;
  /** What was done on the way, when the teardown reports it (recover's lines). */
  readonly report: readonly string[];

  constructor(what: string, errors: readonly unknown[], report: readonly string[] = []) {
    const first = errors.map((e) => (e instanceof Error ? e.message : String(e)));
    super(errors, `CNM_TEARDOWN_INCOMPLETE: ${what}: ${errors.length} step(s) failed: ${first.join('; ')}`);
    this.report = report;
  }
}

/**
 * Throws CNM_ABORTED when `signal` is aborted: long operations call it
 * between steps, so an abort stops them at a consistent point.
 *
 * @internal
 * @example
 * ```ts
 * throwIfAborted(signal, 'connectMany')
 * ```
 */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new CnmError('CNM_ABORTED', `${what} was aborted`, { cause: signal.reason });
}

/**
 * Runs every step; returns what failed instead of stopping at the first.
 *
 * @internal
 * @example
 * ```ts
 * const failures = await everyStep([() => a(), () => b()])
 * ```
 */
export async function everyStep(steps: readonly (() => Promise<unknown>)[]): Promise<unknown[]> {
  const failures: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      failures.push(error);
    }
  }
  return failures;
}

/** What {@link InvalidOpError} carries: which op of a batch, which field, why. */
export interface InvalidOpDetails {
  readonly index: number;
  readonly field: string;
  readonly reason: string;
}

/**
 * A kernel-layer op was refused before any kernel call was made (bad type,
 * out of range, unknown name). Nothing of the batch was sent.
 *
 * @example
 * ```ts
 * await rtnl(ns).batch([{ op: 'link.set', dev: 'eth0', mtu: -1 }]) // throws InvalidOpError, field "mtu"
 * ```
 */
export class InvalidOpError extends CnmError {
  override readonly name = 'InvalidOpError';
  readonly index: number;
  readonly field: string;
  readonly reason: string;

  constructor(details: InvalidOpDetails) {
    super('CNM_INVALID_OP', `op ${details.index}: ${details.field ? `${details.field} ` : ''}${details.reason}`);
    this.index = details.index;
    this.field = details.field;
    this.reason = details.reason;
  }
}

/** The fields of a {@link NetlinkError}, as the addon reports them. */
export interface NetlinkErrorDetails {
  /** Positive errno value, e.g. 17. */
  readonly errno: number;
  /** The errno's name, e.g. `EEXIST`. */
  readonly code: string;
  /** The failing call: `netlink` for a kernel ack, else the syscall (`setns`, `mount`, ...). */
  readonly syscall: string;
  /** The op, e.g. `link.add`, `netns.create`. */
  readonly op: string;
  /** Position of the op in its batch. */
  readonly index?: number;
  /** What the op named: a link name, an address, a path. */
  readonly object?: string;
  /** The kernel's extended-ack message (NLMSGERR_ATTR_MSG). */
  readonly extack?: string;
  /** Byte offset of the attribute the kernel blamed (NLMSGERR_ATTR_OFFS). */
  readonly extackOffset?: number;
  /** The type number of that attribute, read back from the request. */
  readonly extackAttribute?: number;
  /** An attribute the kernel said was missing (NLMSGERR_ATTR_MISS_TYPE). */
  readonly missingAttribute?: number;
  /** strerror() text. */
  readonly strerror: string;
}

/**
 * A kernel call failed. Keeps the errno, its name, the op and what it acted
 * on, and the kernel's extended-ack text.
 *
 * @example
 * ```ts
 * try { await rtnl(ns).linkAdd({ kind: 'bridge', name: 'br0' }) }
 * catch (e) { if (e instanceof NetlinkError && e.code === 'EEXIST') console.log(e.extack) }
 * ```
 */
export class NetlinkError extends Error implements NetlinkErrorDetails {
  override readonly name = 'NetlinkError';
  readonly errno: number;
  readonly code: string;
  readonly syscall: string;
  readonly op: string;
  readonly index?: number;
  readonly object?: string;
  readonly extack?: string;
  readonly extackOffset?: number;
  readonly extackAttribute?: number;
  readonly missingAttribute?: number;
  readonly strerror: string;

  constructor(details: NetlinkErrorDetails) {
    const what = details.object ? `${details.op} ${details.object}` : details.op;
    const why = details.extack ? `: ${details.extack}` : '';
    super(`${what}: ${details.code} (${details.strerror})${why}`);
    this.errno = details.errno;
    this.code = details.code;
    this.syscall = details.syscall;
    this.op = details.op;
    this.strerror = details.strerror;
    if (details.index !== undefined) this.index = details.index;
    if (details.object !== undefined) this.object = details.object;
    if (details.extack !== undefined) this.extack = details.extack;
    if (details.extackOffset !== undefined) this.extackOffset = details.extackOffset;
    if (details.extackAttribute !== undefined) this.extackAttribute = details.extackAttribute;
    if (details.missingAttribute !== undefined) this.missingAttribute = details.missingAttribute;
  }
}

/**
 * Runs an async native call so that a rejection points at the caller: the
 * stack is captured before the call and grafted on after (as sharp does).
 *
 * @internal
 */
export async function withCallerStack<T>(run: () => Promise<T>): Promise<T> {
  const callSite = new Error();
  try {
    return await run();
  } catch (error) {
    throw graftStack(error, callSite);
  }
}

/**
 * Makes an async native rejection point at the caller: the stack captured
 * before the call is appended to the error's own (as sharp does).
 *
 * @internal
 */
export function graftStack(error: unknown, callSite: Error): unknown {
  if (error instanceof Error && callSite.stack) {
    const caller = callSite.stack.split('\n').slice(1).join('\n');
    error.stack = `${error.name}: ${error.message}\n${caller}`;
  }
  return error;
}
