// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Driver API v2: the interface every network driver implements, after
 * libnetwork's driverapi and netavark's driver trait. The model calls it and
 * never names a driver; a driver calls the kernel layer and the firewall
 * port, and never opens the store.
 *
 * Split of work, as in libnetwork: the driver makes its kernel objects (a
 * bridge, a veth, a macvlan link) and says what it handed to the sandbox;
 * the model programs what every driver shares — the interface's addresses,
 * static routes and the default route, chosen across all of a sandbox's
 * endpoints — into the sandbox, in the same crossing as the driver's ops.
 */
import type { Firewall, FirewallState } from '../firewall/firewall';
import type { Netns } from '../kernel/binding';
import type { PendingNetns, RtnlOp } from '../kernel/ops';

/** One subnet of a network, as IPAM settled it. */
export interface NetworkPool {
  readonly family: 4 | 6;
  readonly subnet: string;
  /** The gateway address (the bridge's, or the LAN router's for macvlan). */
  readonly gateway: string;
  readonly ipRange?: string;
  readonly auxAddresses: Readonly<Record<string, string>>;
}

/** What a driver may use: the host namespace everything is made in, and the firewall. */
export interface DriverContext {
  readonly host: Netns;
  readonly firewall: Firewall;
  /** Where namespaces are made (a driver that needs one of its own, as overlay does, makes it here). */
  readonly netnsDir?: string;
  /** This host's underlay address in a cluster (`cluster.advertiseAddress`): a VTEP. */
  readonly advertiseAddress?: string;
}

/** `local`: this host only. `global`: every host of a cluster. */
export type Scope = 'local' | 'global';

/**
 * What a driver can do, for the model's checks before anything is made.
 *
 * @example
 * ```ts
 * const caps: DriverCapabilities = { dataScope: 'local', connectivityScope: 'local', addresses: true,
 *   publishesPorts: false, exclusive: false }
 * ```
 */
export interface DriverCapabilities {
  /** Where the driver's networks are stored: this host's store, or the cluster's. */
  readonly dataScope: Scope;
  /** How far a network's connectivity reaches (Docker's `ConnectivityScope`). */
  readonly connectivityScope: Scope;
  /** Whether endpoints get addresses from IPAM. */
  readonly addresses: boolean;
  /** Whether endpoints may publish ports (programExternalConnectivity does something with them). */
  readonly publishesPorts: boolean;
  /**
   * The driver's networks offer sandboxes no gateway (Docker's overlay): a
   * sandbox on one of them that no other network gives a gateway gets an
   * endpoint on this host's gateway network (`docker_gwbridge`) for its way
   * out, and the ports asked on this driver's endpoints are published there.
   */
  readonly egressThroughGatewayNetwork?: boolean;
  /**
   * A sandbox on a network of this driver is on no other network (Docker's
   * `none` and `host`): joining it with another, either way round, is
   * refused. Such a driver has a single network, which always exists.
   */
  readonly exclusive: boolean;
  /** The most endpoints one network can hold, and why (refused with CNM_BRIDGE_FULL past it). */
  readonly maxEndpoints?: { readonly count: number; readonly why: string };
}

/** The type of an option's value, as parsed at the door. */
export type DriverOptionType = 'string' | 'boolean' | 'integer' | 'ip' | 'ifname';

/**
 * One option a driver takes by Docker's label name (`-o NAME=VALUE`).
 *
 * @example
 * ```ts
 * const mode: DriverOptionSpec = { name: 'macvlan_mode', type: 'string',
 *   values: ['bridge', 'private', 'vepa', 'passthru'], description: 'how children on one parent reach each other' }
 * ```
 */
export interface DriverOptionSpec {
  readonly name: string;
  readonly type: DriverOptionType;
  /** The values it may take, when it is one of a few. */
  readonly values?: readonly string[];
  /** Integers: the range allowed. */
  readonly min?: number;
  readonly max?: number;
  /** What it does, for `--help` and errors. */
  readonly description: string;
}

