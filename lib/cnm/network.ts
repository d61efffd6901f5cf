// SPDX-License-Identifier: GPL-2.0-or-later
/** Network: creates endpoints, connects sandboxes, and is deleted when empty. */
import { CnmError } from '../errors';
import { type ConnectManyOptions, type ConnectManyResult, type ConnectManySpec, connectMany } from './connect-many';
import type { NetworkController } from './controller';
import { crashPoint } from './crash';
import { settleEgress } from './egress';
import { Endpoint } from './endpoint';
import { checkMac, checkName, type NetworkId, newId, newMac, nowIso } from './ids';
import { parsePrefix } from './ipam/cidr';
import { validateBinding } from './ports';
import type { Sandbox } from './sandbox';
import type { StoreTx } from './store/ports';
import type { EndpointCreateOptions, JoinOptions, NetworkInfo } from './types';

/**
 * A network: a driver's network with its subnets, endpoints joined to
 * sandboxes, and Docker's `network` verbs as methods.
 *
 * @example
 * ```ts
 * const net = await ctl.createNetwork({ name: 'web' })
 * const ep = await net.connect(sb)          // docker network connect web c1
 * await net.disconnect(sb)                  // docker network disconnect web c1
 * await net.delete()                        // docker network rm web
 * ```
 */
export class Network {
  /** Its id (64 hex characters), typed apart from other ids. */
  readonly id: NetworkId;

  /** Made by the controller and the model (`ctl.network(name)`, `net.connect(sb)`, ...). @internal */
  constructor(
    private readonly ctl: NetworkController,
    id: string,
  ) {
    this.id = id as NetworkId;
  }

  /** `docker network inspect` (without containers). @example `net.info().ipam.config[0].subnet` */
  info(): NetworkInfo {
    return this.ctl.networkInfo(this.ctl.networkRow(this.id));
  }

  /**
   * An endpoint with its addresses allocated (in one store transaction).
   *
   * @example
   * ```ts
   * const ep = await net.createEndpoint({ name: 'web-1', ipv4Address: '10.10.0.5' })
   * ```
   */
  async createEndpoint(o: EndpointCreateOptions = {}): Promise<Endpoint> {
    const { endpoint, intent } = await this.createEndpointUnder(o, 'endpoint.create');
    await this.ctl.intents.end(intent);
    return endpoint;
  }

  /**
   * Creates an endpoint under an intent recorded with its row, which the
   * caller ends: `endpoint.create` alone, or `network.connect` when a join
   * follows (a crash before the join is done then removes the endpoint too).
   *
   * @internal
   */
  async createEndpointUnder(
    o: EndpointCreateOptions,
    op: 'endpoint.create' | 'network.connect',
    subject: Readonly<Record<string, string>> = {},
  ): Promise<{ endpoint: Endpoint; intent: number }> {
    const row = this.ctl.networkRow(this.id);
    const driver = this.ctl.driver(row.driver);
    const id = newId();
    const name = o.name ?? `ep-${id.slice(0, 12)}`;
    checkName(name, 'endpoint');
    if (o.macAddress !== undefined) checkMac(o.macAddress);
    const mac = (o.macAddress ?? newMac()).toLowerCase();
    for (const [field, v] of [
      ['ipv4Address', o.ipv4Address],
      ['ipv6Address', o.ipv6Address],
    ] as const) {
      if (v !== undefined && !driver.capabilities.addresses) {
        throw new CnmError('CNM_INVALID_CONFIG', `${field}: the ${row.driver} driver gives no addresses`);
      }
    }
    for (const [i, b] of (o.portBindings ?? []).entries()) validateBinding(b, i, row.enableIPv6);
    const publishes = driver.capabilities.publishesPorts || driver.capabilities.egressThroughGatewayNetwork;
    if ((o.portBindings?.length ?? 0) > 0 && !publishes) {
      throw new CnmError('CNM_INVALID_CONFIG', `portBindings: the ${row.driver} driver publishes no ports`);
    }
    if (o.ipv6Address && !row.enableIPv6) {
      throw new CnmError('CNM_INVALID_CONFIG', 'ipv6Address: the network has no IPv6 (enableIPv6)');
    }
    const dnet = this.ctl.driverNetwork(row);
    // What a join would make, recorded now: a crash at any later moment is undone whole.
    const planned = driver.plannedJoin(dnet, { id, mac });
    const hostEnd = planned.hostIfname ? { hostIfname: planned.hostIfname } : {};
    const store = this.ctl.storeOf(this.id);
    const subjectOf = { endpoint: id, network: this.id, ...hostEnd, ...subject };
    const {
      result: { ipv4, ipv6 },
      intent,
    } = await this.ctl.recordUnderIntent(store, op, subjectOf, (tx) => {
      if (tx.endpoints.byName(this.id, name)) {
        throw new CnmError('CNM_ENDPOINT_EXISTS', `endpoint with name ${name} already exists in network ${row.name}`);
      }
      const addresses = driver.capabilities.addresses;
      const ipv4 = addresses ? this.ctl.ipam.requestAddress(tx, this.id, 4, id, o.ipv4Address) : undefined;
      const ipv6 =
        addresses && row.enableIPv6 ? this.ctl.ipam.requestAddress(tx, this.id, 6, id, o.ipv6Address) : undefined;
      tx.endpoints.insert({
        id,
        networkId: this.id,
        name,
        ...(ipv4 ? { ipv4 } : {}),
        ...(ipv6 ? { ipv6 } : {}),
        mac,
        aliases: [...(o.aliases ?? [])],
        portBindings: [...(o.portBindings ?? [])],
        exposedPorts: [...(o.exposedPorts ?? [])],
        created: nowIso(),
      });
      return { ipv4, ipv6 };
    });
    const endpoint = new Endpoint(this.ctl, id);
    try {
      const chosen = await driver.createEndpoint(this.ctl.ctx, dnet, {
        id,
        mac,
        ...(ipv4 ? { ipv4 } : {}),
        ...(ipv6 ? { ipv6 } : {}),
      });
      // The driver may choose the MAC where the caller left it open (libnetwork's rule).
      if (chosen?.mac && o.macAddress === undefined && chosen.mac !== mac) {
        checkMac(chosen.mac);
        const chosenMac = chosen.mac.toLowerCase();
        await store.transact((tx) => tx.endpoints.update(id, { mac: chosenMac }));
      }
    } catch (error) {
      await endpoint.remove({ force: true, intent });
      throw error;
    }
    return { endpoint, intent };
  }

