// SPDX-License-Identifier: GPL-2.0-or-later
/** The order every store lists records in (SQLite's ORDER BY, for stores that sort themselves). */
import type { EndpointRecord } from './records';

/** Networks: creation time, then name. */
export const byCreated = (a: { created: string; name: string }, b: { created: string; name: string }): number =>
  a.created < b.created ? -1 : a.created > b.created ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

/** Endpoints: a sandbox's by interface name, others by creation time. */
export function sortEndpoints(endpoints: EndpointRecord[], bySandbox: boolean): EndpointRecord[] {
  return bySandbox
    ? endpoints.sort((a, b) => ((a.sandboxIfname ?? '') < (b.sandboxIfname ?? '') ? -1 : 1))
    : endpoints.sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : 0));
}
