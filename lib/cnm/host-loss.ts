// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Host loss. A host whose agent's lease expired (the agent killed, the host
 * down or cut off) and that has not joined again within the grace
 * (agent.ts `lossGraceMs`) is lost: every other agent withdraws its
 * endpoints' records and frees their addresses (they are done the moment
 * one agent's transaction commits; the others find nothing left). Their FDB and neighbour entries go with the
 * records (peers.ts). A host whose agent stopped on purpose is not lost:
 * its endpoints stay, and traffic to them keeps flowing.
 *
 * The lost host, when its agent runs again, takes away what it still holds
 * of the endpoints it lost (their ports, the sandboxes' interfaces, their
 * way out): the cluster may have handed their addresses out again.
 */
import type { NetworkController } from './controller';
import { settleEveryEgress } from './egress';
import { oneAtATime } from './one-at-a-time';
import { joinedEndpoints } from './recover';
import type { EndpointRecord } from './store/records';

/**
 * Withdraws the endpoints of hosts that are neither running nor stopped on
 * purpose; a line per host withdrawn.
 *
 * @example
 * ```ts
 * await withdrawLostHosts(ctl)   // ['withdrew 2 endpoint(s) of lost host 10.0.0.7: c1, c2 (addresses freed)']
 * ```
 * @internal
 */
export const withdrawLostHosts: (ctl: NetworkController) => Promise<string[]> = oneAtATime(withdraw);

async function withdraw(ctl: NetworkController): Promise<string[]> {
  const cluster = ctl.cluster;
  if (!cluster?.open) return [];
  const known = new Set([...cluster.hosts(), ...cluster.stoppedHosts()].map((h) => h.address));
  // This host is never lost to itself (its own agent joins again when its membership is lost).
  if (ctl.advertiseAddress) known.add(ctl.advertiseAddress);
  const lostOn = (e: EndpointRecord) => !!e.vtep && !!e.sandboxId && !known.has(e.vtep);
  if (!cluster.read.endpoints.list({ joined: true }).some(lostOn)) return [];
  const withdrawn = await cluster.transact((tx) => {
    const gone = tx.endpoints.list({ joined: true }).filter(lostOn);
    for (const e of gone) {
      ctl.ipam.releaseAddresses(tx, e.networkId, e.id);
      tx.endpoints.remove(e.id);
    }
    return gone;
  });
  const byHost = new Map<string, EndpointRecord[]>();
  for (const e of withdrawn) byHost.set(e.vtep as string, [...(byHost.get(e.vtep as string) ?? []), e]);
  return [...byHost].map(
    ([host, eps]) =>
      `withdrew ${eps.length} endpoint(s) of lost host ${host}: ${eps.map((e) => e.name).join(', ')} (addresses freed)`,
  );
}

/**
 * Takes away what this host still holds of global endpoints it no longer
 * has in the cluster (withdrawn while it was lost): each global network's
 * driver drops what belongs to no endpoint joined here, then sandboxes that
 * need no way out any more lose it. Operations in flight keep theirs.
 *
 * @example
 * ```ts
 * await releaseWithdrawnHere(ctl)   // ['overlay network ov: removed port ve1a2b..., whose endpoint is not joined here any more', ...]
 * ```
 * @internal
 */
export const releaseWithdrawnHere: (ctl: NetworkController) => Promise<string[]> = oneAtATime(releaseHere);

async function releaseHere(ctl: NetworkController): Promise<string[]> {
  if (!ctl.cluster?.open || !ctl.store.open) return [];
  const inFlight = ctl.store.read.intents.list();
  const joining = inFlight.flatMap((i) => (typeof i.subject.endpoint === 'string' ? [i.subject.endpoint] : []));
  const report: string[] = [];
  const global = ctl.read.networks.list({ made: true }).filter((n) => ctl.storeOf(n.id) !== ctl.store);
  for (const net of global) {
    const done = await ctl
      .driver(net.driver)
      .reconcile(ctl.ctx, [{ net: ctl.driverNetwork(net), endpoints: joinedEndpoints(ctl, net.id), joining }]);
    report.push(...done.report);
  }
  report.push(...(await settleEveryEgress(ctl, inFlight)));
  return report;
}
