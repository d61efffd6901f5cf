// SPDX-License-Identifier: GPL-2.0-or-later
/** Endpoint: joins and leaves a sandbox, publishes ports, reports what it is, and is removed. */

import type { Driver, DriverEndpoint, DriverNetwork, LeaveRequest, ResolvedBinding } from '../drivers/driver';
import { CnmError } from '../errors';
import type { Netns } from '../kernel/binding';
import { netnsOpen } from '../kernel/netns';
import type { LinkStats } from '../kernel/ops';
import { rtnl } from '../kernel/rtnl';
import type { NetworkController } from './controller';
import { crashPoint } from './crash';
import { GATEWAY_NETWORK, settleEgress } from './egress';
import { chooseGateway, defaultRouteOps, type GatewayCandidate } from './gateway';
import type { EndpointId, NetworkId, SandboxId } from './ids';
import { addressOps, hostEnd, joinInfo, runJoinPlan } from './join';
import { syncPeers } from './peers';
import { publish, publishedBindings, validateBinding } from './ports';
import { releaseNetwork } from './predefined';
import type { Sandbox } from './sandbox';
import { gatewayCandidates, moveGatewayAfterLeave, restoreGateway } from './sandbox-gateway';
import type { StoreReads } from './store/ports';
import type { EndpointRecord, NetworkRecord } from './store/records';
import type { EndpointInfo, JoinOptions, PortBinding } from './types';
import { allOrNothing } from './undo';

/** How {@link Endpoint.remove} goes about it. @internal */
export interface RemoveOptions {
  /** Carry on past a failing step (and report it) instead of stopping. */
  readonly force: boolean;
  /** The host end a join made or was making, when the row does not say (a crash mid-join). */
  readonly hostIfname?: string | undefined;
  /** The sandbox is going as a whole: its default route needs no new carrier. */
  readonly sandboxGoing?: boolean;
  /** What an interrupted join recorded of itself, when the row does not say (a crash mid-join). */
  readonly joining?: JoinHints | undefined;
  /** An intent that ends with the row. */
  readonly intent?: number;
}

/**
 * What a join records in its intent before it touches the kernel, so the
 * repair after a crash can take away what it made (in the sandbox, too).
 *
 * @internal
 */
export interface JoinHints {
  readonly sandbox?: string | undefined;
  /**
   * The namespace an interrupted join was putting the endpoint in when its
   * sandbox was never recorded (connectMany adopting a namespace): the
   * repair opens it by path to take the interface away.
   */
  readonly netnsPath?: string | undefined;
  readonly ifname?: string | undefined;
  readonly state?: Readonly<Record<string, unknown>> | undefined;
}

/** The hints an intent's subject carries. @internal */
export function joinHints(subject: Readonly<Record<string, unknown>>): JoinHints {
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const state = text(subject.joinState);
  return {
    sandbox: text(subject.sandbox),
    netnsPath: text(subject.adoptedNetns),
    ifname: text(subject.ifname),
    state: state ? JSON.parse(state) : undefined,
  };
}

/**
 * An endpoint: a network's attachment point, with its addresses, MAC,
 * aliases and ports, joined to at most one sandbox.
 *
 * @example
 * ```ts
 * const ep = await net.createEndpoint({ name: 'web-1' })
 * await ep.join(sb)                                  // docker network connect, second half
 * console.log(ep.info().ipv4Address)                // '172.18.0.2/16'
 * ```
 */
export class Endpoint {
  /** Its id (64 hex characters), typed apart from other ids. */
  readonly id: EndpointId;

  /** Made by the controller and the model (`ctl.network(name)`, `net.connect(sb)`, ...). @internal */
  constructor(
    private readonly ctl: NetworkController,
    id: string,
  ) {
    this.id = id as EndpointId;
  }

  private row(): EndpointRecord {
    const row = this.storedRow();
    if (!row) throw new CnmError('CNM_ENDPOINT_NOT_FOUND', `endpoint ${this.id} not found`);
    return row;
  }

  private storedRow(): EndpointRecord | undefined {
    return this.ctl.read.endpoints.get(this.id);
  }

