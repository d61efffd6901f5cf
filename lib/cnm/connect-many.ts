// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * connectMany: many new sandboxes attached to one network in one call. One store transaction allocates every address; then each sandbox is
 * one crossing into the addon — its namespace created and its veth, links,
 * addresses and route set up in one sequence of pipelined batches — with
 * bounded concurrency; one more transaction records them all. A sandbox may
 * adopt a namespace that exists (two crossings: its links are not known in
 * advance). A failed item is fully undone; the others stay. On a global
 * network (overlay) items go one connect each (connect-each.ts).
 */

import type { Driver, DriverEndpoint, DriverNetwork, JoinPlan } from '../drivers/driver';
import { CnmError, throwIfAborted } from '../errors';
import type { Netns } from '../kernel/binding';
import { netnsOpen, netnsPending, netnsRemove } from '../kernel/netns';
import type { RtnlOp } from '../kernel/ops';
import { rtnlSequenceOrThrow } from '../kernel/rtnl';
import { sysctlWrite } from '../kernel/sysctl';
import { connectEach, pool } from './connect-each';
import type { NetworkController } from './controller';
import { crashPoint } from './crash';
import { Endpoint } from './endpoint';
import { defaultRouteOps } from './gateway';
import { checkMac, checkName, newId, newMac, nowIso } from './ids';
import { addressOps, hostEnd, joinInfo, joinSteps, runJoinPlan } from './join';
import type { Network } from './network';
import { Sandbox } from './sandbox';
import { sandboxSysctls } from './sandbox-options';
import type { EndpointCreateOptions } from './types';

/** One item: a new sandbox (optionally named) and its endpoint's options. */
export interface ConnectManySpec {
  readonly sandboxName?: string;
  /** Network sysctls for the new sandbox's namespace (see `SandboxCreateOptions.sysctls`). */
  readonly sysctls?: Readonly<Record<string, string>>;
  /**
   * Adopt this namespace (a container's) instead of creating one; it is
   * left in place when the sandbox goes, as with `createSandbox({ netnsPath })`.
   * The endpoint becomes its first interface (`eth0`), so the namespace must
   * not have one by that name.
   */
  readonly netnsPath?: string;
  readonly endpoint?: Pick<EndpointCreateOptions, 'name' | 'ipv4Address' | 'ipv6Address' | 'macAddress' | 'aliases'>;
}

export type ConnectManyResult =
  | { readonly ok: true; readonly sandbox: Sandbox; readonly endpoint: Endpoint }
  | { readonly ok: false; readonly error: unknown };

interface Planned {
  readonly adopt: boolean;
  readonly sandboxId: string;
  readonly sandboxName: string;
  readonly endpointId: string;
  readonly path: string;
  readonly ipv4?: string;
  readonly ipv6?: string;
  readonly mac: string;
  readonly intent: number;
}

/** What one item's kernel work made: its namespace and the join as recorded. */
interface Made {
  readonly ns: Netns;
  readonly plan: JoinPlan;
}

/** How connectMany goes about it. */
export interface ConnectManyOptions {
  /** Sandboxes made at once (default 4). */
  readonly concurrency?: number;
  /** Docker's network sysctls in each new namespace (default true; see `SandboxCreateOptions.defaultSysctls`). */
  readonly defaultSysctls?: boolean;
  /**
   * When aborted, items not started yet fail with CNM_ABORTED (and are
   * undone); those in flight finish. Results still come back for all.
   */
  readonly signal?: AbortSignal;
}

