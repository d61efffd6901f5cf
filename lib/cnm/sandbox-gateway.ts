// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The default route of a sandbox across its endpoints: who carries it now
 * (from what each join recorded), and moving it when its carrier leaves.
 */
import type { Netns } from '../kernel/binding';
import { rtnl } from '../kernel/rtnl';
import type { NetworkController } from './controller';
import { chooseGateway, defaultRouteOps, type GatewayCandidate } from './gateway';

/**
 * The sandbox's joined endpoints as gateway candidates, optionally leaving one out.
 *
 * @internal
 */
export function gatewayCandidates(ctl: NetworkController, sandboxId: string, except?: string): GatewayCandidate[] {
  const store = ctl.read;
  return store.endpoints
    .list({ sandboxId, joined: true })
    .filter((e) => e.id !== except && e.sandboxIfname)
    .flatMap((e) => {
      const net = store.networks.get(e.networkId);
      if (!net) return [];
      const info = e.joinInfo;
      // Joined before joins were recorded: its network's gateways, unless internal.
      const gateway =
        info?.gateway ??
        (info || net.internal
          ? undefined
          : Object.fromEntries(
              ctl.ipam.pools(store, net.id).map((p) => [p.family === 6 ? 'ipv6' : 'ipv4', p.gateway]),
            ));
      return [
        {
          endpointId: e.id,
          networkName: net.name,
          ifname: e.sandboxIfname as string,
          gateway,
          priority: info?.priority ?? 0,
          preference: info?.preference,
        },
      ];
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
