// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Repair after crashes. `repairOrphans` runs on every open and touches only
 * intents whose owner is dead (one query when none is). `recoverAll`, behind
 * `controller.recover()`, reconciles everything the store knows with what
 * the kernel holds.
 */
import { existsSync } from 'node:fs';
import { TABLE } from '../drivers/bridge/firewall/ruleset';
import { rebuildFirewallOps } from '../drivers/bridge/firewall-ops';
import type { ResolvedBinding } from '../drivers/driver';
import { netnsRemove } from '../kernel/netns';
import { nft } from '../kernel/nft';
import { rtnl } from '../kernel/rtnl';
import type { NetworkController, NetworkRow } from './controller';
import { Endpoint } from './endpoint';
import type { Intent } from './intents';
import { publishedBindings } from './ports';

const ignoreMissing = (e: { code?: string }) => {
  if (e.code !== 'ENODEV' && e.code !== 'ENOENT') throw e;
};

function networkRowOrNull(ctl: NetworkController, id: string): NetworkRow | undefined {
  return ctl.store.db.prepare('SELECT * FROM networks WHERE id = ?').get(id) as NetworkRow | undefined;
}

/** Finishes or undoes one interrupted operation. */
async function repair(ctl: NetworkController, intent: Intent): Promise<string> {
  const s = intent.subject;
  switch (intent.op) {
    case 'network.create': {
      // Unfinished (no driver state yet): undo the kernel part and the rows.
      const row = networkRowOrNull(ctl, String(s.id));
      if (row && row.driver_state === '{}') {
        await ctl.driver(row.driver).deleteNetwork(ctl.ctx, ctl.driverNetwork(row));
        ctl.store.tx(() => ctl.forgetNetwork(row.id));
        return `undid the creation of network ${row.name}`;
      }
      return 'network creation had finished';
    }
    case 'network.delete': {
      const row = networkRowOrNull(ctl, String(s.id));
      if (!row) return 'network deletion had finished';
      await ctl.driver(row.driver).deleteNetwork(ctl.ctx, ctl.driverNetwork(row));
      ctl.store.tx(() => ctl.forgetNetwork(row.id));
      return `finished deleting network ${row.name}`;
    }
    case 'sandbox.create': {
      if (ctl.store.db.prepare('SELECT 1 FROM sandboxes WHERE id = ?').get(String(s.id)))
        return 'sandbox creation had finished';
      await netnsRemove(String(s.path)).catch(ignoreMissing);
      return `removed the namespace of an unfinished sandbox (${s.path})`;
    }
    case 'sandbox.delete': {
      const row = ctl.store.db.prepare('SELECT * FROM sandboxes WHERE id = ?').get(String(s.id)) as
        | { id: string; name: string; netns_path: string; owned: number }
        | undefined;
      if (!row) return 'sandbox deletion had finished';
      const endpoints = ctl.store.db
        .prepare('SELECT id, host_ifname FROM endpoints WHERE sandbox_id = ?')
        .all(row.id) as {
        id: string;
        host_ifname: string | null;
      }[];
      if (row.owned === 1) await netnsRemove(row.netns_path).catch(ignoreMissing);
      for (const e of endpoints) {
        if (e.host_ifname) await rtnl(ctl.host).linkDel(e.host_ifname).catch(ignoreMissing);
      }
      ctl.store.tx(() => {
        for (const e of endpoints) {
          ctl.endpoint(e.id).markLeft();
        }
      });
      for (const e of endpoints) await ctl.endpoint(e.id).delete();
      ctl.store.tx(() => ctl.store.db.prepare('DELETE FROM sandboxes WHERE id = ?').run(row.id));
      return `finished deleting sandbox ${row.name}`;
    }
    case 'endpoint.join': {
      // The join (and its publishing) did not finish: undo all of it, firewall first.
      const id = String(s.endpoint);
      if (ctl.store.db.prepare('SELECT 1 FROM endpoints WHERE id = ?').get(id)) {
        await ctl.endpoint(id).revokePorts();
        ctl.endpoint(id).markLeft();
      }
      if (s.hostIfname) await rtnl(ctl.host).linkDel(String(s.hostIfname)).catch(ignoreMissing);
      return `undid an unfinished join (${s.hostIfname ?? 'no link'})`;
    }
    case 'endpoint.publish': {
      // Ports recorded, elements maybe not: take back this publish's ports (elements, then rows).
      const id = String(s.endpoint);
      if (!ctl.store.db.prepare('SELECT 1 FROM endpoints WHERE id = ?').get(id))
        return 'an unfinished publish (endpoint gone)';
      const bindings = JSON.parse(String(s.bindings)) as ResolvedBinding[];
      await ctl.endpoint(id).revokePorts(bindings);
      return `undid an unfinished publish of ${bindings.length} port binding(s)`;
    }
    case 'endpoint.leave': {
      // Firewall first, then the link, then the record.
      const id = String(s.endpoint);
      const exists = !!ctl.store.db.prepare('SELECT 1 FROM endpoints WHERE id = ?').get(id);
      if (exists) await ctl.endpoint(id).revokePorts();
      if (s.hostIfname) await rtnl(ctl.host).linkDel(String(s.hostIfname)).catch(ignoreMissing);
      if (exists) ctl.endpoint(id).markLeft();
      return 'finished a leave';
    }
  }
}

/** Repairs every intent whose owner is dead. */
export async function repairOrphans(ctl: NetworkController): Promise<string[]> {
  const done: string[] = [];
  // Newest first: undo in the reverse of the order things were done.
  for (const intent of ctl.intents.orphaned().reverse()) {
    done.push(await repair(ctl, intent));
    ctl.intents.end(intent.id);
  }
  return done;
}

