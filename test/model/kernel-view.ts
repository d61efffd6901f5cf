// SPDX-License-Identifier: GPL-2.0-or-later
// What the model suite needs to see of a kernel, independently of cnm: the
// real one through `ip -j` and `nft -j`, the fake one through its dump.
import type { NetworkController } from '../../lib/index';

/** A link as the suite compares it (names, not ifindexes, for the master). */
export interface ViewLink {
  readonly name: string;
  readonly up: boolean;
  readonly master?: string;
  readonly mtu: number;
  readonly address?: string;
  readonly addrGenMode?: string;
  readonly hairpin?: boolean;
}

/** The kernel as the suite looks at it. A namespace is named by its file; undefined is the host. */
export interface KernelView {
  links(netns?: string): Promise<ViewLink[]>;
  /** IPv4 addresses (`10.0.0.2/24`) of one interface. */
  addrs4(netns: string | undefined, ifname: string): Promise<string[]>;
  /** IPv4 routes of the main table: `default via 10.0.0.1`, `10.0.0.0/24`. */
  routes4(netns?: string): Promise<string[]>;
  /** The elements of one set or map of the `inet cnm` table in the host: `tcp . 8080 : 172.17.0.2 . 80`. */
  elements(set: string): Promise<string[]>;
  /** Whether a namespace file exists. */
  exists(path: string): boolean;
  /** `ip link del NAME` in the host, behind cnm's back. */
  deleteLink(name: string): Promise<void>;
  /** A process on the host holding a TCP port on every address; resolves to its release. */
  holdPort(port: number): Promise<() => Promise<void>>;
}

/** One test's controller, over its own host namespace and state directory. */
export interface ModelFixture {
  readonly ctl: NetworkController;
  readonly view: KernelView;
  /** Closes the controller and forgets its state directory. */
  close(): Promise<void>;
}

/** Where the suite runs: the fake kernel, unprivileged, or the real one, as root. */
export interface ModelEnv {
  readonly name: string;
  open(): Promise<ModelFixture>;
}
