// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * An optional observer of every rtnetlink and nftables transaction, for
 * `cnm --debug`. Off by default: a single `undefined` check per batch.
 */
import type { Netns } from './binding';
import type { NftOp } from './nft-ops';
import { renderNftOp } from './nft-render';
import type { RtnlOp } from './ops';

/** One transaction as it was sent, with how it ended. */
export interface KernelTraceEvent {
  readonly family: 'rtnl' | 'nft';
  /** The namespace's path as its handle names it (`sequence` for an rtnlSequence over several). */
  readonly netns: string;
  /** Each op in words: JSON for rtnetlink, nft's own syntax for nftables. */
  readonly ops: readonly string[];
  readonly ms: number;
  /** The failure's `code` (an errno name, or CNM_*), when it failed. */
  readonly error?: string;
}

let observer: ((event: KernelTraceEvent) => void) | undefined;
let stepHook: (() => void) | undefined;

/**
 * Calls `fn` after every kernel transaction (or stops, given `undefined`).
 *
 * @example
 * ```ts
 * setKernelTrace((e) => console.error(`${e.family} ${e.netns} ${e.ops.join('; ')} ${e.ms.toFixed(2)} ms`))
 * ```
 */
export function setKernelTrace(fn: ((event: KernelTraceEvent) => void) | undefined): void {
  observer = fn;
}

/**
 * Calls `fn` after every kernel transaction that finished, whatever its
 * outcome (fault injection counts these as steps; see lib/cnm/crash.ts).
 *
 * @example
 * ```ts
 * setKernelStepHook(() => steps++)
 * ```
 *
 * @internal
 */
export function setKernelStepHook(fn: (() => void) | undefined): void {
  stepHook = fn;
}

/**
 * A kernel call that changes state but is not a batch (a namespace made or
 * deleted, a sysctl written): counted as a step like a transaction.
 *
 * @example
 * ```ts
 * return stepped(binding.netnsDelete(ns))
 * ```
 *
 * @internal
 */
export function stepped<T>(call: Promise<T>): Promise<T> {
  const step = stepHook;
  return step ? call.finally(step) : call;
}

/** Runs `send`, reporting it to the observer when there is one. @internal */
export async function traced<T>(
  family: 'rtnl' | 'nft',
  where: Netns | string,
  ops: readonly (RtnlOp | NftOp)[],
  send: () => Promise<T>,
): Promise<T> {
  if (stepHook) {
    const step = stepHook;
    return reported(family, where, ops, send).finally(step);
  }
  return reported(family, where, ops, send);
}

async function reported<T>(
  family: 'rtnl' | 'nft',
  where: Netns | string,
  ops: readonly (RtnlOp | NftOp)[],
  send: () => Promise<T>,
): Promise<T> {
  const report = observer;
  if (!report) return send();
  const t0 = performance.now();
  const describe = () =>
    ops.map((op) => (family === 'nft' ? renderNftOp(op as NftOp) : JSON.stringify(op, netnsAsPath)));
  try {
    const result = await send();
    report({ family, netns: label(where), ops: describe(), ms: performance.now() - t0 });
    return result;
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'Error';
    report({ family, netns: label(where), ops: describe(), ms: performance.now() - t0, error: code });
    throw error;
  }
}

function label(where: Netns | string): string {
  return typeof where === 'string' ? where : where.path;
}

// Namespace handles inside ops print as their path.
function netnsAsPath(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && 'path' in value && 'id' in value) return (value as Netns).path;
  return value;
}
