// SPDX-License-Identifier: GPL-2.0-or-later
/** Sandbox: a network namespace with endpoints in it. `await using` deletes it. */
import { netnsDelete } from '../kernel/netns';
import { rtnl } from '../kernel/rtnl';
import type { NetworkController } from './controller';
import { Endpoint } from './endpoint';
import { crashPoint } from './intents';
import type { SandboxInfo } from './types';

export class Sandbox implements AsyncDisposable {
  constructor(
    private readonly ctl: NetworkController,
    readonly id: string,
  ) {}

  /** @example `sb.info().netnsPath` */
  info(): SandboxInfo {
    return this.ctl.sandboxRow(this.id);
  }

  /** The endpoints joined to this sandbox. @example `sb.endpoints().map((e) => e.info().ifname)` */
  endpoints(): Endpoint[] {
    const rows = this.ctl.store.db
      .prepare('SELECT id FROM endpoints WHERE sandbox_id = ? ORDER BY sandbox_ifname')
      .all(this.id) as {
      id: string;
    }[];
    return rows.map((r) => new Endpoint(this.ctl, r.id));
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
    const info = this.info();
    const endpoints = this.endpoints();
    const hostEnds = endpoints.map((e) => e.info().hostIfname).filter((n): n is string => !!n);
    const intent = this.ctl.intents.begin('sandbox.delete', { id: this.id });
    if (info.owned) {
      // Deleting the namespace frees its veths in one go (no RCU wait per link).
      const ns = await this.ctl.sandboxNamespace(this.id);
      this.ctl.store.tx(() => {
        for (const ep of endpoints) ep.markLeft();
      });
      this.ctl.dropSandboxNamespace(this.id);
      await netnsDelete(ns);
      crashPoint('sandbox.delete.netns');
      await waitGone(this.ctl, hostEnds);
    } else {
      for (const ep of endpoints) await ep.leave(this);
      this.ctl.dropSandboxNamespace(this.id)?.close();
    }
    for (const ep of endpoints) await ep.delete();
    this.ctl.store.tx(() => {
      this.ctl.store.db.prepare('DELETE FROM sandboxes WHERE id = ?').run(this.id);
      this.ctl.intents.end(intent);
    });
  }

  /** Deletes the sandbox unless it is gone already (so `await using` and an explicit delete() mix). */
  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.ctl.store.db.prepare('SELECT 1 FROM sandboxes WHERE id = ?').get(this.id)) return;
    await this.delete();
  }
}

// The kernel frees a deleted namespace's links asynchronously: wait (bounded) for the host ends.
async function waitGone(ctl: NetworkController, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  const want = new Set(names);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const links = await rtnl(ctl.host).links();
    if (!links.some((l) => want.has(l.name))) return;
    await new Promise((r) => setTimeout(r, 2));
  }
}