/**
 * The options of one network, parsed once at the door: `driver` tells which
 * driver's they are (a discriminated union over the drivers), `known` holds
 * the typed values the driver declared; options nobody declared are stored
 * and shown, as Docker does, and not refused.
 */
export interface ParsedOptions<T extends object = Record<string, unknown>> {
  readonly driver: string;
  readonly known: T;
  readonly unknown: Readonly<Record<string, string>>;
}

/** A network as the driver sees it. `state` is what its createNetwork returned. */
export interface DriverNetwork<NS = Readonly<Record<string, unknown>>> {
  readonly id: string;
  readonly name: string;
  /** The raw `-o` options, as given. */
  readonly options: Readonly<Record<string, string>>;
  readonly internal: boolean;
  readonly enableIPv6: boolean;
  readonly pools: readonly NetworkPool[];
  /** A link group of this network's own (never 0): host-side links the driver makes carry it. */
  readonly linkGroup: number;
  /** What allocateNetwork settled once for the cluster (a VNI, say); `{}` for local drivers. */
  readonly allocation: Readonly<Record<string, string>>;
  readonly state: NS;
}

/** A published port with its host port settled (ranges map port to port). */
export interface ResolvedBinding {
  readonly proto: 'tcp' | 'udp' | 'sctp';
  /** Undefined: every host address. */
  readonly hostIp?: string;
  readonly hostPort: number;
  readonly hostPortEnd?: number;
  readonly containerPort: number;
  readonly containerPortEnd?: number;
}

/** An endpoint as the driver sees it. */
export interface DriverEndpoint {
  readonly id: string;
  /** `address/len` */
  readonly ipv4?: string;
  readonly ipv6?: string;
  readonly mac: string;
  /** For programExternalConnectivity and revokeExternalConnectivity. */
  readonly portBindings?: readonly ResolvedBinding[];
}

/** What createEndpoint chose for the interface, where the caller left it open. */
export interface EndpointInterface {
  readonly mac?: string;
  readonly ipv4?: string;
  readonly ipv6?: string;
}

/** The sandbox a join is for. */
export interface JoinRequest {
  /** The sandbox's namespace, or one to be created in the same crossing. */
  readonly sandbox: Netns | PendingNetns;
  /** The name the interface gets inside the sandbox (`eth0`, `eth1`, ...). */
  readonly ifname: string;
}

/** What a join will make, known before it runs, so a crash in between can be undone. */
export interface PlannedJoin {
  /** The host-side link the join makes, if any (a veth's host end). */
  readonly hostIfname?: string;
  /** The driver's own record of the join, handed back to leave (JSON). */
  readonly state: Readonly<Record<string, unknown>>;
}

/** A route the model adds in the sandbox for this endpoint. */
export interface StaticRoute {
  readonly destination: string;
  /** Undefined: on link. */
  readonly nextHop?: string;
}

/**
 * A join, as ops the model runs: the driver's host-side ops, then its ops
 * inside the sandbox, after which `ifname` exists there (created in place,
 * or made in the host and moved) and is up. The model adds the addresses,
 * the static routes and, if this endpoint carries it, the default route.
 *
 * @example
 * ```ts
 * // a veth whose peer is made inside the sandbox, on a network offering 10.0.0.1 as its gateway
 * const plan: JoinPlan = {
 *   hostIfname: 'veth0a1b2c3d4e5', state: {},
 *   host: [{ op: 'link.add', kind: 'veth', name: 'veth0a1b2c3d4e5', master: 3, peer: { name: req.ifname, netns: req.sandbox } },
 *          { op: 'link.set', dev: 'veth0a1b2c3d4e5', up: true }],
 *   sandbox: [{ op: 'link.set', dev: req.ifname, up: true }],
 *   gateway: { ipv4: '10.0.0.1' },
 * }
 * ```
 */