export async function connectMany(
  ctl: NetworkController,
  net: Network,
  specs: readonly ConnectManySpec[],
  options: ConnectManyOptions,
): Promise<ConnectManyResult[]> {
  throwIfAborted(options.signal, 'connectMany');
  const concurrency = options.concurrency ?? 4;
  const stored = ctl.networkRow(net.id);
  const driver = ctl.driver(stored.driver);
  const store = ctl.store;
  // A global network's joins are recorded in the cluster store: item by item.
  if (ctl.storeOf(net.id) !== store) return connectEach(ctl, net, specs, options);
  // Checked before anything is made; written into each namespace as it is created.
  const sysctls = specs.map((s) =>
    sandboxSysctls(
      {
        ...(s.sysctls ? { sysctls: s.sysctls } : {}),
        ...(options.defaultSysctls === false ? { defaultSysctls: false } : {}),
      },
      s.netnsPath !== undefined,
    ),
  );
  for (const s of specs) {
    if (s.sandboxName) checkName(s.sandboxName, 'sandbox');
    if (s.endpoint?.name) checkName(s.endpoint.name, 'endpoint');
    if (s.endpoint?.macAddress) checkMac(s.endpoint.macAddress);
  }
  // A predefined network's objects are made before its first join (after the checks above).
  let row = await ctl.ensureMade(stored);
  // One transaction: capacity, names and every address, so parallel callers never collide.
  // The network must still be made then (another process may release a predefined one
  // between): if not, it is made again and the transaction retried.
  const plan = (): Promise<(Planned | CnmError)[] | undefined> =>
    store.transact((tx) => {
      const now = ctl.networkRow(net.id, tx);
      if (!now.made || ctl.intents.about('network.make', net.id, tx)) return undefined;
      const view = ctl.driverNetwork(now, tx);
      const joined = tx.endpoints.count(net.id, { joined: true });
      const max = ctl.endpointLimit(driver, row);
      if (max && joined + specs.length > max.count) {
        throw new CnmError(
          'CNM_BRIDGE_FULL',
          `network ${row.name} has ${joined} endpoints; ${specs.length} more would pass ${max.count}: ${max.why}`,
        );
      }
      // Names given twice in one call: the later ones fail alone, like names already taken.
      const sandboxNames = new Set<string>();
      const endpointNames = new Set<string>();
      return specs.map((s): Planned | CnmError => {
        const sandboxId = newId();
        const endpointId = newId();
        const sandboxName = s.sandboxName ?? `sb-${sandboxId.slice(0, 12)}`;
        if (sandboxNames.has(sandboxName) || tx.sandboxes.byName(sandboxName)) {
          return new CnmError('CNM_SANDBOX_EXISTS', `sandbox ${sandboxName} already exists`);
        }
        // Named after its sandbox, as connect (and Docker) name it.
        const name = s.endpoint?.name ?? sandboxName;
        if (endpointNames.has(name) || tx.endpoints.byName(net.id, name)) {
          return new CnmError('CNM_ENDPOINT_EXISTS', `endpoint ${name} already exists on network ${row.name}`);
        }
        sandboxNames.add(sandboxName);
        endpointNames.add(name);
        // Each item in a savepoint of its own: one that fails (an address taken) is undone alone.
        try {
          return tx.attempt(() => {
            const addresses = driver.capabilities.addresses;
            const ipv4 = addresses
              ? ctl.ipam.requestAddress(tx, net.id, 4, endpointId, s.endpoint?.ipv4Address)
              : undefined;
            const ipv6 =
              addresses && row.enableIPv6
                ? ctl.ipam.requestAddress(tx, net.id, 6, endpointId, s.endpoint?.ipv6Address)
                : undefined;
            const mac = (s.endpoint?.macAddress ?? newMac()).toLowerCase();
            tx.endpoints.insert({
              id: endpointId,
              networkId: net.id,
              name,
              ...(ipv4 ? { ipv4 } : {}),
              ...(ipv6 ? { ipv6 } : {}),
              mac,
              aliases: [...(s.endpoint?.aliases ?? [])],
              portBindings: [],
              exposedPorts: [],
              created: nowIso(),
            });
            const planned = driver.plannedJoin(view, { id: endpointId, mac });
            const adopt = s.netnsPath !== undefined;
            const path = s.netnsPath ?? `${ctl.netnsDir}/${sandboxId.slice(0, 12)}`;
            // A crash part way removes the endpoint (its link, its address, its row)
            // and the namespace if it was ours to make.
            const intent = ctl.intents.record(tx, 'network.connect', {
              endpoint: endpointId,
              network: net.id,
              ...(planned.hostIfname ? { hostIfname: planned.hostIfname } : {}),
              ...(Object.keys(planned.state).length > 0 ? { joinState: JSON.stringify(planned.state) } : {}),
              sandbox: sandboxId,
              // An adopted namespace stays: a repair opens it by path and takes the interface out.
              ...(adopt ? { adoptedNetns: path, ifname: `${driver.interfacePrefix(view)}0` } : { netnsPath: path }),
            });
            return {
              adopt,
              sandboxId,
              sandboxName,
              endpointId,
              path,
              ...(ipv4 ? { ipv4 } : {}),
              ...(ipv6 ? { ipv6 } : {}),
              mac,
              intent,
            };
          });
        } catch (error) {
          return error instanceof CnmError
            ? error
            : new CnmError('CNM_INVALID_CONFIG', String(error), { cause: error });
        }
      });
    });
  let planned = await plan();
  for (let attempt = 1; !planned; attempt++) {
    if (attempt > 3) {
      throw new CnmError(
        'CNM_TIMEOUT',
        `network ${row.name}: its objects were taken away while connectMany began, 3 times`,
      );
    }
    row = await ctl.ensureMade(ctl.networkRow(net.id));
    planned = await plan();
  }
  const dnet = ctl.driverNetwork(row);

  const ifname = `${driver.interfacePrefix(dnet)}0`;
  const made = await pool(planned, Math.max(1, concurrency), async (p, i): Promise<Made | unknown> => {
    if (p instanceof CnmError) return p;
    if (options.signal?.aborted) {
      return new CnmError('CNM_ABORTED', 'connectMany was aborted before this item', { cause: options.signal.reason });
    }
    const ep = endpointOf(p);
    if (p.adopt) return joinAdopted(ctl, driver, dnet, p, ifname, sysctls[i] ?? {});
    const pending = netnsPending(p.path.slice(ctl.netnsDir.length + 1), {
      dir: ctl.netnsDir,
      sysctls: sysctls[i] ?? {},
    });
    let plan: JoinPlan | undefined;
    try {
      plan = await driver.join(ctl.ctx, dnet, ep, { sandbox: pending, ifname });
      const [[created]] = (await rtnlSequenceOrThrow([
        { create: pending },
        // A fresh namespace: lo is 1, the interface is 2.
        ...joinSteps(plan, ctl.host, pending, firstJoinTail(ep, plan, ifname, 2)),
      ])) as [[Netns]];
      return { ns: created, plan };
    } catch (error) {
      // Undo this item's kernel part: the namespace (and so what was made in it) and the host side.
      await netnsRemove(p.path).catch(() => {});
      await driver
        .leave(ctl.ctx, dnet, ep, { state: plan?.state ?? {}, ...hostEnd(plan ?? driver.plannedJoin(dnet, ep)) })
        .catch(() => {});
      return error;
    }
  });

  crashPoint('connect-many.kernel');
  // One transaction records every success and forgets every failure. A sandbox name
  // another caller took meanwhile fails that item alone; its kernel part is undone after.
  const recorded = await store.transact((tx) =>
    planned.map((p, i): { result: ConnectManyResult; lost?: Made } => {
      if (p instanceof CnmError) return { result: { ok: false, error: p } };
      const result = made[i];
      const failed = !(result && typeof result === 'object' && 'ns' in result && 'plan' in result);
      const taken =
        !failed && tx.sandboxes.byName(p.sandboxName)
          ? new CnmError('CNM_SANDBOX_EXISTS', `sandbox ${p.sandboxName} already exists`)
          : undefined;
      if (failed || taken) {
        ctl.ipam.releaseAddresses(tx, net.id, p.endpointId);
        tx.endpoints.remove(p.endpointId);
        // A lost item's intent stays until its kernel part is undone (a crash in between is repaired).
        if (!taken) tx.intents.remove(p.intent);
        return { result: { ok: false, error: taken ?? result }, ...(taken ? { lost: result as Made } : {}) };
      }
      const { plan } = result as Made;
      tx.sandboxes.insert({
        id: p.sandboxId,
        name: p.sandboxName,
        netnsPath: p.path,
        owned: !p.adopt,
        created: nowIso(),
        linksMade: 1,
      });
      tx.endpoints.update(p.endpointId, {
        sandboxId: p.sandboxId,
        hostIfname: plan.hostIfname,
        sandboxIfname: ifname,
        joinInfo: joinInfo(plan),
      });
      tx.intents.remove(p.intent);
      return {
        result: { ok: true, sandbox: new Sandbox(ctl, p.sandboxId), endpoint: new Endpoint(ctl, p.endpointId) },
      };
    }),
  );
  const results = recorded.map((r) => r.result);
  for (const [i, r] of recorded.entries()) {
    const p = planned[i];
    if (r.result.ok && !(p instanceof CnmError) && p) ctl.adoptSandboxNamespace(p.sandboxId, (made[i] as Made).ns);
  }
  const lost = recorded.flatMap((r, i) => (r.lost ? [{ p: planned[i] as Planned, made: r.lost }] : []));
  for (const { p, made: m } of lost) {
    if (!p.adopt) await netnsRemove(p.path).catch(() => {});
    await driver
      .leave(ctl.ctx, dnet, endpointOf(p), {
        state: m.plan.state,
        ...(p.adopt ? { sandbox: m.ns, ifname } : {}),
        ...hostEnd(m.plan),
      })
      .catch(() => {});
    m.ns.close();
    await ctl.intents.end(p.intent);
  }
  return results;
}