  // The endpoint's network, its driver, and the driver's view of it.
  private networkOf(row: EndpointRecord): { net: NetworkRecord; driver: Driver; dnet: DriverNetwork } {
    const net = this.ctl.networkRow(row.networkId);
    return { net, driver: this.ctl.driver(net.driver), dnet: this.ctl.driverNetwork(net) };
  }

  private driverEndpoint(row: EndpointRecord): DriverEndpoint {
    return {
      id: row.id,
      mac: row.mac,
      ...(row.ipv4 ? { ipv4: row.ipv4 } : {}),
      ...(row.ipv6 ? { ipv6: row.ipv6 } : {}),
    };
  }

  /** What the endpoint is. @example `ep.info().ipv4Address // '172.18.0.2/16'` */
  info(): EndpointInfo {
    const r = this.row();
    return {
      id: r.id as EndpointId,
      name: r.name,
      networkId: r.networkId as NetworkId,
      ...(r.ipv4 ? { ipv4Address: r.ipv4 } : {}),
      ...(r.ipv6 ? { ipv6Address: r.ipv6 } : {}),
      macAddress: r.mac,
      aliases: r.aliases,
      portBindings: r.portBindings,
      published: publishedBindings(this.ctl, this.id),
      exposedPorts: r.exposedPorts,
      warnings: r.joinInfo?.warnings ?? [],
      ...(r.sandboxId ? { sandboxId: r.sandboxId as SandboxId } : {}),
      ...(r.sandboxIfname ? { ifname: r.sandboxIfname } : {}),
      ...(r.hostIfname ? { hostIfname: r.hostIfname } : {}),
      created: r.created,
    };
  }

  /**
   * Puts the endpoint into a sandbox (`docker network connect`, second half).
   * Every check — the sandbox's other networks, the network's capacity, the
   * host ports — comes before anything is made: a refused join leaves the
   * kernel as it was.
   *
   * @example
   * ```ts
   * await ep.join(sb)
   * ```
   */
  async join(sb: Sandbox, o: JoinOptions = {}): Promise<void> {
    await this.joinUnder(sb, o);
    try {
      // A sandbox on an overlay network gets its way out (docker_gwbridge), as Docker's join does.
      await settleEgress(this.ctl, sb);
    } catch (error) {
      await this.leave(sb, { force: true }).catch(() => {});
      throw error;
    }
  }