export interface JoinPlan extends PlannedJoin {
  readonly host: readonly RtnlOp[];
  readonly sandbox: readonly RtnlOp[];
  /**
   * The next hops this network offers for a default route; absent when it
   * offers none (an internal network, a driver without a gateway).
   */
  readonly gateway?: { readonly ipv4?: string; readonly ipv6?: string };
  readonly staticRoutes?: readonly StaticRoute[];
  /**
   * True when the join hands the sandbox no interface (Docker's `none` and
   * `host`): the model then programs no addresses or routes.
   */
  readonly noInterface?: boolean;
}

/** What a leave gets: the sandbox (when it is still there), the interface and the join's record. */
export interface LeaveRequest extends PlannedJoin {
  readonly sandbox?: Netns;
  readonly ifname?: string;
}

/** A joined endpoint, as recover hands it to its driver's reconcile. */
export interface JoinedEndpoint extends DriverEndpoint {
  readonly join: LeaveRequest;
}

/** What reconcile did for one driver's networks. */
export interface Reconciled {
  /** One line per repair, for `cnm recover`. */
  readonly report: readonly string[];
  /** New state for networks whose objects were made again. */
  readonly states: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
  /**
   * The firewall state these networks need. The model rebuilds the firewall
   * once from every driver's answer, so no driver wipes another's.
   */
  readonly firewall: readonly FirewallState[];
  /** What could not be repaired (the rest was): `recover()` reports them together. */
  readonly failures?: readonly unknown[];
}

/** A host of a cluster, for multi-host drivers' peer hooks. */
export interface Peer {
  readonly host: string;
  /** The host's underlay address (its VTEP). */
  readonly address: string;
  readonly endpoint: DriverEndpoint;
}

/**
 * A network driver. Register one with `ctl.registerDriver(driver)`; the
 * built-in ones are in `lib/drivers/registry.ts` (docs/api.md "Writing a
 * driver" walks through each part).
 *
 * @example
 * ```ts
 * ctl.registerDriver({ ...bridgeDriver, type: 'mybridge' })   // a driver of one's own, here the bridge's under a new name
 * await ctl.createNetwork({ name: 'n1', driver: 'mybridge' })
 * ```
 */
