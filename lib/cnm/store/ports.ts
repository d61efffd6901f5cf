// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The store as the model uses it: repositories of records, read at any time
 * and changed only inside a transaction. The model sees no SQL and no
 * database type; SQLite implements these (./sqlite), and a cluster store
 * can implement them for global-scope networks.
 *
 * Transactions are units of work: `transact(fn)` runs `fn` against one
 * consistent view and applies all its changes, or none. `fn` is synchronous
 * and has no effect but through its repositories, so a store may run it
 * again after a conflict (a cluster store runs it optimistically against a
 * snapshot and retries when a record it read changed: compare and set). Work
 * that waits (the kernel, another process) happens between transactions,
 * never inside one.
 */
import type { IntentOp, Owner, SubjectValue } from '../intents';
import type {
  EndpointChange,
  EndpointRecord,
  HostNetworkChange,
  HostNetworkState,
  HostRecord,
  IntentRecord,
  NetworkChange,
  NetworkRecord,
  NewEndpoint,
  NewNetwork,
  NewSandbox,
  ResolvedBinding,
  SandboxRecord,
  SubnetRecord,
} from './records';

/** Finding a record the way Docker finds networks and containers. */
export interface NamedReads<T> {
  get(id: string): T | undefined;
  byName(name: string): T | undefined;
  /** The record named `nameOrId`, else the one with that id (a name wins, as in Docker). */
  find(nameOrId: string): T | undefined;
  /** At most `limit` records whose id starts with `prefix`. */
  withIdPrefix(prefix: string, limit: number): T[];
}

export interface NetworkReads extends NamedReads<NetworkRecord> {
  /** Networks in creation order (then name), optionally only a driver's, or only those made on this host. */
  list(filter?: { readonly driver?: string; readonly made?: boolean; readonly predefined?: boolean }): NetworkRecord[];
  /** The link group and network of every network. */
  linkGroups(): Map<number, string>;
}

export interface NetworkRepository extends NetworkReads {
  /** Adds a network (revision 1, a new link group). CNM_NETWORK_EXISTS when the name is taken. */
  insert(network: NewNetwork): NetworkRecord;
  /**
   * Changes a network; with `revision`, only if it is still the one read
   * (else CNM_CONFLICT). Returns it as changed.
   */
  update(id: string, change: NetworkChange, revision?: number): NetworkRecord;
  /** Removes a network with its subnets, addresses and link group (none of its endpoints may remain). */
  remove(id: string): void;
}

/** This host's part of global-scope networks (kept in this host's store). */
export interface HostNetworkReads {
  get(networkId: string): HostNetworkState | undefined;
  /** Every global network this host holds a part of. */
  list(): HostNetworkState[];
}

export interface HostNetworkRepository extends HostNetworkReads {
  /**
   * Sets this host's part of a global network (made on first use); with
   * `revision`, only if it is still the one read (else CNM_CONFLICT).
   */
  put(networkId: string, change: HostNetworkChange, revision?: number): HostNetworkState;
  remove(networkId: string): void;
}

export interface EndpointReads {
  get(id: string): EndpointRecord | undefined;
  byName(networkId: string, name: string): EndpointRecord | undefined;
  /**
   * Endpoints of a network (creation order) or of a sandbox (interface
   * order), or every joined one; `joined` keeps only those in a sandbox.
   */
  list(filter: {
    readonly networkId?: string;
    readonly sandboxId?: string;
    readonly joined?: boolean;
  }): EndpointRecord[];
  /** How many endpoints a network has (only joined ones with `joined`). */
  count(networkId: string, filter?: { readonly joined?: boolean }): number;
}

export interface EndpointRepository extends EndpointReads {
  /** Adds an endpoint (revision 1). CNM_ENDPOINT_EXISTS when its network has one by that name. */
  insert(endpoint: NewEndpoint): EndpointRecord;
  /** Changes an endpoint; with `revision`, only if it is still the one read (else CNM_CONFLICT). */
  update(id: string, change: EndpointChange, revision?: number): EndpointRecord;
  /** Removes an endpoint and its published ports (its addresses are IPAM's to free). */
  remove(id: string): void;
}

export interface SandboxReads extends NamedReads<SandboxRecord> {
  /** Every sandbox, in creation order. */
  list(): SandboxRecord[];
}

export interface SandboxRepository extends SandboxReads {
  /** Adds a sandbox (revision 1). CNM_SANDBOX_EXISTS when the name is taken. */
  insert(sandbox: NewSandbox): SandboxRecord;
  /** Counts one more link given to the sandbox; returns it as it was before. */
  countLink(id: string): SandboxRecord;
  remove(id: string): void;
}

/** IPAM's records: subnets of networks and the addresses handed out in them. */
export interface AddressReads {
  /** Every network's subnets, as `prefix/len`. */
  allSubnets(): string[];
  /** A network's subnets, IPv4 first. */
  subnets(networkId: string): SubnetRecord[];
  /** Who holds an address of a network (`gateway`, `aux:NAME`, an endpoint id), if anyone. */
  holder(networkId: string, address: string): string | undefined;
}

