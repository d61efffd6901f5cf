// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Peers of multi-host networks: for each global network made on this host
 * whose driver takes peers (overlay), the endpoints joined on other hosts,
 * handed to the driver as they come (`discoverNew`) and go
 * (`discoverDelete`). Run by the agent on every change of the cluster store,
 * and after a join here (the network may have just been made here).
 */
import type { Peer } from '../drivers/driver';
import type { NetworkController } from './controller';
import { oneAtATime } from './one-at-a-time';

/** What each controller has handed its drivers, by network, then by peer key. */
const programmed = new WeakMap<NetworkController, Map<string, Map<string, Peer>>>();

// What the kernel holds of a peer: its VTEP, MAC and addresses (not the endpoint's id,
// which the kernel does not know), so entries an earlier agent made are recognised.
const keyOf = (p: Peer) => `${p.address}|${p.endpoint.mac}|${p.endpoint.ipv4 ?? ''}|${p.endpoint.ipv6 ?? ''}`;

/**
 * Brings every global network's peers on this host in line with the
 * cluster store. Failures of one network do not keep the others. One run
 * at a time per controller.
 *
 * @example
 * ```ts
 * await syncPeers(ctl)   // after the cluster store changed
 * ```
 */
export const syncPeers: (ctl: NetworkController) => Promise<void> = oneAtATime(sync);

async function sync(ctl: NetworkController): Promise<void> {
  const me = ctl.advertiseAddress;
  if (!ctl.cluster || !me || !ctl.store.open) return;
  const byNetwork = programmed.get(ctl) ?? new Map<string, Map<string, Peer>>();
  programmed.set(ctl, byNetwork);
  const failures: unknown[] = [];
  const made = new Set<string>();
  for (const net of ctl.read.networks.list({ made: true })) {
    if (ctl.storeOf(net.id) === ctl.store) continue;
    const driver = ctl.driver(net.driver);
    if (!driver.discoverNew) continue;
    made.add(net.id);
    const dnet = ctl.driverNetwork(net);
    const want = new Map<string, Peer>();
    for (const e of ctl.read.endpoints.list({ networkId: net.id, joined: true })) {
      if (!e.vtep || e.vtep === me) continue;
      const peer: Peer = {
        host: e.vtep,
        address: e.vtep,
        endpoint: { id: e.id, mac: e.mac, ...(e.ipv4 ? { ipv4: e.ipv4 } : {}), ...(e.ipv6 ? { ipv6: e.ipv6 } : {}) },
      };
      want.set(keyOf(peer), peer);
    }
    // The first time in this process: what the kernel holds already (an earlier agent's).
    const have =
      byNetwork.get(net.id) ??
      new Map(((await driver.programmedPeers?.(ctl.ctx, dnet).catch(() => [])) ?? []).map((p) => [keyOf(p), p]));
    const now = new Map(have);
    for (const [key, peer] of have) {
      if (want.has(key)) continue;
      try {
        await driver.discoverDelete?.(ctl.ctx, dnet, peer);
        now.delete(key);
      } catch (error) {
        failures.push(error);
      }
    }
    for (const [key, peer] of want) {
      if (have.has(key)) continue;
      try {
        await driver.discoverNew(ctl.ctx, dnet, peer);
        now.set(key, peer);
      } catch (error) {
        failures.push(error);
      }
    }
    byNetwork.set(net.id, now);
  }
  // A network gone from this host took its peers' entries with it.
  for (const id of [...byNetwork.keys()]) if (!made.has(id)) byNetwork.delete(id);
  if (failures.length > 0) throw new AggregateError(failures, `programming overlay peers: ${failures.length} failed`);
}
