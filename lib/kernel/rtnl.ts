// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * rtnetlink in one namespace: `rtnl(ns).batch([...ops])` sends the whole
 * batch in one crossing and one pipelined transaction on a socket opened
 * inside `ns`; convenience methods send a batch of one.
 */
import { graftStack, NetlinkError } from '../errors';
import { binding, type Netns } from './binding';
import type {
  Addr,
  AddrDumpOp,
  AddrOp,
  Link,
  LinkAddOp,
  LinkDumpOp,
  LinkRef,
  LinkSetOp,
  Neigh,
  NeighDumpOp,
  NeighOp,
  PendingNetns,
  Route,
  RouteDumpOp,
  RouteOp,
  RtnlOp,
  RtnlResults,
} from './ops';
import { traced } from './trace';

type Without<T, K extends string> = T extends unknown ? Omit<T, K> : never;

/** Options of one batch. */
export interface BatchOptions {
  /** A reply that does not arrive in this time fails the rest with ETIMEDOUT. Default 30 s. */
  readonly timeoutMs?: number;
}

/** One op's outcome in {@link Rtnl.batchSettled}. */
export type Settled<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: NetlinkError };

/**
 * Thrown by {@link Rtnl.batch} when any op failed. rtnetlink batches are not
 * atomic: `results` says what happened to every op, so the caller can undo
 * the ones that succeeded.
 */
export class BatchError extends AggregateError {
  override readonly name = 'BatchError';
  constructor(
    readonly results: readonly Settled<unknown>[],
    readonly first: NetlinkError,
  ) {
    const failed = results.filter((r) => !r.ok).map((r) => (r.ok ? undefined : r.error));
    super(failed, first.message);
  }
  /** The errno name of the first failure, e.g. `EEXIST`. */
  get code(): string {
    return this.first.code;
  }
}

/**
 * rtnetlink bound to one namespace.
 *
 * @example
 * ```ts
 * const host = await netnsCurrent()
 * const r = rtnl(host)
 * await r.batch([
 *   { op: 'link.add', kind: 'bridge', name: 'br0' },      // ip link add br0 type bridge
 *   { op: 'link.set', dev: 'br0', up: true },              // ip link set br0 up
 * ])
 * const br = await r.link('br0')
 * await r.addrAdd({ dev: br.index, address: '10.1.0.1/24' }) // ip addr add 10.1.0.1/24 dev br0
 * ```
 */
export class Rtnl {
  constructor(readonly netns: Netns) {}

  /**
   * Sends every op and resolves with each one's outcome; never rejects for
   * a kernel error (only for bad input, before anything is sent).
   *
   * @example
   * ```ts
   * const [a, b] = await rtnl(ns).batchSettled([{ op: 'link.del', dev: 'x' }, { op: 'link.dump' }])
   * if (!a.ok) console.log(a.error.code) // ENODEV
   * ```
   */
  batchSettled(ops: readonly RtnlOp[], options: BatchOptions = {}): Promise<Settled<unknown>[]> {
    return this.send(ops, options, new Error());
  }

  /**
   * Sends every op in one transaction; resolves with a result per op, or
   * rejects with a {@link BatchError} if any op failed.
   *
   * @example
   * ```ts
   * const [, links] = await rtnl(ns).batch([{ op: 'link.set', dev: 'lo', up: true }, { op: 'link.dump' }] as const)
   * ```
   */
  async batch<const T extends readonly RtnlOp[]>(ops: T, options: BatchOptions = {}): Promise<RtnlResults<T>> {
    // One stack capture per call: it is a measurable part of a crossing.
    const callSite = new Error();
    const settled = await this.send(ops, options, callSite);
    const firstFailure = settled.find((r) => !r.ok);
    if (firstFailure && !firstFailure.ok) {
      if (settled.length === 1) throw graftStack(firstFailure.error, callSite);
      throw graftStack(new BatchError(settled, firstFailure.error), callSite);
    }
    return settled.map((r) => (r.ok ? r.value : null)) as RtnlResults<T>;
  }

  private async send(ops: readonly RtnlOp[], options: BatchOptions, callSite: Error): Promise<Settled<unknown>[]> {
    try {
      const raw = await traced('rtnl', this.netns, ops, () => binding.rtnlBatch(this.netns, ops, options));
      return raw.map(settle);
    } catch (error) {
      throw graftStack(error, callSite);
    }
  }

  private async one<T>(op: RtnlOp): Promise<T> {
    const [value] = (await this.batch([op])) as unknown[];
    return value as T;
  }

