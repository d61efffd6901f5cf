// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * NetworkController: opens the store for one host namespace, registers the
 * drivers, and creates, lists and finds networks and sandboxes. Every
 * operation is all or nothing, with an undo per step.
 */

import type { Driver, DriverContext, DriverNetwork } from '../drivers/driver';
import { builtinDrivers, DEFAULT_DRIVER, RESERVED_NETWORK_NAMES } from '../drivers/registry';
import { CnmError, everyStep, TeardownError } from '../errors';
import type { Firewall } from '../firewall/firewall';
import { nftablesFirewall } from '../firewall/nftables/nftables-firewall';
import type { Netns } from '../kernel/binding';
import { mayAdministerNetworking } from '../kernel/capabilities';
import { netnsCurrent, netnsOpen, netnsOpenPid, netnsPending, netnsRemove } from '../kernel/netns';
import { rtnl, rtnlSequenceOrThrow } from '../kernel/rtnl';
import { sysctlWrite } from '../kernel/sysctl';
import { type AgentOptions, runAgent } from './agent';
import { type ClusterOptions, openCluster } from './cluster';
import { crashPoint } from './crash';
import { Endpoint } from './endpoint';
import { checkName, type NetworkId, newId, nowIso, type SandboxId } from './ids';
import { type IntentOp, Intents, type SubjectValue } from './intents';
import { type Prefix, parsePrefix } from './ipam/cidr';
import { Ipam } from './ipam/ipam';
import { type AddressPool, DEFAULT_POOLS, DEFAULT_POOLS_V6 } from './ipam/pools';
import { findByNameOrId } from './lookup';
import { Network } from './network';
import { ensureMade, missingPredefined, releaseNetwork, storePredefined } from './predefined';
import { recoverAll, repairOrphans } from './recover';
import { type DeleteSandboxesOptions, deleteSandboxes, Sandbox } from './sandbox';
import { sandboxError, sandboxSysctls } from './sandbox-options';
import { mergedReads } from './store/merged-reads';
import type { ClusterStore, Store, StoreReads, StoreTx } from './store/ports';
import type { NetworkRecord } from './store/records';
import { SqliteStore } from './store/sqlite/sqlite-store';
import type { NetworkCreateOptions, NetworkInfo, SandboxCreateOptions, SandboxInfo } from './types';
import { allOrNothing } from './undo';

export interface ControllerOptions {
  /** Where the store lives (default `CNM_STATE_DIR` or `/var/lib/cnm`). One per host namespace. */
  readonly stateDir?: string;
  /** The host namespace, as a handle or a path (default: this process's). */
  readonly hostNetns?: Netns | string;
  /** Where sandbox namespaces are created (default `CNM_NETNS_DIR` or `/run/cnm/netns`). */
  readonly netnsDir?: string;
  /** Docker's `default-address-pools`. */
  readonly defaultAddressPools?: readonly AddressPool[];
  readonly defaultAddressPoolsV6?: readonly AddressPool[];
  /** The host's packet filter (default: nftables, cnm's `inet cnm` table). */
  readonly firewall?: Firewall;
  /**
   * Where the records live instead of the SQLite store in `stateDir` (the
   * in-memory key store in tests). Closed with the controller. @internal
   */
  readonly store?: Store;
  /**
   * The cluster store for global-scope networks (Docker's `--cluster-store`,
   * `--cluster-advertise`); without it, a global-scope driver's networks are
   * refused.
   */
  readonly cluster?: ClusterOptions;
  /**
   * Keep Docker's default network, `bridge` (bridge device `cnm0`, the first
   * default pool): its row is made on open, its objects at its first join.
   * Default true, or `CNM_DEFAULT_BRIDGE=0` for false. `host` and `none`
   * always exist.
   */
  readonly defaultBridge?: boolean;
}

