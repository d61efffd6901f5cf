// SPDX-License-Identifier: GPL-2.0-or-later
/** The plain, JSON-serialisable shapes the model takes and returns. */
import type { ResolvedBinding } from '../drivers/driver';
import type { EndpointId, NetworkId, SandboxId } from './ids';
import type { SubnetConfig } from './ipam/ipam';

export type { ResolvedBinding };

/**
 * `docker network create` in one object.
 *
 * @example
 * ```ts
 * const opts: NetworkCreateOptions = {
 *   name: 'backend',
 *   ipam: { config: [{ subnet: '10.10.0.0/24', gateway: '10.10.0.1' }] },
 *   options: { 'com.docker.network.bridge.enable_icc': 'false' },
 * }
 * await ctl.createNetwork(opts)
 * ```
 */
export interface NetworkCreateOptions {
  readonly name: string;
  /** `bridge` (default), `host`, `null`, `macvlan`, `overlay` (with a cluster store); `ipvlan` answers CNM_NOT_SUPPORTED. */
  readonly driver?: string;
  readonly ipam?: { readonly driver?: string; readonly config?: readonly SubnetConfig[] };
  readonly enableIPv6?: boolean;
  readonly internal?: boolean;
  readonly attachable?: boolean;
  readonly labels?: Readonly<Record<string, string>>;
  readonly options?: Readonly<Record<string, string>>;
}

/**
 * `docker network inspect`, without the containers.
 *
 * @example
 * ```ts
 * const { name, driver, ipam } = net.info()   // 'backend', 'bridge', { driver: 'default', config: [...] }
 * ```
 */
export interface NetworkInfo {
  readonly id: NetworkId;
  readonly name: string;
  readonly driver: string;
  readonly scope: 'local' | 'global';
  readonly created: string;
  readonly internal: boolean;
  readonly attachable: boolean;
  readonly enableIPv6: boolean;
  readonly ipam: {
    readonly driver: string;
    readonly config: readonly {
      readonly subnet: string;
      readonly gateway: string;
      readonly ipRange?: string;
      readonly auxAddresses: Readonly<Record<string, string>>;
    }[];
  };
  readonly options: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * A published port (`-p [hostIp:]hostPort[-end]:containerPort[-end]/proto`).
 *
 * @example
 * ```ts
 * const web: PortBinding = { proto: 'tcp', hostPort: 8080, containerPort: 80 }   // -p 8080:80
 * const any: PortBinding = { proto: 'udp', containerPort: 53 }                     // -p 53/udp: a free host port
 * ```
 */
export interface PortBinding {
  readonly proto: 'tcp' | 'udp' | 'sctp';
  readonly hostIp?: string;
  readonly hostPort?: number;
  readonly hostPortEnd?: number;
  readonly containerPort: number;
  readonly containerPortEnd?: number;
}

/**
 * An endpoint's settings (`docker network connect --ip --alias -p ...`).
 *
 * @example
 * ```ts
 * await net.connect(sb, { ipv4Address: '10.10.0.9', aliases: ['db'], portBindings: [{ proto: 'tcp', hostPort: 5432, containerPort: 5432 }] })
 * ```
 */
export interface EndpointCreateOptions {
  readonly name?: string;
  readonly ipv4Address?: string;
  readonly ipv6Address?: string;
  readonly macAddress?: string;
  readonly aliases?: readonly string[];
  readonly portBindings?: readonly PortBinding[];
  readonly exposedPorts?: readonly { readonly proto: 'tcp' | 'udp' | 'sctp'; readonly port: number }[];
}

/**
 * How an endpoint joins a sandbox.
 *
 * @example
 * ```ts
 * await net.connect(sb, { priority: 10 })   // carries the default route over lower priorities
 * ```
 */
export interface JoinOptions {
  /**
   * Docker's gateway priority (`docker network connect --gw-priority`): of a
   * sandbox's endpoints whose networks offer a gateway, the highest carries
   * the default route; ties go to the endpoint offering IPv4 and IPv6, then
   * to the network whose name sorts first. Default 0.
   */
  readonly priority?: number;
  /** True: this endpoint carries the default route whatever the others; false: it never does. */
  readonly gatewayEndpoint?: boolean;
}

/**
 * What an endpoint is.
 *
 * @example
 * ```ts
 * const { ipv4Address, ifname, published, warnings } = ep.info()   // '10.10.0.9/24', 'eth0', [...], []
 * ```
 */
export interface EndpointInfo {
  readonly id: EndpointId;
  readonly name: string;
  readonly networkId: NetworkId;
  /** `address/len` */
  readonly ipv4Address?: string;
  readonly ipv6Address?: string;
  readonly macAddress: string;
  readonly aliases: readonly string[];
  readonly portBindings: readonly PortBinding[];
  /**
   * The ports published now, host ports settled (what `docker port` shows):
   * the join's bindings and those added by `publish()`; empty when not joined.
   */
  readonly published: readonly ResolvedBinding[];
  readonly exposedPorts: readonly { readonly proto: string; readonly port: number }[];
  /** What the join did not do that was asked, as Docker's `Warnings` (ports on an internal network). */
  readonly warnings: readonly string[];
  readonly sandboxId?: SandboxId;
  /** The interface name inside the sandbox, and the host end's. */
  readonly ifname?: string;
  readonly hostIfname?: string;
  readonly created: string;
}

/**
 * A new sandbox, or an adopted namespace.
 *
 * @example
 * ```ts
 * await ctl.createSandbox({ name: 'c1', sysctls: { 'net.ipv4.ip_forward': '1' } })
 * await ctl.createSandbox({ name: 'c2', pid: child.pid })   // adopt a process's namespace
 * ```
 */
export interface SandboxCreateOptions {
  readonly name?: string;
  /** Adopt this namespace file instead of creating a namespace. */
  readonly netnsPath?: string;
  /** Adopt the namespace of this process. */
  readonly pid?: number;
  /**
   * Network sysctls for the sandbox's namespace, by name (`net.ipv4.ip_forward`)
   * or path (`net/ipv4/ip_forward`), as `docker run --sysctl` takes them. A new
   * sandbox gets Docker's defaults first (see {@link SANDBOX_DEFAULT_SYSCTLS});
   * these win over them.
   */
  readonly sysctls?: Readonly<Record<string, string>>;
  /**
   * Docker's network sysctls for a sandbox cnm creates (default true):
   * `net.ipv4.ip_unprivileged_port_start=0` and
   * `net.ipv4.ping_group_range=0 2147483647`. False leaves the kernel's
   * defaults, and saves their cost when thousands of namespaces exist.
   */
  readonly defaultSysctls?: boolean;
}

/**
 * What a sandbox is.
 *
 * @example
 * ```ts
 * const { netnsPath, owned } = sb.info()   // '/run/cnm/netns/1a2b3c4d5e6f', true
 * ```
 */
export interface SandboxInfo {
  readonly id: SandboxId;
  readonly name: string;
  readonly netnsPath: string;
  /** Created by cnm (deleted with the sandbox), or adopted (left alone). */
  readonly owned: boolean;
  readonly created: string;
}
