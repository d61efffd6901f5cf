// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The default route of a sandbox across its endpoints: who carries it now
 * (from what each join recorded), and moving it when its carrier leaves.
 */
import type { Netns } from '../kernel/binding';
import { rtnl } from '../kernel/rtnl';
import type { NetworkController } from './controller';
import { chooseGateway, defaultRouteOps, type GatewayCandidate } from './gateway';
import type { JoinInfo } from './join';

interface Row {
  id: string;
  sandbox_ifname: string;
  join_info: string | null;
  network_id: string;
  network_name: string;
  internal: number;
}

/**
 * The sandbox's joined endpoints as gateway candidates, optionally leaving one out.
 *
 * @internal
 */
export function gatewayCandidates(ctl: NetworkController, sandboxId: string, except?: string): GatewayCandidate[] {
  const rows = ctl.store.db
    .prepare(
      `SELECT e.id, e.sandbox_ifname, e.join_info, e.network_id, n.name AS network_name, n.internal
       FROM endpoints e JOIN networks n ON n.id = e.network_id
       WHERE e.sandbox_id = ? AND e.sandbox_ifname IS NOT NULL`,
    )
    .all(sandboxId) as Row[];
  return rows
    .filter((r) => r.id !== except)
    .map((r) => {
      const info = r.join_info ? (JSON.parse(r.join_info) as JoinInfo) : undefined;
      // Joined before joins were recorded: its network's gateways, unless internal.
      const gateway =
        info?.gateway ??
        (info || r.internal === 1
          ? undefined
          : Object.fromEntries(ctl.ipam.pools(r.network_id).map((p) => [p.family === 6 ? 'ipv6' : 'ipv4', p.gateway])));
      return {
        endpointId: r.id,
        networkName: r.network_name,
        ifname: r.sandbox_ifname,
        gateway,
        priority: info?.priority ?? 0,
        preference: info?.preference,
      };
    });
}

/**
 * After `leavingId` has left: when it carried the default route, the next
 * endpoint in line gets it (its interface looked up, routes replaced).
 * Returns the endpoint that carries it now.
 *
 * @internal
 */
export async function moveGatewayAfterLeave(
  sandbox: Netns,
  before: readonly GatewayCandidate[],
  leavingId: string,
): Promise<GatewayCandidate | undefined> {
  const carrier = chooseGateway(before);
  const rest = before.filter((c) => c.endpointId !== leavingId);
  const next = chooseGateway(rest);
  if (!next || carrier?.endpointId !== leavingId) return next;
  // The leaving interface took its routes with it: nothing to remove.
  await restoreGateway(sandbox, next);
  return next;
}

/**
 * Gives the default route(s) to `carrier`, on its interface in the sandbox
 * (replacing what is there).
 *
 * @internal
 */
export async function restoreGateway(sandbox: Netns, carrier: GatewayCandidate): Promise<void> {
  const [link] = await rtnl(sandbox).batch([{ op: 'link.get', dev: carrier.ifname }] as const);
  await rtnl(sandbox).batch(defaultRouteOps(carrier, (link as { index: number }).index, undefined));
}