  /**
   * The join, under an intent the caller holds (connect's, which this join
   * ends when it is done) or under one of its own.
   *
   * @internal
   */
  async joinUnder(sb: Sandbox, o: JoinOptions, held?: number): Promise<void> {
    const row = this.row();
    if (row.sandboxId) {
      throw new CnmError(
        'CNM_ENDPOINT_EXISTS',
        `endpoint ${row.name} is already joined to sandbox ${row.sandboxId.slice(0, 12)}`,
      );
    }
    const net = this.ctl.networkRow(row.networkId);
    const driver = this.ctl.driver(net.driver);
    // This host's store (the sandbox, the intent) and the network's (the endpoint's record).
    const store = this.ctl.store;
    const records = this.ctl.storeOf(row.networkId);
    const sandboxName = sb.info().name;
    const inSandbox = this.ctl.read.endpoints.list({ sandboxId: sb.id });
    if (inSandbox.some((e) => e.networkId === row.networkId)) {
      throw new CnmError(
        'CNM_ENDPOINT_EXISTS',
        `endpoint with name ${sandboxName} already exists in network ${net.name}: sandbox ${sandboxName} is on it`,
      );
    }
    this.checkExclusive(inSandbox, sandboxName, net);
    if (records !== store && driver.discoverNew) this.checkAgent(net.name);
    const max = this.ctl.endpointLimit(driver, net);
    if (max) {
      const joined = this.ctl.read.endpoints.count(row.networkId, { joined: true });
      if (joined >= max.count) {
        throw new CnmError('CNM_BRIDGE_FULL', `network ${net.name} has ${joined} endpoints: ${max.why}`);
      }
    }
    // A predefined network's objects are made before its first join (after every check:
    // a refused join makes nothing).
    const dnet = this.ctl.driverNetwork(await this.ctl.ensureMade(net));
    const prefix = driver.interfacePrefix(dnet);
    const sandbox = await this.ctl.sandboxNamespace(sb.id);
    const asked = row.portBindings;
    // Docker publishes nothing from an internal network (there is no way in): ignored, and said so.
    // A driver without gateways has them published on the sandbox's gateway network (egress.ts).
    const requested = net.internal || !driver.capabilities.publishesPorts ? [] : asked;
    const warnings =
      net.internal && asked.length > 0
        ? [`${asked.length} published port(s) ignored: network ${net.name} is internal`]
        : [];
    const ep = this.driverEndpoint(row);
    // Which endpoint this join left carrying the sandbox's default route.
    const assumed = await allOrNothing(async (undo) => {
      const planned = driver.plannedJoin(dnet, ep);
      // Before any kernel call: what the join will make, where (the sandbox and the name
      // in it), for the repair after a crash; and one more link counted for the sandbox,
      // so a failed join never leaves the next one expecting ifindex 2.
      const { intent, pristine, ifname } = await store.transact((tx) => {
        // A namespace cnm made holds only lo until it gets its first link: that one is
        // ifindex 2. Read and counted in one transaction, so two joins never both expect it.
        const made = tx.sandboxes.countLink(sb.id);
        const pristine = made.owned && made.linksMade === 0;
        const ifname = freeInterfaceName(this.ctl.readIn(tx), sb.id, prefix);
        const hints = {
          sandbox: sb.id,
          ifname,
          ...hostEnd(planned),
          ...(Object.keys(planned.state).length > 0 ? { joinState: JSON.stringify(planned.state) } : {}),
        };
        if (held === undefined) {
          return {
            intent: this.ctl.intents.record(tx, 'endpoint.join', { endpoint: this.id, network: net.id, ...hints }),
            pristine,
            ifname,
          };
        }
        tx.intents.amend(held, hints);
        return { intent: held, pristine, ifname };
      });
      if (held === undefined) undo.push(() => this.ctl.intents.end(intent));
      // Host ports settled and recorded first: one taken (in the store or on the host)
      // refuses the join before any link is made.
      const settled = await publish(this.ctl, this.id, requested, driver.defaultHostIp?.(dnet));
      if (settled.length > 0) undo.push(() => store.transact((tx) => tx.ports.remove(this.id)));
      const plan = await driver.join(this.ctl.ctx, dnet, ep, { sandbox, ifname });
      // The sandbox's default route: this endpoint takes it when it comes first in line.
      const others = gatewayCandidates(this.ctl, sb.id);
      const before = chooseGateway(others);
      const info = joinInfo(plan, { ...o, warnings });
      const self: GatewayCandidate = {
        endpointId: this.id,
        networkName: net.name,
        ifname,
        gateway: plan.gateway,
        priority: info.priority,
        preference: info.preference,
      };
      const carries = chooseGateway([...others, self])?.endpointId === this.id;
      // Undone in reverse: the interface goes first (its routes with it), then the
      // default route goes back to the endpoint that carried it before.
      if (carries && before) undo.push(() => restoreGateway(sandbox, before));
      const leave: LeaveRequest = { sandbox, ifname, state: plan.state, ...hostEnd(plan) };
      undo.push(() => driver.leave(this.ctl.ctx, dnet, ep, leave));
      await runJoinPlan(
        plan,
        ifname,
        this.ctl.host,
        sandbox,
        (index) => [...addressOps(ep, plan, index), ...(carries ? defaultRouteOps(self, index, before) : [])],
        pristine ? 2 : undefined,
      );
      crashPoint('endpoint.join.kernel');
      const withPorts = { ...ep, portBindings: settled };
      if (settled.length > 0) {
        await driver.programExternalConnectivity(this.ctl.ctx, dnet, withPorts);
        undo.push(() => driver.revokeExternalConnectivity(this.ctl.ctx, dnet, withPorts));
      }
      crashPoint('endpoint.publish.kernel');
      // Compare and set: another caller joining this endpoint meanwhile wins, and this join is undone.
      // A global network's endpoint says where it is: this host's underlay address (its VTEP).
      const vtep = records !== store ? this.ctl.advertiseAddress : undefined;
      await this.ctl.finishUnderIntent(records, intent, (tx) =>
        tx.endpoints.update(
          this.id,
          { sandboxId: sb.id, hostIfname: plan.hostIfname, sandboxIfname: ifname, joinInfo: info, vtep },
          row.revision,
        ),
      );
      return carries ? this.id : before?.endpointId;
    });
    await this.settleGateway(sandbox, sb.id, assumed);
    // The network was just made here: its peers on other hosts are programmed now (the agent
    // keeps them current after, and programs them on every other join).
    if (records !== store && driver.discoverNew && !net.made) await syncPeers(this.ctl);
  }