/** `defaultBridge` as given, else from `CNM_DEFAULT_BRIDGE` (`0` or `false`: off). @internal */
export function defaultBridgeWanted(given: boolean | undefined, env = process.env.CNM_DEFAULT_BRIDGE): boolean {
  if (given !== undefined) return given;
  return env === undefined || !/^(0|false|no|off)$/i.test(env.trim());
}

// Options and labels are name → text, as Docker's are; anything else would be stored mangled.
function checkStrings(map: unknown, field: string): void {
  if (map === undefined) return;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw new CnmError('CNM_INVALID_CONFIG', `${field}: an object of name → string`);
  }
  for (const [key, value] of Object.entries(map)) {
    if (typeof value !== 'string') throw new CnmError('CNM_INVALID_CONFIG', `${field}.${key}: must be a string`);
  }
}

/**
 * The entry point.
 *
 * @example
 * ```ts
 * await using ctl = await NetworkController.open({ stateDir: '/var/lib/cnm' })
 * const net = await ctl.createNetwork({ name: 'web' })          // docker network create web
 * await using sb = await ctl.createSandbox({ name: 'c1' })
 * await net.connect(sb)                                           // docker network connect web c1
 * ```
 */
export class NetworkController implements AsyncDisposable {
  /** @internal */
  readonly drivers = new Map<string, Driver>();
  /** @internal */
  readonly intents: Intents;
  /** This host's store: local networks, sandboxes, intents, published ports. @internal */
  readonly store: Store;
  /** The cluster store, for global-scope networks and their endpoints and addresses. @internal */
  readonly cluster: ClusterStore | undefined;
  /** This host's underlay address in the cluster (`cluster.advertiseAddress`). @internal */
  readonly advertiseAddress: string | undefined;
  /** The agent's lease ttl unless runAgent names one (`cluster.ttlSeconds`). @internal */
  readonly clusterTtlSeconds: number | undefined;
  /** Both stores read as one. @internal */
  readonly read: StoreReads;
  /** @internal */
  readonly ipam: Ipam;
  private readonly sandboxNetns = new Map<string, Netns>();
  private readonly ownsCluster: boolean;

  private constructor(
    store: Store,
    cluster:
      | {
          readonly store: ClusterStore;
          readonly owned: boolean;
          readonly address?: string;
          readonly ttlSeconds?: number;
        }
      | undefined,
    ipam: Ipam,
    /** The host namespace: bridges, nft tables and host-side veth ends live here. */
    readonly host: Netns,
    /** Where sandbox namespaces are created. */
    readonly netnsDir: string,
    private readonly ownsHost: boolean,
    firewall: Firewall,
  ) {
    this.store = store;
    this.cluster = cluster?.store;
    this.advertiseAddress = cluster?.address;
    this.clusterTtlSeconds = cluster?.ttlSeconds;
    this.ownsCluster = cluster?.owned ?? false;
    this.read = mergedReads(store.read, cluster?.store.read);
    this.ipam = ipam;
    for (const d of builtinDrivers()) this.drivers.set(d.type, d);
    this.intents = new Intents(store);
    this.ctx = { host, firewall, netnsDir, ...(cluster?.address ? { advertiseAddress: cluster.address } : {}) };
  }

