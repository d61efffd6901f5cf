// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * What the store keeps, as the model sees it: plain records, whatever holds
 * them (SQLite here; a cluster store for global-scope networks next). Every
 * record that can change carries a `revision`, raised by each update, so an
 * update can say which version it read (compare and set).
 */
import type { ResolvedBinding } from '../../drivers/driver';
import type { IntentOp, Owner, SubjectValue } from '../intents';
import type { PoolInfo } from '../ipam/ipam';
import type { JoinInfo } from '../join';
import type { PortBinding } from '../types';

/** A network as stored. */
export interface NetworkRecord {
  readonly id: string;
  readonly name: string;
  readonly driver: string;
  readonly scope: 'local' | 'global';
  readonly created: string;
  readonly internal: boolean;
  readonly attachable: boolean;
  readonly enableIPv6: boolean;
  readonly ipamDriver: string;
  readonly options: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  /** The driver's per-host record (empty until its objects are made). */
  readonly driverState: Readonly<Record<string, unknown>>;
  /** What the driver settled once for the cluster (a VNI, say). */
  readonly allocation: Readonly<Record<string, string>>;
  /** One of Docker's bridge, host and none: never removed. */
  readonly predefined: boolean;
  /** False: its driver objects are not made yet on this host (made before its first join). */
  readonly made: boolean;
  /** The link group its host-side links are put in (how recover() tells cnm's links). */
  readonly linkGroup: number;
  readonly revision: number;
}

/** A new network: the store settles its link group and revision. */
export type NewNetwork = Omit<NetworkRecord, 'linkGroup' | 'revision'>;

/** What an update of a network may change. */
export type NetworkChange = Partial<Pick<NetworkRecord, 'driverState' | 'allocation' | 'made'>>;

/**
 * What this host holds of a global-scope network (its record is the
 * cluster's, the same on every host): the driver's per-host record and
 * whether its objects are made here.
 */
export interface HostNetworkState {
  readonly networkId: string;
  readonly driverState: Readonly<Record<string, unknown>>;
  readonly made: boolean;
  /**
   * The network's record as it was when its objects were made here: what
   * taking them away needs once the cluster's record is gone.
   */
  readonly network?: NetworkRecord;
  readonly revision: number;
}

/** What an update of this host's part of a global network may change. */
export interface HostNetworkChange {
  readonly driverState?: Readonly<Record<string, unknown>>;
  readonly made?: boolean;
  readonly network?: NetworkRecord;
}

/** A subnet of a network as IPAM settled it, with where the next address search starts. */
export interface SubnetRecord extends PoolInfo {
  /** The lowest address that may be free (every one below it is taken). */
  readonly nextFree?: string;
}

/** An endpoint as stored. */
export interface EndpointRecord {
  readonly id: string;
  readonly networkId: string;
  readonly name: string;
  /** `address/len` */
  readonly ipv4?: string;
  readonly ipv6?: string;
  readonly mac: string;
  readonly aliases: readonly string[];
  readonly portBindings: readonly PortBinding[];
  readonly exposedPorts: readonly { readonly proto: string; readonly port: number }[];
  /** Set while joined, with the interface names and what the join recorded. */
  readonly sandboxId?: string;
  readonly hostIfname?: string;
  readonly sandboxIfname?: string;
  readonly joinInfo?: JoinInfo;
  /** A global network's endpoint: the underlay address of the host it is joined on (its VTEP). */
  readonly vtep?: string;
  readonly created: string;
  readonly revision: number;
}

/** A new endpoint, not joined yet. */
export type NewEndpoint = Omit<
  EndpointRecord,
  'sandboxId' | 'hostIfname' | 'sandboxIfname' | 'joinInfo' | 'vtep' | 'revision'
>;

/** Where an endpoint is joined, or `undefined` everywhere when it is in no sandbox. */
export interface EndpointJoin {
  readonly sandboxId: string | undefined;
  readonly hostIfname: string | undefined;
  readonly sandboxIfname: string | undefined;
  /** Kept after a leave (its warnings still describe the last join). */
  readonly joinInfo?: JoinInfo;
  /** Set (or cleared) with the join: the host's underlay address, for a global network's endpoint. */
  readonly vtep?: string | undefined;
}

/** What an update of an endpoint may change. */
export type EndpointChange = Partial<EndpointJoin> & { readonly mac?: string };

/** A sandbox as stored. */
export interface SandboxRecord {
  readonly id: string;
  readonly name: string;
  readonly netnsPath: string;
  /** Created by cnm (deleted with the sandbox), or adopted. */
  readonly owned: boolean;
  readonly created: string;
  /** How many links it has ever been given (ifindexes are never reused in a namespace). */
  readonly linksMade: number;
  readonly revision: number;
}

/** A new sandbox. */
export type NewSandbox = Omit<SandboxRecord, 'revision'>;

/** A published host port's conflict key: protocol, address ('' for every address) and port. */
export interface PublishedPort {
  readonly proto: string;
  readonly hostIp: string;
  readonly hostPort: number;
  readonly containerPort: number;
}

/** A host in the cluster, while its agent runs (its record lives under the agent's lease). */
export interface HostRecord {
  /** Stable per underlay address. */
  readonly id: string;
  /** The underlay address: the VTEP of the host's overlay networks. */
  readonly address: string;
  /** The machine's host name, for people. */
  readonly name: string;
  readonly started: string;
  /** Its agent's lease ttl: how long the others wait before counting it lost. */
  readonly ttlSeconds?: number;
  /** When its agent stopped on purpose (a stopped host's record only). */
  readonly stopped?: string;
}

/** An intent as stored. */
export interface IntentRecord {
  readonly id: number;
  readonly op: IntentOp;
  readonly subject: Readonly<Record<string, SubjectValue>>;
  readonly owner: Owner;
}

export type { ResolvedBinding };