  /**
   * Joins of one sandbox in two processes at once each chose the default
   * route without seeing the other's endpoint (not recorded yet). Once this
   * join is recorded the store sees every endpoint recorded before it, so the
   * last join to record puts the route where the store's choice is; each
   * later join or leave chooses again anyway. A route that cannot be moved
   * now is left to them: the join itself is done.
   */
  private async settleGateway(sandbox: Netns, sandboxId: string, assumed: string | undefined): Promise<void> {
    const carrier = chooseGateway(gatewayCandidates(this.ctl, sandboxId));
    if (!carrier || carrier.endpointId === assumed) return;
    await restoreGateway(sandbox, carrier).catch(() => {});
  }

  // A multi-host network's peers are kept current by this host's agent: without one running,
  // nobody would program the other hosts' endpoints here, nor tell them of this one.
  private checkAgent(networkName: string): void {
    const me = this.ctl.advertiseAddress;
    if (me && this.ctl.cluster?.hosts().some((h) => h.address === me)) return;
    throw new CnmError(
      'CNM_AGENT_NOT_RUNNING',
      `network ${networkName} spans hosts: run this host's agent first (cnm agent --cluster-store ... --advertise-addr ${me ?? 'IP'}), which keeps its peers current`,
    );
  }

  // Docker's `none` and `host`: a sandbox on such a network is on no other.
  private checkExclusive(inSandbox: readonly EndpointRecord[], sandboxName: string, net: NetworkRecord): void {
    const others = inSandbox
      .filter((e) => e.networkId !== net.id)
      .flatMap((e) => this.ctl.read.networks.get(e.networkId) ?? []);
    if (others.length === 0) return;
    const exclusive = [net, ...others].find((n) => this.ctl.driver(n.driver).capabilities.exclusive);
    if (exclusive) {
      throw new CnmError(
        'CNM_INVALID_CONFIG',
        `sandbox ${sandboxName} cannot be on network ${net.name} together with ${others.map((o) => o.name).join(', ')}: a sandbox on a ${exclusive.driver} network (${exclusive.name}) is on no other network`,
      );
    }
  }

  /**
   * Takes the endpoint out of its sandbox (`docker network disconnect`,
   * first half): firewall state first, then links (netavark #1482).
   *
   * With `force`, a failing driver step does not stop it and the endpoint
   * is recorded as left (`docker network disconnect -f`). Elements a failed
   * firewall step left go on the next `recover()`, which rebuilds them from
   * the store.
   *
   * @example
   * ```ts
   * await ep.leave(sb)
   * ```
   */
  async leave(sb: Sandbox, o: { readonly force?: boolean } = {}): Promise<void> {
    const row = this.row();
    if (row.sandboxId !== sb.id) {
      throw new CnmError(
        'CNM_ENDPOINT_NOT_FOUND',
        `endpoint ${row.name} is not joined to sandbox ${sb.info().name}: container ${sb.info().name} is not connected to the network`,
      );
    }
    const hostIfname = row.hostIfname;
    const intent = await this.ctl.intents.begin('endpoint.leave', {
      endpoint: this.id,
      network: row.networkId,
      ...(hostIfname ? { hostIfname } : {}),
    });
    try {
      await this.takeDown(row, hostIfname, !!o.force);
    } catch (error) {
      // Still joined in the store, and every step can run again: a retry or recover() finishes it.
      await this.ctl.intents.end(intent);
      throw error;
    }
    crashPoint('endpoint.leave.kernel');
    await this.recordLeft(intent);
    // The sandbox's way out may have hung on this endpoint, or now be needed.
    await settleEgress(this.ctl, sb);
    await this.releaseIfLastHere(row.networkId);
  }