  /**
   * Opens the controller for a host namespace and its state directory.
   *
   * @example
   * ```ts
   * const ctl = await NetworkController.open({ stateDir: '/tmp/cnm-state', hostNetns: '/run/netns/host1' })
   * ```
   */
  static async open(options: ControllerOptions = {}): Promise<NetworkController> {
    if (!mayAdministerNetworking()) {
      throw new CnmError(
        'CNM_NEED_CAP_NET_ADMIN',
        'cnm changes network namespaces, links and firewall rules: run it as root or with CAP_NET_ADMIN',
      );
    }
    const given = options.hostNetns;
    const host =
      given === undefined
        ? await netnsCurrent()
        : typeof given === 'string'
          ? await netnsOpen(given).catch((error: unknown) => {
              throw new CnmError(
                'CNM_INVALID_CONFIG',
                `hostNetns ${given} is not a network namespace file: ${(error as Error).message}`,
                { cause: error },
              );
            })
          : given;
    const stateDir = options.stateDir ?? process.env.CNM_STATE_DIR ?? '/var/lib/cnm';
    let store: Store;
    try {
      store = options.store ?? SqliteStore.open({ stateDir, hostNetnsId: host.id });
    } catch (error) {
      if (typeof given !== 'object') host.close();
      throw error;
    }
    let cluster: { store: ClusterStore; owned: boolean; address?: string; ttlSeconds?: number } | undefined;
    try {
      cluster = options.cluster
        ? {
            ...(await openCluster(options.cluster)),
            ...(options.cluster.advertiseAddress ? { address: options.cluster.advertiseAddress } : {}),
            ...(options.cluster.ttlSeconds ? { ttlSeconds: options.cluster.ttlSeconds } : {}),
          }
        : undefined;
    } catch (error) {
      await store.close();
      if (typeof given !== 'object') host.close();
      throw error;
    }
    const ipam = new Ipam(
      options.defaultAddressPools ?? DEFAULT_POOLS,
      options.defaultAddressPoolsV6 ?? DEFAULT_POOLS_V6,
    );
    const ctl = new NetworkController(
      store,
      cluster,
      ipam,
      host,
      options.netnsDir ?? process.env.CNM_NETNS_DIR ?? '/run/cnm/netns',
      typeof given !== 'object',
      options.firewall ?? nftablesFirewall(host),
    );
    // Finish or undo what crashed processes left half done (one query when nothing did);
    // then the predefined networks' rows (one query when they exist; nothing in the kernel).
    try {
      ctl.repairedAtOpen.push(...(await repairOrphans(ctl)));
      const defaultBridge = defaultBridgeWanted(options.defaultBridge);
      if (missingPredefined(ctl, defaultBridge).length > 0)
        await storePredefined(ctl, defaultBridge, await ctl.hostRoutes());
    } catch (error) {
      await ctl.close();
      throw error;
    }
    return ctl;
  }

  /**
   * Reconciles the kernel with the store after a crash or outside
   * interference: finishes or undoes interrupted operations, forgets
   * endpoints whose links are gone and sandboxes whose namespace is gone,
   * deletes veths of cnm's link groups that no endpoint owns, and recreates
   * missing bridges. Returns what it repaired. Every step is tried: what
   * failed comes back as one TeardownError (its `report` says what was
   * done); an aborted `signal` stops it between steps with CNM_ABORTED.
   *
   * @example
   * ```ts
   * for (const line of await ctl.recover()) console.log(line)
   * ```
   */
  async recover(options: { readonly signal?: AbortSignal } = {}): Promise<string[]> {
    // What opening this controller repaired already is part of the answer.
    const atOpen = this.repairedAtOpen.splice(0);
    try {
      return [...atOpen, ...(await recoverAll(this, options.signal))];
    } catch (error) {
      if (error instanceof TeardownError)
        throw new TeardownError('recover', error.errors, [...atOpen, ...error.report]);
      throw error;
    }
  }

  /** What the repair on open did, until recover() reports it. */
  private readonly repairedAtOpen: string[] = [];

  /** Repairs dead processes' intents now (as opening does), reported by the next recover(). @internal */
  async repairOrphansNow(): Promise<void> {
    this.repairedAtOpen.push(...(await repairOrphans(this)));
  }

  /**
   * A network's row once its driver objects exist on this host: a
   * predefined network's are made before its first join (here, or by
   * another process, waited for). @internal
   */
  ensureMade(row: NetworkRecord): Promise<NetworkRecord> {
    return ensureMade(this, row);
  }

