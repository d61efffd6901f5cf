// SPDX-License-Identifier: GPL-2.0-or-later
/** Sandbox: a network namespace with endpoints in it. `await using` deletes it. */
import { CnmError, TeardownError, throwIfAborted } from '../errors';
import { netnsDelete } from '../kernel/netns';
import { rtnl } from '../kernel/rtnl';
import type { NetworkController } from './controller';
import { crashPoint } from './crash';
import { Endpoint } from './endpoint';
import type { SandboxId } from './ids';
import type { SandboxInfo } from './types';

/**
 * A sandbox: a network namespace (created by cnm, or adopted) and the
 * endpoints joined to it, as a container's network stack.
 *
 * @example
 * ```ts
 * await using sb = await ctl.createSandbox({ name: 'c1' })
 * await net.connect(sb)
 * console.log(sb.endpoints().map((e) => e.info().ifname))   // ['eth0']
 * ```
 */
export class Sandbox implements AsyncDisposable {
  /** Its id (64 hex characters), typed apart from other ids. */
  readonly id: SandboxId;

  /** Made by the controller and the model (`ctl.network(name)`, `net.connect(sb)`, ...). @internal */
  constructor(
    private readonly ctl: NetworkController,
    id: string,
  ) {
    this.id = id as SandboxId;
  }

  /** @example `sb.info().netnsPath` */
  info(): SandboxInfo {
    return this.ctl.sandboxRow(this.id);
  }

  /** The endpoints joined to this sandbox. @example `sb.endpoints().map((e) => e.info().ifname)` */
  endpoints(): Endpoint[] {
    return this.ctl.read.endpoints.list({ sandboxId: this.id }).map((r) => new Endpoint(this.ctl, r.id));
  }

  /**
   * Leaves and deletes every endpoint in it (as removing a container does),
   * then deletes the namespace if cnm created it. Done when the host-side
   * links are gone.
   *
   * @example
   * ```ts
   * await sb.delete()
   * ```
   */
  async delete(): Promise<void> {
    await deleteSandboxes(this.ctl, [this]);
  }

  /** Deletes the sandbox unless it is gone already (so `await using` and an explicit delete() mix). */
  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.ctl.store.read.sandboxes.get(this.id)) return;
    await this.delete();
  }
}

/**
 * How {@link deleteSandboxes} goes about it.
 *
 * @example
 * ```ts
 * await ctl.deleteSandboxes(ctl.sandboxes(), { signal: AbortSignal.timeout(60_000) })
 * ```
 */
export interface DeleteSandboxesOptions {
  /** Stops before the next sandbox when aborted (CNM_ABORTED); those done stay done. */
  readonly signal?: AbortSignal;
}

/**
 * Deletes many sandboxes at once: their namespaces first (each frees its
 * veths), then one wait until every host end is gone, then the endpoints and
 * rows. Adopted namespaces are left in place; their endpoints leave. Each
 * sandbox's intent lists its endpoints, so a crash at any point is finished
 * by the next open. Every sandbox is tried: one that fails keeps its row and
 * its intent (a retry, or the repair after this process, finishes it), and
 * the failures come back together as one TeardownError.
 *
 * @internal
 */
export async function deleteSandboxes(
  ctl: NetworkController,
  sandboxes: readonly Sandbox[],
  o: DeleteSandboxesOptions = {},
): Promise<void> {
  throwIfAborted(o.signal, 'deleteSandboxes');
  const work = await ctl.store.transact((tx) =>
    sandboxes.map((sb) => {
      const info = sb.info();
      const endpoints = sb.endpoints();
      const listed = endpoints.map((ep) => {
        const e = ep.info();
        return { id: e.id, ...(e.hostIfname ? { hostIfname: e.hostIfname } : {}) };
      });
      const intent = ctl.intents.record(tx, 'sandbox.delete', {
        id: sb.id,
        path: info.netnsPath,
        owned: info.owned,
        endpoints: listed,
      });
      return { sb, info, endpoints, hostEnds: listed.flatMap((e) => (e.hostIfname ? [e.hostIfname] : [])), intent };
    }),
  );
  const failures: unknown[] = [];
  const failed = new Set<string>();
  const started = new Set<string>();
  const hostEnds: string[] = [];
  for (const w of work) {
    if (o.signal?.aborted) break;
    started.add(w.sb.id);
    try {
      if (!w.info.owned) {
        // The namespace stays: each endpoint leaves (its links go) and is removed.
        for (const ep of w.endpoints) await ep.remove({ force: false, sandboxGoing: true });
        ctl.dropSandboxNamespace(w.sb.id)?.close();
        continue;
      }
      // Firewall state first, then links.
      for (const ep of w.endpoints) await ep.revokePorts();
      // Deleting the namespace frees its veths in one go (no RCU wait per link).
      // A namespace removed behind cnm's back took its veths with it already.
      const ns = await ctl.sandboxNamespace(w.sb.id).catch((error: unknown) => {
        if ((error as { code?: string }).code === 'CNM_SANDBOX_NOT_FOUND') return undefined;
        throw error;
      });
      for (const ep of w.endpoints) await ep.recordLeft();
      ctl.dropSandboxNamespace(w.sb.id);
      if (ns) await netnsDelete(ns);
      hostEnds.push(...w.hostEnds);
      crashPoint('sandbox.delete.netns');
    } catch (error) {
      failures.push(error);
      failed.add(w.sb.id);
    }
  }
  try {
    await waitGone(ctl, hostEnds);
  } catch (error) {
    failures.push(error);
  }
  for (const w of work) {
    if (!w.info.owned || !started.has(w.sb.id) || failed.has(w.sb.id)) continue;
    for (const ep of w.endpoints) {
      try {
        await ep.remove({ force: false, sandboxGoing: true });
      } catch (error) {
        failures.push(error);
        failed.add(w.sb.id);
      }
    }
  }
  await ctl.store.transact((tx) => {
    for (const w of work) {
      // A failed one keeps its row and its intent (listing its endpoints): the next open
      // or recover() after this process finishes it, endpoints included.
      if (failed.has(w.sb.id)) continue;
      if (started.has(w.sb.id)) tx.sandboxes.remove(w.sb.id);
      tx.intents.remove(w.intent);
    }
  });
  try {
    throwIfAborted(o.signal, `deleteSandboxes (${started.size} of ${work.length} deleted)`);
  } catch (aborted) {
    // What failed before the abort still comes back, with it.
    failures.push(aborted);
  }
  if (failures.length === 1 && o.signal?.aborted) throw failures[0];
  if (failures.length > 0) {
    throw new TeardownError(`deleting ${failed.size} of ${work.length} sandbox(es)`, failures);
  }
}

// The kernel frees a deleted namespace's links asynchronously: wait (bounded) for the host ends.
async function waitGone(ctl: NetworkController, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  const want = new Set(names);
  const deadline = Date.now() + 10_000;
  let left: string[] = [];
  while (Date.now() < deadline) {
    const links = await rtnl(ctl.host).links();
    left = links.filter((l) => want.has(l.name)).map((l) => l.name);
    if (left.length === 0) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new CnmError(
    'CNM_TIMEOUT',
    `${left.length} host link(s) of deleted sandboxes still present after 10 s (${left.slice(0, 5).join(', ')}${left.length > 5 ? ', ...' : ''}); recover() removes them`,
  );
}