  /**
   * createEndpoint + join (`docker network connect`), all or nothing, also
   * across a crash: the endpoint is named after the sandbox unless given a
   * name, as Docker names it after the container.
   *
   * @example
   * ```ts
   * const ep = await net.connect(sb, { ipv4Address: '10.10.0.9' })
   * ```
   */
  async connect(sb: Sandbox, o: EndpointCreateOptions & JoinOptions = {}): Promise<Endpoint> {
    const endpoint = await this.attach(sb, o);
    try {
      // A sandbox on an overlay network gets its way out (docker_gwbridge), as Docker's join does.
      await settleEgress(this.ctl, sb);
    } catch (error) {
      await endpoint.remove({ force: true });
      await settleEgress(this.ctl, sb).catch(() => {});
      throw error;
    }
    return endpoint;
  }

  /**
   * connect without settling the sandbox's way out (what settling it uses).
   *
   * @internal
   */
  async attach(sb: Sandbox, o: EndpointCreateOptions & JoinOptions = {}): Promise<Endpoint> {
    const { endpoint, intent } = await this.createEndpointUnder(
      { ...o, name: o.name ?? sb.info().name },
      'network.connect',
      { sandbox: sb.id },
    );
    try {
      await endpoint.joinUnder(sb, o, intent);
    } catch (error) {
      const failures = await endpoint.remove({ force: true, intent });
      if (failures.length > 0 && error instanceof Error) Object.assign(error, { undoErrors: failures });
      throw error;
    }
    return endpoint;
  }

  /**
   * The sandbox's endpoint on this network leaves and is removed
   * (`docker network disconnect`). The target is a sandbox, or its name or
   * id. With `force` (`disconnect -f`), a failing driver step does not stop
   * it, and the target may also name a stale endpoint — one whose sandbox is
   * gone, or that was never joined — by its name or id: it is removed
   * whatever state it is in.
   *
   * @example
   * ```ts
   * await net.disconnect(sb)
   * await net.disconnect('c1', { force: true })     // docker network disconnect -f net c1
   * ```
   */
  async disconnect(target: Sandbox | string, o: { readonly force?: boolean } = {}): Promise<void> {
    const force = !!o.force;
    const endpoint = this.endpointToDisconnect(target, force);
    const row = endpoint.info();
    const intent = await this.ctl.intents.begin('network.disconnect', {
      endpoint: endpoint.id,
      network: this.id,
      ...(row.hostIfname ? { hostIfname: row.hostIfname } : {}),
    });
    try {
      await endpoint.remove({ force, intent });
    } catch (error) {
      // Unforced and refused by a driver step: still joined, and a retry or recover() finishes it.
      await this.ctl.intents.end(intent);
      throw error;
    }
    // The sandbox's way out may have hung on this endpoint, or now be needed.
    if (row.sandboxId && this.ctl.read.sandboxes.get(row.sandboxId))
      await settleEgress(this.ctl, this.ctl.sandbox(row.sandboxId));
  }