  /**
   * Takes away the kernel objects of predefined networks that have them and
   * no endpoints (the default bridge's `cnm0` and its firewall state); the
   * networks stay, and their next join makes the objects again. For
   * harnesses that want the host as they found it. Returns the networks
   * released.
   *
   * @example
   * ```ts
   * await ctl.releasePredefined()          // ['bridge'] after the last sandbox left it (ip link del cnm0)
   * ```
   */
  async releasePredefined(): Promise<string[]> {
    const rows = this.store.read.networks.list({ predefined: true, made: true });
    const released: string[] = [];
    for (const r of rows) {
      const busy = this.store.read.endpoints.count(r.id) > 0;
      if (!busy && (await releaseNetwork(this, r.id))) released.push(r.name);
    }
    return released;
  }

  /**
   * Runs this host's agent (what `cnm agent` runs): keeps the host in the
   * cluster under a lease until `signal` aborts, then withdraws it. Needs
   * `cluster: { store, advertiseAddress }`.
   *
   * @example
   * ```ts
   * const stop = new AbortController()
   * process.once('SIGTERM', () => stop.abort())
   * await ctl.runAgent({ ttlSeconds: 15, signal: stop.signal })
   * ```
   */
  runAgent(options: AgentOptions = {}): Promise<void> {
    return runAgent(this, options);
  }

  /** What drivers get: the host namespace and the firewall. @internal */
  readonly ctx: DriverContext;

  /** Registers a driver (a remote one, or a replacement) under its type. */
  registerDriver(driver: Driver): void {
    this.drivers.set(driver.type, driver);
  }

  /** @internal */
  driver(type: string): Driver {
    const d = this.drivers.get(type);
    if (!d) throw new CnmError('CNM_INVALID_CONFIG', `driver: unknown driver "${type}"`);
    return d;
  }