  /**
   * A global network's objects on this host go with its last endpoint here,
   * as Docker's overlay removes its namespace with the last local join; the
   * next join here makes them again. Not this operation's failure if they
   * cannot go now: the next leave tries again, and the next join reuses them.
   */
  private async releaseIfLastHere(networkId: string): Promise<void> {
    if (this.ctl.storeOf(networkId) === this.ctl.store) return;
    await releaseNetwork(this.ctl, networkId).catch(() => false);
  }

  /**
   * Leaves whatever sandbox the endpoint is in, carrying on past failures:
   * the repair of an interrupted join (undone) or leave (finished). The
   * endpoint stays, with its addresses. Returns what failed.
   *
   * @internal
   */
  async forceLeave(hostIfname?: string, joining?: JoinHints): Promise<unknown[]> {
    const row = this.storedRow();
    if (!row) return [];
    const failures = await this.takeDown(row, row.hostIfname ?? hostIfname, true, false, joining);
    await this.recordLeft();
    return failures;
  }

  /**
   * The kernel half of leaving: the published ports' elements, then the
   * driver's links. Missing pieces are no error. With `force` every step
   * runs and the failures come back; without, the first failure throws.
   */
  private async takeDown(
    row: EndpointRecord,
    hostIfname: string | undefined,
    force: boolean,
    sandboxGoing = false,
    joining: JoinHints = {},
  ): Promise<unknown[]> {
    const bindings = publishedBindings(this.ctl, this.id);
    // Where the endpoint is (or an interrupted join was putting it): the row, else the intent.
    const sandboxId = row.sandboxId ?? joining.sandbox;
    const ifname = row.sandboxIfname ?? joining.ifname;
    // Never joined, or left already, and nothing published: nothing in the kernel to take down.
    if (!sandboxId && !hostIfname && bindings.length === 0) return [];
    const { driver, dnet } = this.networkOf(row);
    const ep = this.driverEndpoint(row);
    const info = row.joinInfo;
    const { sandbox, close } = sandboxId ? await this.openSandbox(sandboxId, joining.netnsPath) : {};
    const before = row.sandboxId && sandbox && !sandboxGoing ? gatewayCandidates(this.ctl, row.sandboxId) : [];
    const leave: LeaveRequest = {
      state: info?.state ?? joining.state ?? {},
      ...(sandbox ? { sandbox } : {}),
      ...(ifname ? { ifname } : {}),
      ...(hostIfname ? { hostIfname } : {}),
    };
    const steps: (() => Promise<void>)[] = [
      async () => {
        if (bindings.length > 0)
          await driver.revokeExternalConnectivity(this.ctl.ctx, dnet, { ...ep, portBindings: bindings });
      },
      async () => {
        try {
          await driver.leave(this.ctl.ctx, dnet, ep, leave);
        } catch (error) {
          // Forced past a driver that cannot leave: at least the host end it reported
          // goes (the peer goes with it), so nothing of the endpoint stays in the kernel.
          if (force && hostIfname)
            await rtnl(this.ctl.host)
              .linkDel(hostIfname)
              .catch(() => {});
          throw error;
        }
      },
      async () => {
        // Its interface is gone: if it carried the default route, the next in line does.
        if (sandbox && before.length > 1) await moveGatewayAfterLeave(sandbox, before, this.id);
        // An interrupted join may have taken the route before it died: the carrier the
        // store names gets it back (replacing is harmless when it still has it).
        if (sandbox && !row.sandboxId && sandboxId) {
          const carrier = chooseGateway(gatewayCandidates(this.ctl, sandboxId));
          if (carrier) await restoreGateway(sandbox, carrier);
        }
      },
    ];
    try {
      return await runSteps(steps, force);
    } finally {
      close?.();
    }
  }

