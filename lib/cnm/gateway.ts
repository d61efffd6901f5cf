// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Which of a sandbox's endpoints carries its default route, chosen again on
 * every join and leave, as libnetwork chooses it (sandbox.go `Less`,
 * default_gateway.go): an endpoint whose network offers a gateway (internal
 * networks and drivers without one never do); then the higher join priority;
 * then the one offering both IPv4 and IPv6 over IPv6 only over IPv4 only;
 * then the network name. `gatewayEndpoint: true` at join wins over all of
 * it, `false` opts out.
 */
import type { RtnlOp } from '../kernel/ops';

/** One joined endpoint of a sandbox, as the choice sees it. */
export interface GatewayCandidate {
  readonly endpointId: string;
  readonly networkName: string;
  /** The interface in the sandbox. */
  readonly ifname: string;
  /** Next hops its network offers; undefined or empty: none. */
  readonly gateway?: { readonly ipv4?: string; readonly ipv6?: string } | undefined;
  readonly priority: number;
  /** `JoinOptions.gatewayEndpoint`: true always wins, false never carries it. */
  readonly preference?: boolean | undefined;
}

function families(c: GatewayCandidate): number {
  const v4 = c.gateway?.ipv4 !== undefined;
  const v6 = c.gateway?.ipv6 !== undefined;
  return v4 && v6 ? 3 : v6 ? 2 : v4 ? 1 : 0;
}

/**
 * The endpoint that carries the default route, or undefined when none can.
 *
 * @example
 * ```ts
 * chooseGateway([{ endpointId: 'a', networkName: 'n-zzz', ifname: 'eth0', gateway: { ipv4: '10.0.0.1' }, priority: 0 },
 *                { endpointId: 'b', networkName: 'n-aaa', ifname: 'eth1', gateway: { ipv4: '10.1.0.1' }, priority: 0 }])
 * // the n-aaa endpoint: same priority and families, and its name sorts first
 * ```
 */
export function chooseGateway(candidates: readonly GatewayCandidate[]): GatewayCandidate | undefined {
  const able = candidates.filter((c) => families(c) > 0 && c.preference !== false);
  able.sort(
    (a, b) =>
      Number(b.preference === true) - Number(a.preference === true) ||
      b.priority - a.priority ||
      families(b) - families(a) ||
      (a.networkName < b.networkName ? -1 : a.networkName > b.networkName ? 1 : 0) ||
      (a.endpointId < b.endpointId ? -1 : 1),
  );
  return able[0];
}

/**
 * The ops inside the sandbox that move its default routes to `to` (on the
 * interface with index `dev`), given who carried them before: replaced for
 * each family `to` offers, removed for a family only the old one offered.
 */
export function defaultRouteOps(to: GatewayCandidate, dev: number, before: GatewayCandidate | undefined): RtnlOp[] {
  const ops: RtnlOp[] = [];
  if (to.gateway?.ipv4) ops.push({ op: 'route.replace', gateway: to.gateway.ipv4, dev });
  if (to.gateway?.ipv6) ops.push({ op: 'route.replace', gateway: to.gateway.ipv6, dev });
  // The old carrier's interface stays: a family the new one does not offer must not keep
  // pointing there.
  if (before && before.endpointId !== to.endpointId) {
    if (before.gateway?.ipv4 && !to.gateway?.ipv4) ops.push({ op: 'route.del', family: 4 });
    if (before.gateway?.ipv6 && !to.gateway?.ipv6) ops.push({ op: 'route.del', family: 6 });
  }
  return ops;
}