  /**
   * `docker network create`.
   *
   * @example
   * ```ts
   * const net = await ctl.createNetwork({ name: 'backend', ipam: { config: [{ subnet: '10.10.0.0/24' }] }, internal: true })
   * ```
   */
  async createNetwork(o: NetworkCreateOptions): Promise<Network> {
    if (typeof o !== 'object' || o === null) {
      throw new CnmError('CNM_INVALID_CONFIG', 'createNetwork takes an object ({ name, driver?, ipam?, ... })');
    }
    checkName(o.name, 'network');
    if (RESERVED_NETWORK_NAMES.includes(o.name)) {
      // Docker's wording for a name its --network flag reserves.
      throw new CnmError('CNM_INVALID_CONFIG', `operation is not permitted on predefined ${o.name} network`);
    }
    checkStrings(o.options, 'options');
    checkStrings(o.labels, 'labels');
    const driver = this.driver(o.driver ?? DEFAULT_DRIVER);
    // Where its records live: this host's store, or (global scope) the cluster's.
    const store = this.storeFor(driver.capabilities.dataScope);
    const id = newId();
    const options = { ...(o.options ?? {}) };
    // Typed once, here; what the driver does not know is kept and shown (as Docker does).
    driver.parseOptions({ id, name: o.name, options, internal: !!o.internal, enableIPv6: !!o.enableIPv6 });
    if ((o.ipam?.driver ?? 'default') !== 'default') {
      throw new CnmError('CNM_NOT_SUPPORTED', `ipam.driver: only the default IPAM driver exists so far`);
    }
    if (!driver.capabilities.addresses && (o.ipam?.config?.length ?? 0) > 0) {
      throw new CnmError('CNM_INVALID_CONFIG', `the ${driver.type} driver takes no subnets`);
    }
    // What only the kernel can tell (a parent link), before anything is recorded.
    await driver.probeNetwork?.(this.ctx, { id, name: o.name, options });
    const hostRoutes = driver.capabilities.addresses ? await this.hostRoutes() : [];
    return allOrNothing(async (undo) => {
      const base = { id, name: o.name, options, internal: !!o.internal, enableIPv6: !!o.enableIPv6 };
      const global = store !== this.store;
      // Names are one namespace across this host's store and the cluster's (Docker's wording).
      if (this.read.networks.byName(o.name))
        throw new CnmError('CNM_NETWORK_EXISTS', `network with name ${o.name} already exists`);
      // Subnets too: a local network's never overlaps a global one's, nor the other way round.
      const elsewhere = (global ? this.store : this.cluster)?.read.addresses.allSubnets() ?? [];
      const {
        result: { linkGroup, pools, assigned },
        intent,
      } = await this.recordUnderIntent(store, 'network.create', { id }, (tx) => {
        if (!driver.capabilities.addresses && tx.networks.list({ driver: driver.type }).length > 0) {
          throw new CnmError('CNM_NETWORK_EXISTS', `only one ${driver.type} network may exist`);
        }
        const { linkGroup } = tx.networks.insert({
          ...base,
          driver: driver.type,
          scope: driver.capabilities.dataScope,
          created: nowIso(),
          attachable: !!o.attachable,
          ipamDriver: 'default',
          labels: { ...(o.labels ?? {}) },
          driverState: {},
          allocation: {},
          predefined: false,
          // A global network is made on each host at its first join there (this host's part says so).
          made: !global,
        });
        const pools = driver.capabilities.addresses
          ? this.ipam.requestPools(tx, id, o.ipam?.config ?? [], o.enableIPv6 ? [4, 6] : [4], hostRoutes, elsewhere)
          : [];
        // Against this driver's other networks (a shared parent, overlapping subnets), before anything is made.
        const others = this.driverNetworks(driver.type, id, tx);
        driver.checkNetwork?.({ ...base, pools }, others);
        // What the driver settles across the cluster (a VNI), against its other networks, in this transaction.
        const assigned = driver.assignNetwork?.({ ...base, pools }, others) ?? {};
        if (Object.keys(assigned).length > 0) tx.networks.update(id, { allocation: assigned });
        return { linkGroup, pools, assigned };
      });
      undo.push(() => store.transact((tx) => tx.networks.remove(id)));
      undo.push(() => this.intents.end(intent));
      crashPoint('network.create.stored');
      // Once per cluster (a VNI, say), then this host's objects.
      const allocated = driver.allocateNetwork ? await driver.allocateNetwork({ ...base, pools }) : {};
      const allocation = { ...assigned, ...allocated };
      if (driver.freeNetwork) undo.push(() => driver.freeNetwork?.({ ...base, pools, allocation }));
      if (Object.keys(allocated).length > 0) await store.transact((tx) => tx.networks.update(id, { allocation }));
      if (global) {
        // Nothing on this host yet: its objects come with its first join here, as on every host.
        await this.intents.end(intent);
        return new Network(this, id);
      }
      const others = this.driverNetworks(driver.type, id);
      const state = await driver.createNetwork(this.ctx, { ...base, pools, linkGroup, allocation }, others);
      undo.push(() => driver.deleteNetwork(this.ctx, { ...this.driverNetwork(this.networkRow(id)), state }, others));
      crashPoint('network.create.kernel');
      await this.finishUnderIntent(store, intent, (tx) => tx.networks.update(id, { driverState: state }));
      return new Network(this, id);
    });
  }

  /**
   * The store that holds a network's records, by its driver's data scope:
   * this host's for local networks; global ones need a cluster store, which
   * this build does not have yet (refused before anything is recorded).
   * @internal
   */
  storeFor(scope: 'local' | 'global'): Store {
    if (scope === 'local') return this.store;
    if (this.cluster) return this.cluster;
    throw new CnmError(
      'CNM_NOT_SUPPORTED',
      'a global-scope network needs a cluster store: open the controller with cluster: { store: "etcd://HOST:PORT" } (--cluster-store)',
    );
  }

  /** Both stores read as one, from inside a transaction of this host's store (its changes seen). @internal */
  readIn(tx: StoreReads): StoreReads {
    return this.cluster ? mergedReads(tx, this.cluster.read) : tx;
  }