  /** `ip link add ...` — see {@link LinkAddOp}. @example `await r.linkAdd({ kind: 'bridge', name: 'br0' })` */
  linkAdd(op: Without<LinkAddOp, 'op'>): Promise<null> {
    return this.one({ ...op, op: 'link.add' } as LinkAddOp);
  }
  /** `ip link set ...` @example `await r.linkSet({ dev: 'br0', up: true, mtu: 9000 })` */
  linkSet(op: Omit<LinkSetOp, 'op'>): Promise<null> {
    return this.one({ ...op, op: 'link.set' });
  }
  /** `ip link del DEV` @example `await r.linkDel('veth0')` */
  linkDel(dev: LinkRef): Promise<null> {
    return this.one({ op: 'link.del', dev });
  }
  /** `ip link del group N` @example `await r.linkDelGroup(77)` */
  linkDelGroup(group: number): Promise<null> {
    return this.one({ op: 'link.del', group });
  }
  /** `ip link show DEV` @example `const lo = await r.link('lo')` */
  link(dev: LinkRef): Promise<Link> {
    return this.one({ op: 'link.get', dev });
  }
  /** `ip link show [master BR] [type KIND]` @example `const ports = await r.links({ master: br.index })` */
  links(filter: Omit<LinkDumpOp, 'op'> = {}): Promise<Link[]> {
    return this.one({ ...filter, op: 'link.dump' });
  }
  /** `ip addr add ADDR dev IFINDEX` @example `await r.addrAdd({ dev: 2, address: '10.0.0.2/24' })` */
  addrAdd(op: Omit<AddrOp, 'op'>): Promise<null> {
    return this.one({ ...op, op: 'addr.add' });
  }
  /** `ip addr del ADDR dev IFINDEX` @example `await r.addrDel({ dev: 2, address: '10.0.0.2/24' })` */
  addrDel(op: Omit<AddrOp, 'op'>): Promise<null> {
    return this.one({ ...op, op: 'addr.del' });
  }
  /** `ip addr show` @example `const v4 = await r.addrs({ family: 4 })` */
  addrs(filter: Omit<AddrDumpOp, 'op'> = {}): Promise<Addr[]> {
    return this.one({ ...filter, op: 'addr.dump' });
  }
  /** `ip route add ...` @example `await r.routeAdd({ gateway: '10.0.0.1', dev: 2 })` */
  routeAdd(op: Omit<RouteOp, 'op'>): Promise<null> {
    return this.one({ ...op, op: 'route.add' });
  }
  /** `ip route replace ...` @example `await r.routeReplace({ dst: '10.9.0.0/16', dev: 2 })` */
  routeReplace(op: Omit<RouteOp, 'op'>): Promise<null> {
    return this.one({ ...op, op: 'route.replace' });
  }
  /** `ip route del ...` @example `await r.routeDel({ dst: '10.9.0.0/16' })` */
  routeDel(op: Omit<RouteOp, 'op'>): Promise<null> {
    return this.one({ ...op, op: 'route.del' });
  }
  /** `ip route show [table T]` @example `const main = await r.routes({ family: 4 })` */
  routes(filter: Omit<RouteDumpOp, 'op'> = {}): Promise<Route[]> {
    return this.one({ ...filter, op: 'route.dump' });
  }
  /** `ip neigh add ...` / `bridge fdb add ...` @example `await r.neighAdd({ dev: 2, dst: '10.0.0.9', lladdr: '02:00:00:00:00:09' })` */
  neighAdd(op: Omit<NeighOp, 'op'>): Promise<null> {
    return this.one({ ...op, op: 'neigh.add' });
  }
  /** `ip neigh replace ...` @example `await r.neighReplace({ dev: 2, dst: '10.0.0.9', lladdr: '02:00:00:00:00:0a' })` */
  neighReplace(op: Omit<NeighOp, 'op'>): Promise<null> {
    return this.one({ ...op, op: 'neigh.replace' });
  }
  /** `ip neigh del ...` @example `await r.neighDel({ dev: 2, dst: '10.0.0.9' })` */
  neighDel(op: Omit<NeighOp, 'op'>): Promise<null> {
    return this.one({ ...op, op: 'neigh.del' });
  }
  /** `ip neigh show` / `bridge fdb show` @example `const fdb = await r.neighs({ family: 'bridge' })` */
  neighs(filter: Omit<NeighDumpOp, 'op'> = {}): Promise<Neigh[]> {
    return this.one({ ...filter, op: 'neigh.dump' });
  }
}