  // The endpoint a disconnect is about: the sandbox's on this network, or with
  // force, an endpoint of this network named (or with the id) as given.
  private endpointToDisconnect(target: Sandbox | string, force: boolean): Endpoint {
    const endpoints = this.ctl.read.endpoints;
    const netName = this.info().name;
    let sandbox: { id: string; name: string } | undefined;
    if (typeof target !== 'string') sandbox = { id: target.id, name: target.info().name };
    else {
      try {
        const found = this.ctl.sandboxRow(target);
        sandbox = { id: found.id, name: found.name };
      } catch (error) {
        if (!force || (error as { code?: string }).code !== 'CNM_SANDBOX_NOT_FOUND') throw error;
      }
    }
    if (sandbox) {
      const [joined] = endpoints.list({ sandboxId: sandbox.id, networkId: this.id });
      if (joined) return new Endpoint(this.ctl, joined.id);
      if (!force) {
        throw new CnmError(
          'CNM_ENDPOINT_NOT_FOUND',
          `container ${sandbox.name} is not connected to network ${netName}`,
        );
      }
    }
    const name = typeof target === 'string' ? target : (sandbox?.name ?? '');
    // A name, a full id, or an id prefix of six or more characters (as Docker finds them).
    const stale =
      endpoints.byName(this.id, name) ??
      (name.length >= 6 ? endpoints.list({ networkId: this.id }).find((e) => e.id.startsWith(name)) : undefined);
    if (!stale) {
      throw new CnmError(
        'CNM_ENDPOINT_NOT_FOUND',
        `No such container or endpoint: ${name} is not connected to network ${netName}`,
      );
    }
    return new Endpoint(this.ctl, stale.id);
  }

  /**
   * Attaches many new sandboxes at once, for harnesses: one store
   * transaction allocates every address, each sandbox is then one crossing
   * into the addon, `concurrency` at a time. A result per item: a failed
   * item is fully undone, the others stay.
   *
   * @example
   * ```ts
   * const results = await net.connectMany(Array.from({ length: 100 }, () => ({})), { concurrency: 4 })
   * const sandboxes = results.flatMap((r) => (r.ok ? [r.sandbox] : []))
   * ```
   */
  connectMany(specs: readonly ConnectManySpec[], options: ConnectManyOptions = {}): Promise<ConnectManyResult[]> {
    return connectMany(this.ctl, this, specs, options);
  }

  /**
   * The hosts with endpoints joined on a global network (Docker's `Peers`):
   * each host's name (as its agent registered it; its address when its
   * agent is gone) and underlay address. Empty for a local network.
   *
   * @example
   * ```ts
   * net.peers()   // [{ name: 'node-a', address: '10.0.0.5' }, { name: 'node-b', address: '10.0.0.6' }]
   * ```
   */
  peers(): { readonly name: string; readonly address: string }[] {
    const names = new Map((this.ctl.cluster?.hosts() ?? []).map((h) => [h.address, h.name]));
    const vteps = new Set(
      this.ctl.read.endpoints.list({ networkId: this.id, joined: true }).flatMap((e) => (e.vtep ? [e.vtep] : [])),
    );
    return [...vteps].sort().map((address) => ({ name: names.get(address) ?? address, address }));
  }

  /** The network's endpoints. @example `net.endpoints().length` */
  endpoints(): Endpoint[] {
    return this.ctl.read.endpoints.list({ networkId: this.id }).map((r) => new Endpoint(this.ctl, r.id));
  }

  /**
   * `docker network rm`: refused while endpoints exist, and for the
   * predefined networks (`bridge`, `host`, `none`).
   *
   * @example
   * ```ts
   * await net.delete()
   * ```
   */
  async delete(): Promise<void> {
    const row = this.ctl.networkRow(this.id);
    // Docker's words (`docker network rm bridge`).
    if (row.predefined) {
      throw new CnmError('CNM_INVALID_CONFIG', `${row.name} is a pre-defined network and cannot be removed`);
    }
    const store = this.ctl.storeOf(this.id);
    const unused = (tx: StoreTx) => {
      const count = tx.endpoints.count(this.id);
      if (count > 0) {
        throw new CnmError(
          'CNM_NETWORK_IN_USE',
          `error while removing network: network ${row.name} id ${row.id} has active endpoints (${count}); disconnect them first`,
        );
      }
    };
    // The check and the intent in one transaction: no endpoint can arrive in between
    // (a global network's endpoints, on any host, are checked again as its record goes).
    const { intent } = await this.ctl.recordUnderIntent(store, 'network.delete', { id: this.id }, unused);
    try {
      await this.ctl.deleteNetworkObjects(row);
    } catch (error) {
      // The network stays; every driver step runs again on a retry.
      await this.ctl.intents.end(intent);
      throw error;
    }
    crashPoint('network.delete.kernel');
    try {
      await this.ctl.finishUnderIntent(store, intent, (tx) => {
        unused(tx);
        tx.networks.remove(this.id);
      });
    } catch (error) {
      // Another host connected meanwhile: the network stays (its objects here come back at the next join).
      if ((error as { code?: string }).code === 'CNM_NETWORK_IN_USE') await this.ctl.intents.end(intent);
      throw error;
    }
    // This host's part of a global network goes with it.
    if (store !== this.ctl.store) await this.ctl.store.transact((tx) => tx.hostNetworks.remove(this.id));
  }
}

/** The prefix length of an `address/len`. @internal */
export function prefixLength(cidr: string): number {
  return parsePrefix(cidr, 'address', true).len;
}