  // The sandbox's namespace, or nothing when it is gone (its links went with it). A
  // sandbox never recorded (an interrupted connectMany that adopted a namespace) is
  // opened by the path its intent names, and closed again after (`close`).
  private async openSandbox(
    id: string,
    unrecordedPath?: string,
  ): Promise<{ sandbox?: Netns | undefined; close?: () => void }> {
    const sandbox = await this.ctl.sandboxNamespace(id).catch((error: { code?: string }) => {
      if (error.code === 'CNM_SANDBOX_NOT_FOUND') return undefined;
      throw error;
    });
    if (sandbox || !unrecordedPath || this.ctl.store.read.sandboxes.get(id)) return { sandbox };
    const adopted = await netnsOpen(unrecordedPath).catch(() => undefined);
    return adopted ? { sandbox: adopted, close: () => adopted.close() } : {};
  }

  /**
   * Takes the endpoint out of any sandbox and deletes it, whatever state an
   * interrupted operation or outside interference left it in: firewall
   * elements, links, published ports, addresses and the row. Used by
   * disconnect, sandbox removal and crash repair. Returns what failed (with
   * `force`; without, the first failure throws and the row stays).
   *
   * @internal
   */
  async remove(o: RemoveOptions): Promise<unknown[]> {
    const row = this.storedRow();
    if (!row) {
      if (o.intent !== undefined) await this.ctl.intents.end(o.intent);
      return [];
    }
    const failures = await this.takeDown(row, row.hostIfname ?? o.hostIfname, o.force, o.sandboxGoing, o.joining);
    const { driver, dnet } = this.networkOf(row);
    failures.push(
      ...(await runSteps([() => driver.deleteEndpoint(this.ctl.ctx, dnet, this.driverEndpoint(row))], o.force)),
    );
    await this.ctl.finishUnderIntent(
      this.ctl.storeOf(row.networkId),
      o.intent,
      (tx) => {
        this.ctl.ipam.releaseAddresses(tx, row.networkId, row.id);
        tx.endpoints.remove(row.id);
      },
      // Its published ports are this host's.
      (tx) => tx.ports.remove(row.id),
    );
    await this.releaseIfLastHere(row.networkId);
    return failures;
  }

  /**
   * Publishes more ports on a joined endpoint (host ports settled and
   * recorded, then one nft batch of elements). Returns them as settled.
   *
   * @example
   * ```ts
   * const [b] = await ep.publish([{ proto: 'tcp', containerPort: 80 }])   // an automatic host port
   * ```
   */
  async publish(bindings: readonly PortBinding[]): Promise<ResolvedBinding[]> {
    const row = this.row();
    if (!row.sandboxId) throw new CnmError('CNM_ENDPOINT_NOT_FOUND', `endpoint ${row.name} is not joined`);
    const net = this.ctl.networkRow(row.networkId);
    const driver = this.ctl.driver(net.driver);
    if (!driver.capabilities.publishesPorts) {
      const where = driver.capabilities.egressThroughGatewayNetwork
        ? `; ask for them when connecting, and they are published on the sandbox's ${GATEWAY_NETWORK} endpoint`
        : '';
      throw new CnmError('CNM_INVALID_CONFIG', `portBindings: the ${net.driver} driver publishes no ports${where}`);
    }
    if (net.internal)
      throw new CnmError('CNM_INVALID_CONFIG', `portBindings: network ${net.name} is internal; nothing is published`);
    for (const [i, b] of bindings.entries()) validateBinding(b, i, net.enableIPv6);
    const dnet = this.ctl.driverNetwork(net);
    // The intent is recorded in the same transaction as the ports: a crash
    // before the elements are in leaves an intent that takes the rows back.
    let intent: number | undefined;
    const settled = await publish(this.ctl, this.id, bindings, driver.defaultHostIp?.(dnet), (tx, s) => {
      intent = this.ctl.intents.record(tx, 'endpoint.publish', { endpoint: this.id, bindings: JSON.stringify(s) });
    });
    try {
      crashPoint('endpoint.publish.recorded');
      await driver.programExternalConnectivity(this.ctl.ctx, dnet, {
        ...this.driverEndpoint(row),
        portBindings: settled,
      });
      crashPoint('endpoint.publish.late');
    } catch (error) {
      await this.ctl.store.transact((tx) => tx.ports.remove(this.id, settled));
      throw error;
    } finally {
      if (intent !== undefined) await this.ctl.intents.end(intent);
    }
    return settled;
  }

