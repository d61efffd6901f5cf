// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Routes of the fake kernel: the prefix and local routes the kernel derives
 * from the addresses of links that are up, and the routes ops add, with the
 * checks cnm runs into (a gateway must be reachable through a link that is
 * up: ENETUNREACH otherwise; a host-scope route takes no gateway).
 */
import { allAddrs, contains, networkOf } from './addresses';
import { refuse } from './errors';
import type { FakeNamespace, FakeRoute } from './model';
import type { ParsedIp, ParsedPrefix } from './op-reader';

/** A route op, read and checked. */
export interface RouteSpec {
  readonly family: 4 | 6;
  readonly dst?: ParsedPrefix;
  readonly gateway?: ParsedIp;
  readonly src?: ParsedIp;
  readonly dev?: number;
  readonly metric?: number;
  readonly table: number;
  readonly scope?: FakeRoute['scope'];
  readonly type?: FakeRoute['type'];
  readonly protocol?: FakeRoute['protocol'];
}

/** The routes the kernel keeps for the addresses of links that are up. */
function derived(ns: FakeNamespace): FakeRoute[] {
  const out: FakeRoute[] = [];
  for (const a of allAddrs(ns)) {
    const link = ns.links.get(a.index);
    if (!link?.up) continue;
    const full = a.family === 4 ? 32 : 128;
    if (!a.noprefixroute && (a.prefixlen < full || a.family === 6) && link.kind !== 'loopback') {
      out.push({
        family: a.family,
        dst: networkOf(a.address, a.prefixlen),
        dev: a.index,
        table: 254,
        protocol: 'kernel',
        scope: a.family === 4 ? 'link' : 'universe',
        type: 'unicast',
        ...(a.family === 4 ? { src: a.address } : { metric: 256 }),
      });
    }
    out.push({
      family: a.family,
      dst: `${a.address}/${full}`,
      dev: a.index,
      table: 255,
      protocol: 'kernel',
      scope: a.family === 4 ? 'host' : 'universe',
      type: 'local',
      ...(a.family === 4 ? { src: a.address } : {}),
    });
  }
  return out;
}

/** Every route: added ones of the main table, the kernel's, then the local table. */
export function allRoutes(ns: FakeNamespace): FakeRoute[] {
  const all = [...ns.routes, ...derived(ns)];
  return [...all.filter((r) => r.table !== 255), ...all.filter((r) => r.table === 255)];
}

function defaultMetric(family: 4 | 6): number {
  return family === 4 ? 0 : 1024;
}

function dstOf(spec: RouteSpec): string {
  return spec.dst ? networkOf(spec.dst.text, spec.dst.len) : 'default';
}

function sameKey(r: FakeRoute, spec: RouteSpec): boolean {
  return (
    r.family === spec.family &&
    r.dst === dstOf(spec) &&
    r.table === spec.table &&
    (r.metric ?? defaultMetric(r.family)) === (spec.metric ?? defaultMetric(spec.family))
  );
}

// The link a gateway is reached through: a connected route of a link that is up.
function nexthopDev(ns: FakeNamespace, spec: RouteSpec): number {
  const gw = spec.gateway as ParsedIp;
  if (spec.family === 6 && gw.text.startsWith('fe80:')) {
    const dev = spec.dev === undefined ? undefined : ns.links.get(spec.dev);
    if (!dev?.up) refuse('ENETUNREACH', 'Nexthop has invalid gateway');
    return dev.index;
  }
  const via = derived(ns).find(
    (r) =>
      r.table === 254 &&
      r.dst !== 'default' &&
      r.family === spec.family &&
      contains(r.dst, gw.text) &&
      (spec.dev === undefined || r.dev === spec.dev),
  );
  if (!via || via.dev === undefined) refuse('ENETUNREACH', 'Nexthop has invalid gateway');
  return via.dev;
}

/** `ip route add` / `ip route replace`. */
export function addRoute(ns: FakeNamespace, spec: RouteSpec, replace: boolean): void {
  if (spec.dev !== undefined) {
    const dev = ns.links.get(spec.dev);
    if (!dev) refuse('ENODEV');
    if (!dev.up && !spec.gateway) refuse('ENETDOWN', 'Nexthop device is not up');
  }
  if (spec.scope === 'host' && spec.gateway) refuse('EINVAL', 'Route with host scope can not have a gateway');
  const type = spec.type ?? 'unicast';
  let dev = spec.dev;
  if (spec.gateway) dev = nexthopDev(ns, spec);
  else if (dev === undefined && type === 'unicast') refuse('EINVAL', 'Nexthop device required');
  const route: FakeRoute = {
    family: spec.family,
    dst: dstOf(spec),
    ...(spec.gateway ? { gateway: spec.gateway.text } : {}),
    ...(spec.src ? { src: spec.src.text } : {}),
    ...(dev !== undefined ? { dev } : {}),
    ...(spec.metric !== undefined ? { metric: spec.metric } : spec.family === 6 ? { metric: 1024 } : {}),
    table: spec.table,
    protocol: spec.protocol ?? 'boot',
    scope: spec.scope ?? (spec.gateway || spec.family === 6 ? 'universe' : 'link'),
    type,
  };
  const i = ns.routes.findIndex((r) => sameKey(r, spec));
  if (i >= 0) {
    if (!replace) refuse('EEXIST');
    ns.routes[i] = route;
    return;
  }
  ns.routes.push(route);
}

/** `ip route del`. */
export function delRoute(ns: FakeNamespace, spec: RouteSpec): void {
  const i = ns.routes.findIndex(
    (r) =>
      r.family === spec.family &&
      r.dst === dstOf(spec) &&
      r.table === spec.table &&
      (spec.gateway === undefined || r.gateway === spec.gateway.text) &&
      (spec.dev === undefined || r.dev === spec.dev) &&
      (spec.metric === undefined || (r.metric ?? defaultMetric(r.family)) === spec.metric),
  );
  if (i < 0) refuse('ESRCH');
  ns.routes.splice(i, 1);
}

/** A link went down: the routes through it go (IPv4 flushes them; the fake does the same for IPv6). */
export function dropRoutesVia(ns: FakeNamespace, index: number): void {
  ns.routes = ns.routes.filter((r) => r.dev !== index);
}
