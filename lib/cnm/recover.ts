// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Repair after crashes. `repairOrphans` runs on every open and touches only
 * intents whose owner is dead (one query when none is). `recoverAll`, behind
 * `controller.recover()`, reconciles everything the store knows with what
 * the kernel holds.
 */
import type { JoinedEndpoint, ReconcileNetwork, ResolvedBinding } from '../drivers/driver';
import { TeardownError, throwIfAborted } from '../errors';
import type { FirewallState } from '../firewall/firewall';
import { netnsExists, netnsRemove } from '../kernel/netns';
import { rtnl } from '../kernel/rtnl';
import type { NetworkController } from './controller';
import { settleEveryEgress } from './egress';
import { joinHints } from './endpoint';
import type { Intent, SubjectValue } from './intents';
import { publishedBindings } from './ports';
import { unmake } from './predefined';
import { releaseGoneNetworks } from './released';
import type { NetworkRecord } from './store/records';

const ignoreMissing = (e: { code?: string }) => {
  if (e.code !== 'ENODEV' && e.code !== 'ENOENT') throw e;
};

function networkRowOrNull(ctl: NetworkController, id: string): NetworkRecord | undefined {
  return ctl.read.networks.get(id);
}

const text = (v: SubjectValue | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

/** What went wrong on the way, for the repair's line of the report. */
function failed(failures: readonly unknown[]): string {
  if (failures.length === 0) return '';
  const what = failures.map((e) => (e instanceof Error ? e.message : String(e)));
  return ` (${failures.length} step(s) failed and were left: ${what.join('; ')})`;
}

// The link a join made or was making, when no endpoint row says so any more:
// its network's driver takes it away (a network that is gone took it with it).
async function dropLink(ctl: NetworkController, networkId: string | undefined, id: string, hostIfname?: string) {
  const net = networkId ? networkRowOrNull(ctl, networkId) : undefined;
  if (!net || !hostIfname) return;
  await ctl.driver(net.driver).leave(ctl.ctx, ctl.driverNetwork(net), { id, mac: '' }, { hostIfname, state: {} });
}

// Removes an endpoint whatever state it is in, and says so.
async function removeEndpoint(
  ctl: NetworkController,
  intent: Intent,
  id: string,
  hostIfname: string | undefined,
): Promise<string> {
  const exists = !!ctl.read.endpoints.get(id);
  const failures = exists
    ? await ctl.endpoint(id).remove({ force: true, hostIfname, joining: joinHints(intent.subject) })
    : await dropLink(ctl, text(intent.subject.network), id, hostIfname).then(
        () => [],
        (e: unknown) => [e],
      );
  return `endpoint ${id.slice(0, 12)}${failed(failures)}`;
}

/** Finishes or undoes one interrupted operation; the whole operation, as the user asked for it. */
async function repair(ctl: NetworkController, intent: Intent): Promise<string> {
  const s = intent.subject;
  const endpointId = text(s.endpoint) ?? '';
  const hostIfname = text(s.hostIfname);
  switch (intent.op) {
    case 'network.create': {
      // Unfinished (no driver state yet): undo the kernel part and the rows. (A predefined
      // network not made yet has no driver state either, but never a network.create intent.)
      const row = networkRowOrNull(ctl, String(s.id));
      if (row?.made && Object.keys(row.driverState).length === 0) {
        await ctl.deleteNetworkObjects(row);
        await ctl.storeOf(row.id).transact((tx) => tx.networks.remove(row.id));
        return `undid the creation of network ${row.name}`;
      }
      return 'network creation had finished';
    }
    case 'network.make': {
      // Made before a first join, or being released, when the process died: whatever of
      // its objects exists goes; the network stays, and its next join makes it again.
      const row = networkRowOrNull(ctl, String(s.id));
      if (!row) return 'network gone';
      if (row.made) return `network ${row.name} had been made`;
      await unmake(ctl, row);
      return `undid the unfinished making of network ${row.name}'s objects (made again at its next join)`;
    }
    case 'network.delete': {
      const row = networkRowOrNull(ctl, String(s.id));
      if (!row) return 'network deletion had finished';
      // Endpoints came meanwhile (on another host, for a global network): the network stays.
      const count = ctl.read.endpoints.count(row.id);
      if (count > 0) return `gave up deleting network ${row.name}: it has ${count} endpoint(s) now`;
      await ctl.deleteNetworkObjects(row);
      await ctl.storeOf(row.id).transact((tx) => tx.networks.remove(row.id));
      return `finished deleting network ${row.name}`;
    }
    case 'sandbox.create': {
      if (ctl.read.sandboxes.get(String(s.id))) return 'sandbox creation had finished';
      await netnsRemove(String(s.path)).catch(ignoreMissing);
      return `removed the namespace of an unfinished sandbox (${s.path})`;
    }
    case 'sandbox.delete': {
      const id = String(s.id);
      const row = ctl.read.sandboxes.get(id);
      if (!row) return 'sandbox deletion had finished';
      // The endpoints as listed when the deletion began (a crash may have marked them left
      // already), and any joined since.
      const listed = (Array.isArray(s.endpoints) ? s.endpoints : []) as { id?: string; hostIfname?: string }[];
      const joined = ctl.read.endpoints.list({ sandboxId: id });
      const endpoints = new Map<string, string | undefined>(listed.map((e) => [String(e.id), e.hostIfname]));
      for (const e of joined) endpoints.set(e.id, e.hostIfname ?? endpoints.get(e.id));
      ctl.dropSandboxNamespace(id)?.close();
      if (row.owned) await netnsRemove(row.netnsPath).catch(ignoreMissing);
      const done: string[] = [];
      for (const [eid, end] of endpoints) done.push(await removeEndpoint(ctl, intent, eid, end));
      await ctl.store.transact((tx) => tx.sandboxes.remove(id));
      return `finished deleting sandbox ${row.name}${done.length ? `: removed ${done.join(', ')}` : ''}`;
    }
    case 'endpoint.create':
    case 'network.connect': {
      // Undone whole: the endpoint (firewall, link, ports, addresses, row) and, for
      // connectMany, the namespace made for a sandbox that was never recorded.
      const removed = await removeEndpoint(ctl, intent, endpointId, hostIfname);
      const path = text(s.netnsPath);
      const sandbox = text(s.sandbox);
      if (path && sandbox && !ctl.read.sandboxes.get(sandbox)) {
        await netnsRemove(path).catch(ignoreMissing);
        return `undid an unfinished connect: ${removed} and the namespace ${path}`;
      }
      return `undid an unfinished ${intent.op === 'network.connect' ? 'connect' : 'endpoint creation'}: ${removed}`;
    }
    case 'network.disconnect': {
      // Finished: the endpoint goes, whatever the crash left of it.
      return `finished a disconnect: ${await removeEndpoint(ctl, intent, endpointId, hostIfname)}`;
    }
    case 'endpoint.join':
    case 'endpoint.leave': {
      // A join is undone, a leave finished: either way the endpoint ends up in no
      // sandbox, with no link and no published port; it stays, with its addresses.
      const exists = !!ctl.read.endpoints.get(endpointId);
      const failures = exists
        ? await ctl.endpoint(endpointId).forceLeave(hostIfname, joinHints(s))
        : await dropLink(ctl, text(s.network), endpointId, hostIfname).then(
            () => [],
            (e: unknown) => [e],
          );
      const what = intent.op === 'endpoint.join' ? 'undid an unfinished join' : 'finished a leave';
      return `${what} of endpoint ${endpointId.slice(0, 12)}${failed(failures)}`;
    }
    case 'endpoint.publish':
    case 'endpoint.unpublish': {
      // Ports recorded, elements maybe not (publish), or elements gone, rows not (unpublish):
      // either way those bindings go, elements then rows.
      if (!ctl.read.endpoints.get(endpointId)) return `an unfinished ${intent.op} (endpoint gone)`;
      const bindings = JSON.parse(String(s.bindings)) as ResolvedBinding[];
      await ctl.endpoint(endpointId).revokePorts(bindings);
      return `${intent.op === 'endpoint.publish' ? 'undid an unfinished publish' : 'finished an unpublish'} of ${bindings.length} port binding(s)`;
    }
  }
}

/** Repairs every intent whose owner is dead, newest first (the reverse of the order things were done). */
export async function repairOrphans(ctl: NetworkController, failures?: unknown[]): Promise<string[]> {
  const done: string[] = [];
  for (const intent of (await ctl.intents.claimOrphans()).reverse()) {
    try {
      done.push(await repair(ctl, intent));
      await ctl.intents.end(intent.id);
    } catch (error) {
      // Kept (now this process's): the next open or recover() tries again. One
      // repair that cannot finish must not keep the controller from opening.
      done.push(`could not repair an interrupted ${intent.op}: ${(error as Error).message}`);
      failures?.push(error);
    }
  }
  return done;
}

/**
 * The full reconciliation behind `controller.recover()`: every step is
 * tried, whatever fails before it; the failures come back together as one
 * TeardownError carrying the report of what was done. An aborted signal
 * stops it between steps (CNM_ABORTED).
 */
export async function recoverAll(ctl: NetworkController, signal?: AbortSignal): Promise<string[]> {
  throwIfAborted(signal, 'recover');
  const failures: unknown[] = [];
  const report = await repairOrphans(ctl, failures);
  const host = rtnl(ctl.host);
  const links = await host.links();
  const byName = new Map(links.map((l) => [l.name, l]));
  const stored = ctl.read;
  const step = async (work: () => Promise<void>) => {
    try {
      throwIfAborted(signal, 'recover');
    } catch (aborted) {
      // Stopped here: what failed before the abort still comes back, with it.
      throw failures.length > 0 ? new TeardownError('recover', [...failures, aborted], report) : aborted;
    }
    try {
      await work();
    } catch (error) {
      failures.push(error);
    }
  };

  // Sandboxes whose namespace is gone: forgotten, and their endpoints removed (as
  // removing the sandbox would have), so their networks can go and their addresses
  // are free again.
  for (const sb of stored.sandboxes.list())
    await step(async () => {
      if (await netnsExists(sb.netnsPath)) return;
      // Our own handle would keep the namespace (and its links) alive.
      ctl.dropSandboxNamespace(sb.id)?.close();
      const eps = stored.endpoints.list({ sandboxId: sb.id });
      const failures: unknown[] = [];
      for (const e of eps) failures.push(...(await ctl.endpoint(e.id).remove({ force: true })));
      await ctl.store.transact((tx) => tx.sandboxes.remove(sb.id));
      const removed = eps.length ? `; removed its endpoint(s) ${eps.map((e) => e.name).join(', ')}` : '';
      report.push(`forgot sandbox ${sb.name}: its namespace ${sb.netnsPath} is gone${removed}${failed(failures)}`);
    });

  // Joined endpoints whose host end is gone: the sandbox lost that interface, so the
  // endpoint is disconnected (as `network disconnect -f` would).
  // This host's endpoints: a global network's others are in sandboxes on other hosts.
  const here = (e: { readonly sandboxId?: string }) => !!e.sandboxId && !!stored.sandboxes.get(e.sandboxId);
  const joined = stored.endpoints.list({ joined: true }).filter(here);
  for (const e of joined)
    await step(async () => {
      if (!e.hostIfname || byName.has(e.hostIfname)) return;
      const failures = await ctl.endpoint(e.id).remove({ force: true });
      report.push(`endpoint ${e.name}: its link ${e.hostIfname} is gone; disconnected${failed(failures)}`);
    });

  // Links in cnm's link groups that no endpoint owns.
  const groups = stored.networks.linkGroups();
  const owned = new Set(joined.flatMap((e) => e.hostIfname ?? []));
  // The orphans' intents were repaired above: those left belong to operations a live
  // process is running (or that could not be repaired yet). The links they name are
  // theirs — made a moment ago, and not recorded as joined until they finish.
  const inFlight = stored.intents.list();
  for (const intent of inFlight) {
    const end = text(intent.subject.hostIfname);
    if (end) owned.add(end);
  }
  for (const l of links)
    await step(async () => {
      if (!groups.has(l.group) || owned.has(l.name)) return;
      await host.linkDel(l.index).catch(ignoreMissing);
      report.push(`deleted orphan link ${l.name}`);
    });

  // Each driver repairs its own objects for all its networks (made again where missing,
  // with every setting they had); the firewall is then rebuilt once from every
  // driver's answer, in one atomic change.
  const joining = inFlight.flatMap((i) => text(i.subject.endpoint) ?? []);
  const firewall: FirewallState[] = [];
  let firewallNetworks = 0;
  // A driver whose reconcile failed outright gave no firewall state: a rebuild now
  // would flush its networks' elements, so the firewall is left as it is.
  let unanswered = false;
  for (const [type, driver] of ctl.drivers)
    await step(async () => {
      // Networks not made yet on this host have nothing here to repair.
      const rows = stored.networks.list({ driver: type, made: true });
      if (rows.length === 0) return;
      const networks: ReconcileNetwork[] = rows.map((row) => ({
        net: ctl.driverNetwork(row),
        endpoints: joinedEndpoints(ctl, row.id),
        joining,
      }));
      const done = await driver.reconcile(ctl.ctx, networks).catch((error: unknown) => {
        unanswered = true;
        throw error;
      });
      for (const [id, state] of done.states) {
        // Compare and set: a network another process changed (or deleted) meanwhile is its to record.
        const read = rows.find((r) => r.id === id);
        if (!read) continue;
        await ctl.store
          .transact((tx) => ctl.setHostState(tx, read, { driverState: state }, read.revision))
          .catch((error: { code?: string }) => {
            if (error.code !== 'CNM_CONFLICT' && error.code !== 'CNM_NETWORK_NOT_FOUND') throw error;
          });
      }
      report.push(...done.report);
      failures.push(...(done.failures ?? []));
      firewall.push(...done.firewall);
      firewallNetworks += done.firewall.length;
    });
  // A join in flight (in a live process) programs its published ports before it records
  // itself joined: a rebuild from the store now would take its elements away. The
  // rebuild waits for a recover() with no such join under way.
  const publishing = inFlight.filter(
    (i) =>
      (i.op === 'endpoint.join' || i.op === 'network.connect') &&
      stored.ports.bindings(text(i.subject.endpoint) ?? '').length > 0,
  );
  if (firewallNetworks > 0 && publishing.length > 0) {
    report.push(
      `left the firewall ruleset as it is: ${publishing.length} join(s) publishing ports are in flight in other processes; run recover again when they are done`,
    );
  }
  if (firewallNetworks > 0 && !unanswered && publishing.length === 0) {
    await step(async () => {
      const { rulesetRecreated } = await ctl.ctx.firewall.rebuild(firewall);
      if (rulesetRecreated) report.push(`recreated the firewall ruleset for ${firewallNetworks} network(s)`);
    });
  }
  // A sandbox whose process died between an overlay join and its way out (or the way
  // back): settled from the store. Sandboxes an operation in flight names are its own.
  await step(async () => {
    report.push(...(await settleEveryEgress(ctl, inFlight)));
  });
  // Global networks deleted from other hosts: their objects here go.
  await step(async () => {
    report.push(...(await releaseGoneNetworks(ctl)));
  });
  if (failures.length > 0) throw new TeardownError('recover', failures, report);
  return report;
}

/** A network's joined endpoints on this host, with what their joins recorded and their published ports. @internal */
export function joinedEndpoints(ctl: NetworkController, networkId: string): JoinedEndpoint[] {
  // Joined in this host's sandboxes: a global network's others are other hosts' to repair.
  const here = ctl.read.endpoints
    .list({ networkId, joined: true })
    .filter((e) => !!e.sandboxId && !!ctl.read.sandboxes.get(e.sandboxId));
  return here.map((e) => {
    const info = e.joinInfo;
    return {
      id: e.id,
      mac: e.mac,
      ...(e.ipv4 ? { ipv4: e.ipv4 } : {}),
      ...(e.ipv6 ? { ipv6: e.ipv6 } : {}),
      portBindings: publishedBindings(ctl, e.id),
      join: {
        state: info?.state ?? {},
        ...(e.hostIfname ? { hostIfname: e.hostIfname } : {}),
        ...(e.sandboxIfname ? { ifname: e.sandboxIfname } : {}),
      },
    };
  });
}
