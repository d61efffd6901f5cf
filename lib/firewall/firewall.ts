// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The firewall port: what drivers and recovery ask of a host's packet
 * filter. nftables implements it (./nftables); a driver gets it in its
 * context and never builds rules itself, so another implementation (or a
 * fake for tests) slots in without edits to the drivers or the model.
 */

/** What the firewall needs to know of a network. */
export interface FirewallNetwork {
  /** The host interface the network's traffic crosses (the bridge). */
  readonly bridge: string;
  readonly subnets: readonly string[];
  /** Masquerade traffic leaving the network's subnets. */
  readonly masquerade: boolean;
  /** No way out, and nothing in from outside. */
  readonly internal: boolean;
}

/** One published port or port range (`-p [hostIp:]hostPort[-end]:containerPort[-end]/proto`). */
export interface PortMapping {
  readonly proto: 'tcp' | 'udp' | 'sctp';
  /** Undefined, `0.0.0.0` or `::`: every host address. */
  readonly hostIp?: string;
  readonly hostPort: number;
  readonly hostPortEnd?: number;
  readonly containerIp: string;
  readonly containerPort: number;
  readonly containerPortEnd?: number;
}

/** A network with its port forwards: the whole state the firewall holds for it. */
export interface FirewallState {
  readonly network: FirewallNetwork;
  readonly forwards: readonly PortMapping[];
}

/**
 * A host's packet filter, as cnm uses it. Every call is one atomic change;
 * removing what is already gone is no error.
 *
 * @example
 * ```ts
 * const fw = nftablesFirewall(host)
 * await fw.addNetwork({ bridge: 'br-1', subnets: ['172.18.0.0/16'], masquerade: true, internal: false })
 * await fw.addPortForwards([{ proto: 'tcp', hostPort: 8080, containerIp: '172.18.0.2', containerPort: 80 }])
 * ```
 */
export interface Firewall {
  /** The ruleset, made if missing (idempotent). */
  ensure(): Promise<void>;
  /** A network's state added, with the ruleset ensured in the same change. */
  addNetwork(network: FirewallNetwork): Promise<void>;
  removeNetwork(network: FirewallNetwork): Promise<void>;
  addPortForwards(forwards: readonly PortMapping[]): Promise<void>;
  removePortForwards(forwards: readonly PortMapping[]): Promise<void>;
  /**
   * Makes the firewall hold exactly this state, in one atomic change: the
   * ruleset made again if it was flushed, state of networks and forwards
   * that are gone dropped. Says whether the ruleset itself had to be made.
   */
  rebuild(state: readonly FirewallState[]): Promise<{ readonly rulesetRecreated: boolean }>;
}