export interface Driver {
  /** `bridge`, `host`, `null`, `macvlan`, ... */
  readonly type: string;
  readonly capabilities: DriverCapabilities;
  /** The options the driver takes, by Docker's label names. */
  readonly options: readonly DriverOptionSpec[];
  /**
   * Checks a network's options and settings before anything is made, and
   * returns the options typed (throws CNM_INVALID_CONFIG).
   */
  parseOptions(net: Pick<DriverNetwork, 'id' | 'name' | 'options' | 'internal' | 'enableIPv6'>): ParsedOptions;
  /**
   * Asks the kernel what options alone cannot tell (does the parent link
   * exist?), before the network is recorded: a refusal here leaves the
   * store and the kernel as they were.
   */
  probeNetwork?(ctx: DriverContext, net: Pick<DriverNetwork, 'id' | 'name' | 'options'>): Promise<void>;
  /**
   * The most endpoints this network can hold, when it depends on the
   * network (a passthru macvlan holds one); else `capabilities.maxEndpoints`.
   */
  endpointLimit?(net: DriverNetwork): { readonly count: number; readonly why: string } | undefined;
  /**
   * Once per cluster, before any host creates the network: settles what
   * every host must agree on (a VNI). Local drivers leave it out.
   */
  allocateNetwork?(net: Omit<DriverNetwork, 'state' | 'linkGroup' | 'allocation'>): Promise<Record<string, string>>;
  freeNetwork?(net: Omit<DriverNetwork, 'state' | 'linkGroup'>): Promise<void>;
  /**
   * Checks the network against the other networks of this driver on this
   * host (a shared parent, an overlapping subnet) before anything is made.
   */
  checkNetwork?(net: Omit<DriverNetwork, 'state' | 'linkGroup' | 'allocation'>, others: readonly DriverNetwork[]): void;
  /**
   * What the driver settles for the network across the cluster from the
   * driver's other networks (a VNI no other overlay network has), inside the
   * store's transaction that records the network: two hosts creating
   * networks at once never settle on one value (the transaction that loses
   * runs again, and so does this). Synchronous, and nothing but a value.
   */
  assignNetwork?(
    net: Omit<DriverNetwork, 'state' | 'linkGroup' | 'allocation'>,
    others: readonly DriverNetwork[],
  ): Record<string, string>;
  /** Per host, idempotent: makes the network's objects here. Returns the driver's state. */
  createNetwork(
    ctx: DriverContext,
    net: Omit<DriverNetwork, 'state'>,
    others: readonly DriverNetwork[],
  ): Promise<Record<string, unknown>>;
  /** Per host: removes what createNetwork made; missing objects are no error. */
  deleteNetwork(ctx: DriverContext, net: DriverNetwork, others: readonly DriverNetwork[]): Promise<void>;
  createEndpoint(ctx: DriverContext, net: DriverNetwork, ep: DriverEndpoint): Promise<EndpointInterface | undefined>;
  deleteEndpoint(ctx: DriverContext, net: DriverNetwork, ep: DriverEndpoint): Promise<void>;
  /** The host address published ports bind when a binding names none (bridge's `host_binding_ipv4`). */
  defaultHostIp?(net: DriverNetwork): string | undefined;
  /** The prefix of interface names in the sandbox (`eth`, as `eth0`). */
  interfacePrefix(net: DriverNetwork): string;
  /** What join will make, without doing anything: recorded before it runs. */
  plannedJoin(net: DriverNetwork, ep: DriverEndpoint): PlannedJoin;
  /** The join's ops, for the model to run (the driver makes nothing here). */
  join(ctx: DriverContext, net: DriverNetwork, ep: DriverEndpoint, join: JoinRequest): Promise<JoinPlan>;
  /** Takes away what a join made (or was making); missing pieces are no error. */
  leave(ctx: DriverContext, net: DriverNetwork, ep: DriverEndpoint, leave: LeaveRequest): Promise<void>;
  /** Published ports and the like. */
  programExternalConnectivity(ctx: DriverContext, net: DriverNetwork, ep: DriverEndpoint): Promise<void>;
  /** Takes them back; elements already missing are no error. */
  revokeExternalConnectivity(ctx: DriverContext, net: DriverNetwork, ep: DriverEndpoint): Promise<void>;
  /**
   * After a crash or outside interference: repairs this driver's objects for
   * all its networks on this host (made again where missing, with every
   * setting they had), and their firewall state. The model never rebuilds a
   * driver's kernel objects itself.
   */
  reconcile(ctx: DriverContext, networks: readonly ReconcileNetwork[]): Promise<Reconciled>;
  /** Multi-host drivers: a peer's endpoint appeared on a network (program FDB and neighbour entries). */
  discoverNew?(ctx: DriverContext, net: DriverNetwork, peer: Peer): Promise<void>;
  /** Multi-host drivers: a peer's endpoint went away. */
  discoverDelete?(ctx: DriverContext, net: DriverNetwork, peer: Peer): Promise<void>;
  /**
   * Multi-host drivers: the peers the kernel holds for the network now (an
   * agent that starts again learns what an earlier one programmed, and takes
   * away what is stale). `endpoint.id` may be empty: the kernel does not know it.
   */
  programmedPeers?(ctx: DriverContext, net: DriverNetwork): Promise<Peer[]>;
  /** What `inspect` shows of an endpoint, driver-specific. */
  endpointOperInfo(ctx: DriverContext, net: DriverNetwork, ep: DriverEndpoint): Promise<Record<string, unknown>>;
}

/** One network with its joined endpoints, for reconcile. */
export interface ReconcileNetwork {
  readonly net: DriverNetwork;
  readonly endpoints: readonly JoinedEndpoint[];
  /**
   * Endpoints whose join is in flight in a live process: what they have made
   * so far is theirs, not an orphan (absent: none).
   */
  readonly joining?: readonly string[];
}