export interface AddressRepository extends AddressReads {
  addSubnet(networkId: string, subnet: SubnetRecord): void;
  setNextFree(networkId: string, subnet: string, address: string): void;
  /** Takes an address for `owner`: false when someone holds it already (compare and set). */
  reserve(networkId: string, address: string, owner: string): boolean;
  /** Frees every address `owner` holds on the network; returns them. */
  release(networkId: string, owner: string): string[];
}

/** Published host ports: one record per host port, and the bindings as settled. */
export interface PortReads {
  /**
   * The first host port in [from, to] published for the protocol on this
   * address, on every address, or (with `hostIp` '') on any address.
   */
  firstTaken(proto: string, hostIp: string, from: number, to: number): number | undefined;
  /** The highest host port published in [from, to] for the protocol, if any. */
  highest(proto: string, from: number, to: number): number | undefined;
  /** An endpoint's bindings as settled, in the order they were published. */
  bindings(endpointId: string): ResolvedBinding[];
}

export interface PortRepository extends PortReads {
  /** Records settled bindings of an endpoint (a record per host port); the caller checked them free. */
  add(endpointId: string, bindings: readonly ResolvedBinding[]): void;
  /** Forgets some of an endpoint's bindings, or all of them. */
  remove(endpointId: string, bindings?: readonly ResolvedBinding[]): void;
}

export interface IntentReads {
  /** Every intent, oldest first. */
  list(): IntentRecord[];
  /** The oldest intent of `op` whose subject's `id` is `subjectId`. */
  about(op: IntentOp, subjectId: string): IntentRecord | undefined;
}

export interface IntentRepository extends IntentReads {
  insert(op: IntentOp, subject: Readonly<Record<string, SubjectValue>>, owner: Owner): number;
  /** Adds to an intent's subject. */
  amend(id: number, more: Readonly<Record<string, SubjectValue>>): void;
  remove(id: number): void;
  /** Gives an intent to `to` if `from` still holds it (compare and set); true when it did. */
  claim(id: number, from: Owner, to: Owner): boolean;
}

/** Reading the store: the latest committed state. */
export interface StoreReads {
  readonly networks: NetworkReads;
  readonly hostNetworks: HostNetworkReads;
  readonly endpoints: EndpointReads;
  readonly sandboxes: SandboxReads;
  readonly addresses: AddressReads;
  readonly ports: PortReads;
  readonly intents: IntentReads;
}

/** One transaction's view of the store: reads see its own changes. */
export interface StoreTx extends StoreReads {
  readonly networks: NetworkRepository;
  readonly hostNetworks: HostNetworkRepository;
  readonly endpoints: EndpointRepository;
  readonly sandboxes: SandboxRepository;
  readonly addresses: AddressRepository;
  readonly ports: PortRepository;
  readonly intents: IntentRepository;
  /**
   * Runs `fn` as a part of this transaction that is undone alone when it
   * throws (the error is rethrown; the rest of the transaction goes on).
   */
  attempt<T>(fn: () => T): T;
}

/**
 * A store.
 *
 * @example
 * ```ts
 * const id = await store.transact((tx) => tx.intents.insert('network.delete', { id }, owner))
 * const net = store.read.networks.byName('web')
 * ```
 */
export interface Store {
  /** The latest committed state. */
  readonly read: StoreReads;
  /**
   * Runs `fn` as one transaction: all its changes or none. `fn` must be
   * synchronous and act only through `tx` (it may run more than once).
   */
  transact<T>(fn: (tx: StoreTx) => T): Promise<T>;
  /** False once closed. */
  readonly open: boolean;
  close(): Promise<void> | void;
}

/** A host's place in the cluster, held while its agent runs. */
export interface Membership {
  readonly host: HostRecord;
  /** Settles when the membership is lost (its lease expired or was revoked behind it): the agent must stop. */
  readonly lost: Promise<Error>;
  /**
   * Withdraws the host at once (the lease revoked): the others no longer
   * list it as running, but as stopped — its agent stopped on purpose, so
   * its endpoints stay where they are (a host whose lease expires instead is
   * lost, and its endpoints are withdrawn).
   */
  leave(): Promise<void>;
}

/**
 * A store shared by the hosts of a cluster: a Store, the hosts whose agents
 * run (each under a lease that expires when its agent is gone), and word of
 * every change another host makes.
 */
export interface ClusterStore extends Store {
  /** The hosts whose agents run now. */
  hosts(): HostRecord[];
  /** The hosts whose agents stopped on purpose (Membership.leave) and have not joined again. */
  stoppedHosts(): HostRecord[];
  /** Registers this host for as long as its lease is kept (`ttlSeconds` after its agent stops answering). */
  join(host: HostRecord, ttlSeconds: number): Promise<Membership>;
  /** Calls `listener` after each change to the store, this host's or another's; returns how to stop. */
  onChange(listener: () => void): () => void;
}