/** The full reconciliation behind `controller.recover()`. */
export async function recoverAll(ctl: NetworkController): Promise<string[]> {
  const report = await repairOrphans(ctl);
  const host = rtnl(ctl.host);
  const links = await host.links();
  const byName = new Map(links.map((l) => [l.name, l]));
  const db = ctl.store.db;

  // Sandboxes whose namespace is gone: forget them and their endpoints' joins.
  const sandboxes = db.prepare('SELECT id, name, netns_path FROM sandboxes').all() as {
    id: string;
    name: string;
    netns_path: string;
  }[];
  for (const sb of sandboxes) {
    if (existsSync(sb.netns_path)) continue;
    const eps = db.prepare('SELECT id, host_ifname FROM endpoints WHERE sandbox_id = ?').all(sb.id) as {
      id: string;
      host_ifname: string | null;
    }[];
    for (const e of eps)
      if (e.host_ifname && byName.has(e.host_ifname)) await host.linkDel(e.host_ifname).catch(ignoreMissing);
    ctl.store.tx(() => {
      for (const e of eps) new Endpoint(ctl, e.id).markLeft();
      db.prepare('DELETE FROM sandboxes WHERE id = ?').run(sb.id);
    });
    // Our own handle would keep the namespace (and its links) alive.
    ctl.dropSandboxNamespace(sb.id)?.close();
    report.push(`forgot sandbox ${sb.name}: its namespace ${sb.netns_path} is gone`);
  }

  // Joined endpoints whose host end is gone are no longer joined.
  const joined = db.prepare('SELECT id, name, host_ifname FROM endpoints WHERE host_ifname IS NOT NULL').all() as {
    id: string;
    name: string;
    host_ifname: string;
  }[];
  for (const e of joined) {
    if (byName.has(e.host_ifname)) continue;
    new Endpoint(ctl, e.id).markLeft();
    report.push(`endpoint ${e.name}: its link ${e.host_ifname} is gone, marked as left`);
  }

  // Links in cnm's link groups that no endpoint owns.
  const groups = new Map(
    (
      db.prepare('SELECT group_id, network_id FROM link_groups').all() as { group_id: number; network_id: string }[]
    ).map((g) => [g.group_id, g.network_id]),
  );
  const owned = new Set(
    (
      db.prepare('SELECT host_ifname FROM endpoints WHERE host_ifname IS NOT NULL').all() as { host_ifname: string }[]
    ).map((r) => r.host_ifname),
  );
  for (const l of links) {
    if (!groups.has(l.group) || owned.has(l.name)) continue;
    await host.linkDel(l.index).catch(ignoreMissing);
    report.push(`deleted orphan link ${l.name}`);
  }

  // The firewall: rebuilt from the store in one atomic batch.
  const bridgeNets = db
    .prepare("SELECT * FROM networks WHERE driver = 'bridge' AND driver_state != '{}'")
    .all() as NetworkRow[];
  if (bridgeNets.length > 0) {
    const hadTable = (await nft(ctl.host).tables({ family: 'inet', table: TABLE.table })).length > 0;
    const networks = bridgeNets.map((row) => {
      const eps = db
        .prepare('SELECT id, ipv4, ipv6, mac FROM endpoints WHERE network_id = ? AND sandbox_id IS NOT NULL')
        .all(row.id) as {
        id: string;
        ipv4: string | null;
        ipv6: string | null;
        mac: string;
      }[];
      const endpoints = eps.map((e) => ({
        id: e.id,
        mac: e.mac,
        ...(e.ipv4 ? { ipv4: e.ipv4 } : {}),
        ...(e.ipv6 ? { ipv6: e.ipv6 } : {}),
        portBindings: publishedBindings(ctl, e.id),
      }));
      return { net: ctl.driverNetwork(row), endpoints };
    });
    await nft(ctl.host).batch(rebuildFirewallOps(networks));
    if (!hadTable) report.push(`recreated the firewall ruleset for ${bridgeNets.length} network(s)`);
  }

  // Networks whose bridge is gone get it back.
  const networks = db.prepare("SELECT * FROM networks WHERE driver = 'bridge'").all() as NetworkRow[];
  for (const row of networks) {
    const net = ctl.driverNetwork(row);
    const bridge = net.state.bridge as string | undefined;
    if (!bridge || byName.has(bridge)) continue;
    const state = await ctl.driver('bridge').createNetwork(ctl.ctx, net);
    ctl.store.tx(() =>
      db.prepare('UPDATE networks SET driver_state = ? WHERE id = ?').run(JSON.stringify(state), row.id),
    );
    // The host ends of its joined endpoints survived the bridge: enslave them again.
    const index = (await host.link(bridge)).index;
    const ends = (
      db.prepare('SELECT host_ifname FROM endpoints WHERE network_id = ? AND host_ifname IS NOT NULL').all(row.id) as {
        host_ifname: string;
      }[]
    ).filter((e) => byName.has(e.host_ifname));
    for (const e of ends) {
      await host.batch([
        { op: 'link.set', dev: e.host_ifname, master: index },
        { op: 'link.set', dev: e.host_ifname, bridgePort: { hairpin: true } },
      ]);
    }
    report.push(
      `recreated bridge ${bridge} of network ${row.name}${ends.length ? `, ${ends.length} port(s) re-attached` : ''}`,
    );
  }
  return report;
}
