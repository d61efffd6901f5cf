// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Running a driver's join plan: the driver's host ops, then inside the
 * sandbox its ops followed by what the model programs for every driver —
 * the interface's addresses, static routes and, when this endpoint carries
 * it, the default route — in one crossing when the interface's index is
 * known in advance (a fresh namespace), two otherwise.
 */
import type { DriverEndpoint, JoinPlan } from '../drivers/driver';
import { CnmError } from '../errors';
import type { Netns } from '../kernel/binding';
import type { PendingNetns, RtnlOp } from '../kernel/ops';
import type { SequenceStep } from '../kernel/rtnl';
import { rtnl, rtnlSequenceOrThrow } from '../kernel/rtnl';

/** What the model records of a join: the driver's record and what it offers. */
export interface JoinInfo {
  readonly state: Readonly<Record<string, unknown>>;
  readonly gateway?: { readonly ipv4?: string; readonly ipv6?: string };
  readonly staticRoutes?: JoinPlan['staticRoutes'];
  readonly priority: number;
  readonly preference?: boolean;
  /** What the join did not do that was asked (ports on an internal network). */
  readonly warnings?: readonly string[];
}

/**
 * What the model records of a join, from its plan and how it was asked for.
 *
 * @example
 * ```ts
 * joinInfo(plan, { priority: 5 })   // { state: {}, gateway: { ipv4: '10.0.0.1' }, priority: 5 }
 * ```
 */
export function joinInfo(
  plan: JoinPlan,
  o: { readonly priority?: number; readonly gatewayEndpoint?: boolean; readonly warnings?: readonly string[] } = {},
): JoinInfo {
  return {
    state: plan.state,
    ...(plan.gateway ? { gateway: plan.gateway } : {}),
    ...(plan.staticRoutes ? { staticRoutes: plan.staticRoutes } : {}),
    priority: o.priority ?? 0,
    ...(o.gatewayEndpoint !== undefined ? { preference: o.gatewayEndpoint } : {}),
    ...(o.warnings && o.warnings.length > 0 ? { warnings: o.warnings } : {}),
  };
}

/** The host-side link of a join, as intents and leave requests carry it (absent when there is none). */
export function hostEnd(j: { readonly hostIfname?: string | undefined }): { hostIfname?: string } {
  return j.hostIfname ? { hostIfname: j.hostIfname } : {};
}

/**
 * The endpoint's addresses and the plan's static routes on interface `index`.
 *
 * @example
 * ```ts
 * addressOps({ id, mac, ipv4: '172.18.0.2/16' }, plan, 2)   // [{ op: 'addr.add', dev: 2, address: '172.18.0.2/16' }]
 * ```
 */
export function addressOps(ep: DriverEndpoint, plan: Pick<JoinPlan, 'staticRoutes'>, index: number): RtnlOp[] {
  const ops: RtnlOp[] = [];
  if (ep.ipv4) ops.push({ op: 'addr.add', dev: index, address: ep.ipv4 });
  if (ep.ipv6) ops.push({ op: 'addr.add', dev: index, address: ep.ipv6, nodad: true });
  for (const r of plan.staticRoutes ?? []) {
    ops.push({ op: 'route.add', dst: r.destination, dev: index, ...(r.nextHop ? { gateway: r.nextHop } : {}) });
  }
  return ops;
}

/** The steps of a join's crossing, for a caller that puts more before them (connectMany's namespace creation). */
export function joinSteps(
  plan: JoinPlan,
  host: Netns,
  sandbox: Netns | PendingNetns,
  tail: readonly RtnlOp[],
): SequenceStep[] {
  return [
    ...(plan.host.length > 0 ? [{ netns: host, ops: plan.host }] : []),
    // Loopback up in every sandbox, as in every Docker container.
    { netns: sandbox, ops: [{ op: 'link.set', dev: 'lo', up: true }, ...plan.sandbox, ...tail] },
  ];
}

/**
 * Runs a plan into an open sandbox. `tail(index)` is what the model adds
 * once the interface's index is known; `index` saves a lookup when the
 * caller knows it.
 */
export async function runJoinPlan(
  plan: JoinPlan,
  ifname: string,
  host: Netns,
  sandbox: Netns,
  tail: (index: number) => RtnlOp[],
  index?: number,
): Promise<void> {
  if (plan.noInterface) {
    // Nothing handed over: loopback up is all (and the host's own namespace keeps its own).
    if (plan.host.length > 0 || plan.sandbox.length > 0) await rtnlSequenceOrThrow(joinSteps(plan, host, sandbox, []));
    return;
  }
  if (index !== undefined) {
    await rtnlSequenceOrThrow(joinSteps(plan, host, sandbox, tail(index)));
    return;
  }
  const settled = await rtnlSequenceOrThrow(joinSteps(plan, host, sandbox, [{ op: 'link.get', dev: ifname }]));
  // In a sandbox that already has links the interface's index is not known in advance.
  const inside = settled[settled.length - 1] ?? [];
  const found = (inside[inside.length - 1] as { index?: number } | null)?.index;
  if (!found) throw new CnmError('CNM_INVALID_CONFIG', `${ifname} did not appear in the sandbox`);
  const ops = tail(found);
  if (ops.length > 0) await rtnl(sandbox).batch(ops);
}
