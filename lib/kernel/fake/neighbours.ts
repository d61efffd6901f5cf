// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Neighbour (ARP/NDP) and bridge FDB entries of the fake kernel, as ops add,
 * replace and delete them. Nothing is learned from traffic: there is none.
 */
import { refuse } from './errors';
import type { FakeNamespace, FakeNeigh } from './model';

function sameEntry(a: FakeNeigh, b: FakeNeigh): boolean {
  return (
    a.family === b.family &&
    a.dev === b.dev &&
    (a.family === 'bridge' ? a.lladdr === b.lladdr && a.vlan === b.vlan && a.dst === b.dst : a.dst === b.dst)
  );
}

/** `ip neigh add|replace` / `bridge fdb add|replace`. */
export function addNeigh(ns: FakeNamespace, entry: FakeNeigh, replace: boolean): void {
  if (!ns.links.has(entry.dev)) refuse('ENODEV');
  const i = ns.neighs.findIndex((n) => sameEntry(n, entry));
  if (i >= 0) {
    if (!replace) refuse('EEXIST');
    ns.neighs[i] = entry;
    return;
  }
  ns.neighs.push(entry);
}

/** `ip neigh del` / `bridge fdb del`. */
export function delNeigh(ns: FakeNamespace, entry: FakeNeigh): void {
  if (!ns.links.has(entry.dev)) refuse('ENODEV');
  const i = ns.neighs.findIndex((n) =>
    entry.family === 'bridge'
      ? sameEntry(n, entry)
      : n.family === entry.family && n.dev === entry.dev && n.dst === entry.dst,
  );
  if (i < 0) refuse('ENOENT');
  ns.neighs.splice(i, 1);
}