  /**
   * Sets a network's per-host fields (the driver's record, made here) in a
   * transaction of this host's store: a global network's go to this host's
   * part of it, its record being the cluster's. @internal
   */
  setHostState(
    tx: StoreTx,
    net: NetworkRecord,
    change: { readonly driverState?: Readonly<Record<string, unknown>>; readonly made?: boolean },
    revision?: number,
  ): NetworkRecord {
    if (this.storeOf(net.id) === this.store) return tx.networks.update(net.id, change, revision);
    // Made here: the record as it is now is kept, to take the objects away once the
    // cluster's record is gone (deleted from another host).
    const mine = tx.hostNetworks.put(net.id, change.made ? { ...change, network: net } : change, revision);
    return { ...net, driverState: mine.driverState, made: mine.made, revision: mine.revision };
  }

  /**
   * Records in `store` (a network's) with an intent in this host's: one
   * transaction when they are one store; else the intent first (a crash
   * before the records leaves an intent whose repair finds nothing to undo),
   * ended again if the records are refused. @internal
   */
  async recordUnderIntent<T>(
    store: Store,
    op: IntentOp,
    subject: Readonly<Record<string, SubjectValue>>,
    records: (tx: StoreTx) => T,
  ): Promise<{ result: T; intent: number }> {
    if (store === this.store) {
      return store.transact((tx) => {
        const result = records(tx);
        return { result, intent: this.intents.record(tx, op, subject) };
      });
    }
    const intent = await this.intents.begin(op, subject);
    try {
      return { result: await store.transact(records), intent };
    } catch (error) {
      await this.intents.end(intent);
      throw error;
    }
  }

  /**
   * The last records of an operation: `records` in `store` (a network's),
   * `here` in this host's, and its intent (if any) ended — one transaction
   * when they are one store; else the network's records first (a crash
   * between leaves the intent, whose repair finishes or undoes the
   * operation again). @internal
   */
  async finishUnderIntent<T>(
    store: Store,
    intent: number | undefined,
    records: (tx: StoreTx) => T,
    here?: (tx: StoreTx) => void,
  ): Promise<T> {
    const local = (tx: StoreTx) => {
      here?.(tx);
      if (intent !== undefined) tx.intents.remove(intent);
    };
    if (store === this.store) {
      return store.transact((tx) => {
        const result = records(tx);
        local(tx);
        return result;
      });
    }
    const result = await store.transact(records);
    await this.store.transact(local);
    return result;
  }

  /** The store that holds a network's records (and its endpoints' and addresses'). @internal */
  storeOf(networkId: string): Store {
    if (this.cluster && !this.store.read.networks.get(networkId) && this.cluster.read.networks.get(networkId))
      return this.cluster;
    return this.store;
  }

  /** The most endpoints a network can hold, and why. @internal */
  endpointLimit(driver: Driver, row: NetworkRecord): { readonly count: number; readonly why: string } | undefined {
    // The driver's view is built only for a driver whose limit depends on the network.
    return (
      (driver.endpointLimit ? driver.endpointLimit(this.driverNetwork(row)) : undefined) ??
      driver.capabilities.maxEndpoints
    );
  }

  /** The driver's networks on this host, but one. @internal */
  driverNetworks(type: string, except?: string, store: StoreReads = this.read): DriverNetwork[] {
    return store.networks
      .list({ driver: type })
      .filter((r) => r.id !== except)
      .map((r) => this.driverNetwork(r, store));
  }

  /** A network's objects on this host deleted by its driver, and its cluster allocation freed. @internal */
  async deleteNetworkObjects(row: NetworkRecord): Promise<void> {
    const driver = this.driver(row.driver);
    const net = this.driverNetwork(row);
    const failures = await everyStep([
      // A network not made yet on this host has no objects here.
      async () => {
        if (row.made) await driver.deleteNetwork(this.ctx, net, this.driverNetworks(row.driver, row.id));
      },
      async () => driver.freeNetwork?.(net),
    ]);
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new TeardownError(`deleting network ${row.name}`, failures);
  }

