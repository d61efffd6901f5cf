// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * connectMany on a global-scope network (overlay): item by item, each a
 * createSandbox and a connect — the cluster store's transactions, the VTEP,
 * the agent check and the way out are connect's own — at most
 * `concurrency` at once. What connectMany promises holds: a result per
 * item, a failed item undone whole (its sandbox goes with it), items not
 * started when the signal aborts fail with CNM_ABORTED. The single-crossing
 * path of local networks is not used here: each join must also be recorded
 * in the cluster store, where one round trip per item is the cost anyway.
 */
import { CnmError } from '../errors';
import type { ConnectManyOptions, ConnectManyResult, ConnectManySpec } from './connect-many';
import type { NetworkController } from './controller';
import type { Network } from './network';
import type { Sandbox } from './sandbox';

/** Runs `work` over `items` with at most `limit` in flight. @internal */
export async function pool<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i] as T, i);
    }
  });
  await Promise.all(runners);
  return out;
}

/**
 * Attaches each item with createSandbox + connect.
 *
 * @example
 * ```ts
 * await connectEach(ctl, overlay, [{ sandboxName: 'c1' }, { sandboxName: 'c2' }], { concurrency: 2 })
 * ```
 * @internal
 */
export function connectEach(
  ctl: NetworkController,
  net: Network,
  specs: readonly ConnectManySpec[],
  options: ConnectManyOptions,
): Promise<ConnectManyResult[]> {
  return pool(specs, options.concurrency ?? 4, async (s): Promise<ConnectManyResult> => {
    if (options.signal?.aborted) {
      const error = new CnmError('CNM_ABORTED', 'connectMany was aborted before this item', {
        cause: options.signal.reason,
      });
      return { ok: false, error };
    }
    let sandbox: Sandbox | undefined;
    try {
      sandbox = await ctl.createSandbox({
        ...(s.sandboxName ? { name: s.sandboxName } : {}),
        ...(s.netnsPath ? { netnsPath: s.netnsPath } : {}),
        ...(s.sysctls ? { sysctls: s.sysctls } : {}),
        ...(options.defaultSysctls === false ? { defaultSysctls: false } : {}),
      });
      const endpoint = await net.connect(sandbox, { ...(s.endpoint ?? {}) });
      return { ok: true, sandbox, endpoint };
    } catch (error) {
      // The connect undid itself; the sandbox made for it goes too.
      const failures = sandbox
        ? await sandbox.delete().then(
            () => [],
            (e: unknown) => [e],
          )
        : [];
      if (failures.length > 0 && error instanceof Error) Object.assign(error, { undoErrors: failures });
      return { ok: false, error };
    }
  });
}