/**
 * rtnetlink bound to `ns`. Cheap: the socket is cached by the addon.
 *
 * @example
 * ```ts
 * await rtnl(ns).linkSet({ dev: 'lo', up: true })   // ip -n NS link set lo up
 * ```
 */
export function rtnl(ns: Netns): Rtnl {
  return new Rtnl(ns);
}

/**
 * One step of {@link rtnlSequence}: a namespace's ops, or the creation of a
 * namespace (`netnsPending()`) that later steps name.
 */
export type SequenceStep =
  | { readonly netns: Netns | PendingNetns; readonly ops: readonly RtnlOp[] }
  | { readonly create: PendingNetns };

/**
 * Batches for several namespaces in one crossing into the addon, run in
 * order (each one pipelined transaction), so a later step may use what an
 * earlier one made — including a namespace created by a `create` step, whose
 * result is its {@link Netns} handle. Resolves with each step's per-op
 * outcomes; rejects only for bad input, before anything is sent.
 *
 * @example
 * ```ts
 * // a sandbox namespace, a veth into it, its end configured from inside: one crossing
 * const sb = netnsPending('sb1', { dir: '/run/cnm/netns' })
 * const [[created]] = await rtnlSequence([
 *   { create: sb },
 *   { netns: host, ops: [{ op: 'link.add', kind: 'veth', name: 'v1', peer: { name: 'eth0', netns: sb } }] },
 *   { netns: sb, ops: [{ op: 'link.set', dev: 2, up: true }, { op: 'addr.add', dev: 2, address: '10.0.0.2/24' }] },
 * ])
 * const handle = created?.ok ? (created.value as Netns) : undefined
 * ```
 */
export function rtnlSequence(
  steps: readonly SequenceStep[],
  options: BatchOptions = {},
): Promise<Settled<unknown>[][]> {
  return sequence(steps, options, new Error());
}

async function sequence(
  steps: readonly SequenceStep[],
  options: BatchOptions,
  callSite: Error,
): Promise<Settled<unknown>[][]> {
  try {
    const ops = steps.flatMap((s) => ('ops' in s ? s.ops : []));
    const raw = await traced('rtnl', 'sequence', ops, () => binding.rtnlSequence(steps, options));
    return raw.map((results) => results.map(settle));
  } catch (error) {
    throw graftStack(error, callSite);
  }
}

/**
 * Like {@link rtnlSequence}, but rejects with a {@link BatchError} (whose
 * `results` are the flattened outcomes) when any op of any step failed.
 *
 * @example
 * ```ts
 * await rtnlSequenceOrThrow([{ netns: host, ops: hostOps }, { netns: sb, ops: sandboxOps }])
 * ```
 */
export async function rtnlSequenceOrThrow(
  steps: readonly SequenceStep[],
  options: BatchOptions = {},
): Promise<unknown[][]> {
  const callSite = new Error();
  const settled = await sequence(steps, options, callSite);
  const flat = settled.flat();
  const failure = flat.find((r) => !r.ok);
  if (failure && !failure.ok) throw graftStack(new BatchError(flat, failure.error), callSite);
  return settled.map((step) => step.map((r) => (r.ok ? r.value : null)));
}

function settle(value: unknown): Settled<unknown> {
  return value instanceof NetlinkError ? { ok: false, error: value } : { ok: true, value };
}

/**
 * The bytes each op would send (sequence number = position + 1, port id 0),
 * without sending anything. For golden tests and debug output.
 *
 * @example
 * ```ts
 * const [msg] = rtnlEncode([{ op: 'link.set', dev: 1, up: true }])
 * console.log(msg.toString('hex'))
 * ```
 */
export function rtnlEncode(ops: readonly RtnlOp[]): Buffer[] {
  return binding.rtnlEncode(ops);
}

/**
 * Parses link, address, route and neighbour messages as the kernel's
 * replies are parsed (null for any other type). Pure.
 *
 * @example
 * ```ts
 * const [link] = rtnlParse(rtnlEncode([{ op: 'link.add', kind: 'bridge', name: 'br0' }])) as [Link]
 * link.kind // 'bridge'
 * ```
 */
export function rtnlParse(messages: readonly Buffer[]): (Link | Addr | Route | Neigh | null)[] {
  return binding.rtnlParse(messages) as (Link | Addr | Route | Neigh | null)[];
}