  // Subnets already routed on the host are skipped by automatic pools.
  private async hostRoutes(): Promise<Prefix[]> {
    const routes = await rtnl(this.host).routes({ table: 254 });
    return routes.filter((r) => r.dst !== 'default').map((r) => parsePrefix(r.dst, 'host route', true));
  }

  /** A network by name, id or unique id prefix (as Docker finds networks). @internal */
  networkRow(nameOrId: string, store: StoreReads = this.read): NetworkRecord {
    return findByNameOrId(store.networks, nameOrId, 'CNM_NETWORK_NOT_FOUND', 'network');
  }

  /** The driver's view of a stored network. @internal */
  driverNetwork(row: NetworkRecord, store: StoreReads = this.read): DriverNetwork {
    return {
      id: row.id,
      name: row.name,
      options: row.options,
      internal: row.internal,
      enableIPv6: row.enableIPv6,
      pools: this.ipam.pools(store, row.id),
      linkGroup: row.linkGroup,
      allocation: row.allocation,
      state: row.driverState,
    };
  }

  /** @internal */
  networkInfo(row: NetworkRecord): NetworkInfo {
    return {
      id: row.id as NetworkId,
      name: row.name,
      driver: row.driver,
      scope: row.scope,
      created: row.created,
      internal: row.internal,
      attachable: row.attachable,
      enableIPv6: row.enableIPv6,
      ipam: {
        driver: row.ipamDriver,
        config: this.ipam.pools(this.read, row.id).map(({ family: _f, ...p }) => p),
      },
      options: row.options,
      labels: row.labels,
    };
  }

  /** A network by name, id or unique id prefix. @example `const net = ctl.network('web')` */
  network(nameOrId: string): Network {
    return new Network(this, this.networkRow(nameOrId).id);
  }

  /** `docker network ls` @example `for (const n of ctl.networks()) console.log(n.info().name)` */
  networks(): Network[] {
    return this.read.networks.list().map((r) => new Network(this, r.id));
  }

  /**
   * A sandbox: a new network namespace, or an adopted one (a path or a
   * process's). `await using` deletes it at the end of the scope.
   *
   * @example
   * ```ts
   * await using sb = await ctl.createSandbox({ name: 'c1' })
   * ```
   */
  async createSandbox(o: SandboxCreateOptions = {}): Promise<Sandbox> {
    const id = newId();
    const name = o.name ?? `sb-${id.slice(0, 12)}`;
    checkName(name, 'sandbox');
    if (o.netnsPath !== undefined && o.pid !== undefined) {
      throw new CnmError('CNM_INVALID_CONFIG', 'give netnsPath or pid, not both');
    }
    const adopt = o.netnsPath !== undefined || o.pid !== undefined;
    const sysctls = sandboxSysctls(o, adopt);
    if (this.store.read.sandboxes.byName(name)) {
      throw new CnmError('CNM_SANDBOX_EXISTS', `sandbox ${name} already exists`);
    }
    return allOrNothing(async (undo) => {
      const path = `${this.netnsDir}/${id.slice(0, 12)}`;
      const intent = adopt ? undefined : await this.intents.begin('sandbox.create', { id, path });
      if (intent !== undefined) undo.push(() => this.intents.end(intent));
      let ns: Netns;
      if (adopt) {
        try {
          ns = o.netnsPath !== undefined ? await netnsOpen(o.netnsPath) : await netnsOpenPid(o.pid as number);
        } catch (error) {
          throw new CnmError('CNM_INVALID_CONFIG', `netns: ${(error as Error).message}`, { cause: error });
        }
        undo.push(() => ns.close());
        // An adopted namespace is its owner's: only the sysctls asked for, nothing else.
        for (const [key, value] of Object.entries(sysctls)) await sysctlWrite(ns, key, value);
      } else {
        // One crossing: the namespace, its sysctls written from inside as it is made,
        // and loopback up (as in every Docker container, `--network none` included).
        const pending = netnsPending(id.slice(0, 12), { dir: this.netnsDir, sysctls });
        undo.push(() => netnsRemove(path));
        const [[created]] = (await rtnlSequenceOrThrow([
          { create: pending },
          { netns: pending, ops: [{ op: 'link.set', dev: 'lo', up: true }] },
        ]).catch((error: unknown) => {
          throw sandboxError(error, this.netnsDir);
        })) as [[Netns]];
        ns = created;
        undo.push(() => ns.close());
      }
      crashPoint('sandbox.create.netns');
      await this.store.transact((tx) => {
        tx.sandboxes.insert({ id, name, netnsPath: ns.path, owned: !adopt, created: nowIso(), linksMade: 0 });
        if (intent !== undefined) tx.intents.remove(intent);
      });
      this.sandboxNetns.set(id, ns);
      return new Sandbox(this, id);
    });
  }