  /**
   * Takes back the endpoint's published ports, or only `some` of them
   * (elements, then rows). Elements already missing are not an error.
   *
   * @example
   * ```ts
   * await ep.revokePorts()                       // unpublish everything, stay joined
   * ```
   */
  async revokePorts(some?: readonly ResolvedBinding[]): Promise<void> {
    const bindings = some ?? publishedBindings(this.ctl, this.id);
    if (bindings.length === 0) return;
    const row = this.row();
    const net = this.ctl.networkRow(row.networkId);
    // Finished by the next open if this process dies between elements and rows.
    const intent = await this.ctl.intents.begin('endpoint.unpublish', {
      endpoint: this.id,
      bindings: JSON.stringify(bindings),
    });
    await this.ctl.driver(net.driver).revokeExternalConnectivity(this.ctl.ctx, this.ctl.driverNetwork(net), {
      ...this.driverEndpoint(row),
      portBindings: bindings,
    });
    await this.ctl.store.transact((tx) => {
      tx.ports.remove(this.id, bindings);
      tx.intents.remove(intent);
    });
  }

  /**
   * Records that the endpoint is in no sandbox and publishes nothing (its
   * links are already gone), ending `intent` with it. @internal
   */
  async recordLeft(intent?: number): Promise<void> {
    const row = this.storedRow();
    await this.ctl.finishUnderIntent(
      row ? this.ctl.storeOf(row.networkId) : this.ctl.store,
      intent,
      (tx) => {
        if (tx.endpoints.get(this.id))
          tx.endpoints.update(this.id, { sandboxId: undefined, hostIfname: undefined, sandboxIfname: undefined });
      },
      (tx) => tx.ports.remove(this.id),
    );
  }

  /**
   * Deletes the endpoint and frees its addresses; refused while joined.
   *
   * @example
   * ```ts
   * await ep.delete()
   * ```
   */
  async delete(): Promise<void> {
    const row = this.row();
    if (row.sandboxId) throw new CnmError('CNM_ENDPOINT_EXISTS', `endpoint ${row.name} is still joined; leave first`);
    await this.remove({ force: false });
  }

  /**
   * Packet and byte counters of the endpoint's interface in its sandbox.
   *
   * @example
   * ```ts
   * const { rxPackets } = await ep.stats()
   * ```
   */
  async stats(): Promise<LinkStats> {
    const row = this.row();
    if (!row.sandboxId || !row.sandboxIfname)
      throw new CnmError('CNM_ENDPOINT_NOT_FOUND', `endpoint ${row.name} is not joined`);
    const link = await rtnl(await this.ctl.sandboxNamespace(row.sandboxId)).link(row.sandboxIfname);
    if (!link.stats) throw new CnmError('CNM_NOT_SUPPORTED', 'the kernel reported no statistics');
    return link.stats;
  }
}

/**
 * The first interface name of `prefix` (`eth0`, `eth1`, ...) that no endpoint
 * in the sandbox has and no join under way into it has chosen (its intent
 * names it). Chosen inside the transaction that records the join's intent,
 * so two joins of one sandbox at once, in one process or two, never choose
 * the same name.
 */
function freeInterfaceName(tx: StoreReads, sandboxId: string, prefix: string): string {
  const used = new Set<unknown>(tx.endpoints.list({ sandboxId }).map((e) => e.sandboxIfname));
  for (const i of tx.intents.list()) if (i.subject.sandbox === sandboxId) used.add(i.subject.ifname);
  let n = 0;
  while (used.has(`${prefix}${n}`)) n++;
  return `${prefix}${n}`;
}

/**
 * Runs teardown steps in order. With `force` every step runs and the
 * failures come back; without, the first failure throws.
 */
async function runSteps(steps: readonly (() => Promise<void>)[], force: boolean): Promise<unknown[]> {
  const failures: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      if (!force) throw error;
      failures.push(error);
    }
  }
  return failures;
}