function endpointOf(p: Planned): DriverEndpoint {
  return { id: p.endpointId, mac: p.mac, ...(p.ipv4 ? { ipv4: p.ipv4 } : {}), ...(p.ipv6 ? { ipv6: p.ipv6 } : {}) };
}

// The sandbox's only endpoint: it carries the default route when its network offers one.
function firstJoinTail(ep: DriverEndpoint, plan: JoinPlan, ifname: string, index: number): RtnlOp[] {
  const self = { endpointId: ep.id, networkName: '', ifname, gateway: plan.gateway, priority: 0 };
  return [...addressOps(ep, plan, index), ...(plan.gateway ? defaultRouteOps(self, index, undefined) : [])];
}

// An adopted namespace may hold links already: the interface's index is looked up.
async function joinAdopted(
  ctl: NetworkController,
  driver: Driver,
  dnet: DriverNetwork,
  p: Planned,
  ifname: string,
  sysctls: Readonly<Record<string, string>>,
): Promise<Made | unknown> {
  let ns: Netns | undefined;
  let plan: JoinPlan | undefined;
  const ep = endpointOf(p);
  try {
    ns = await netnsOpen(p.path);
    // Only the sysctls asked for: an adopted namespace is its owner's.
    for (const [key, value] of Object.entries(sysctls)) await sysctlWrite(ns, key, value);
    const joined = await driver.join(ctl.ctx, dnet, ep, { sandbox: ns, ifname });
    plan = joined;
    await runJoinPlan(joined, ifname, ctl.host, ns, (index) => firstJoinTail(ep, joined, ifname, index));
    return { ns, plan: joined };
  } catch (error) {
    await driver
      .leave(ctl.ctx, dnet, ep, {
        state: plan?.state ?? {},
        ...(ns ? { sandbox: ns, ifname } : {}),
        ...hostEnd(plan ?? driver.plannedJoin(dnet, ep)),
      })
      .catch(() => {});
    ns?.close();
    return error;
  }
}