  /** A sandbox by name, id or unique id prefix (as Docker finds containers). @internal */
  sandboxRow(nameOrId: string): SandboxInfo {
    const row = findByNameOrId(this.store.read.sandboxes, nameOrId, 'CNM_SANDBOX_NOT_FOUND', 'sandbox');
    return {
      id: row.id as SandboxId,
      name: row.name,
      netnsPath: row.netnsPath,
      owned: row.owned,
      created: row.created,
    };
  }

  /** The open namespace of a sandbox (reopened from its path after a restart). @internal */
  async sandboxNamespace(id: string): Promise<Netns> {
    const open = this.sandboxNetns.get(id);
    if (open && !open.closed) return open;
    const row = this.sandboxRow(id);
    const ns = await netnsOpen(row.netnsPath).catch((error: { code?: string }) => {
      if (error.code !== 'ENOENT') throw error;
      throw new CnmError(
        'CNM_SANDBOX_NOT_FOUND',
        `the namespace of sandbox ${row.name} (${row.netnsPath}) is gone, removed outside cnm; cnm recover forgets the sandbox`,
        { cause: error },
      );
    });
    this.sandboxNetns.set(id, ns);
    return ns;
  }

  /** Keeps an open namespace handle for a sandbox (made by connectMany). @internal */
  adoptSandboxNamespace(id: string, ns: Netns): void {
    this.sandboxNetns.set(id, ns);
  }

  /** @internal */
  dropSandboxNamespace(id: string): Netns | undefined {
    const ns = this.sandboxNetns.get(id);
    this.sandboxNetns.delete(id);
    return ns;
  }

  /** A sandbox by name or id. @example `const sb = ctl.sandbox('c1')` */
  sandbox(nameOrId: string): Sandbox {
    return new Sandbox(this, this.sandboxRow(nameOrId).id);
  }

  /** Every sandbox. @example `ctl.sandboxes().map((s) => s.info().name)` */
  sandboxes(): Sandbox[] {
    return this.store.read.sandboxes.list().map((r) => new Sandbox(this, r.id));
  }

  /**
   * Deletes many sandboxes at once: every namespace first, then one wait for
   * their links to go. Much faster than deleting them one by one.
   *
   * @example
   * ```ts
   * await ctl.deleteSandboxes(ctl.sandboxes())
   * ```
   */
  deleteSandboxes(sandboxes: readonly Sandbox[], options: DeleteSandboxesOptions = {}): Promise<void> {
    return deleteSandboxes(this, sandboxes, options);
  }

  endpoint(id: string): Endpoint {
    return new Endpoint(this, id);
  }

  /** Closes the store and the namespace handles (nothing in the kernel changes). @example `await ctl.close()` */
  async close(): Promise<void> {
    if (!this.store.open) return;
    if (this.ownsCluster) await this.cluster?.close();
    for (const ns of this.sandboxNetns.values()) ns.close();
    this.sandboxNetns.clear();
    await this.store.close();
    if (this.ownsHost) this.host.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
