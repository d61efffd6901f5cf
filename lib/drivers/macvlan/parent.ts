// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * A macvlan network's parent link in the host namespace: found, or made by
 * cnm (an 802.1q sub-interface `IF.VID`, or Docker's dummy `dm-<id>` when no
 * parent is given) and then deleted with the last network on it; and the
 * rules for networks sharing one parent.
 */
import { BlockList } from 'node:net';
import { CnmError } from '../../errors';
import type { Link, RtnlOp } from '../../kernel/ops';
import { rtnl } from '../../kernel/rtnl';
import type { DriverContext, DriverNetwork, NetworkPool } from '../driver';
import { dummyParentName, type MacvlanMode, parseMacvlanOptions, vlanParent } from './options';

/** The driver's record of a network it made. */
export interface MacvlanState {
  readonly parent: string;
  readonly mode: MacvlanMode;
  /** The parent is a link cnm made (a VLAN sub-interface or a dummy): deleted with the last network on it. */
  readonly createdParent: boolean;
  /** The parent is a dummy: no LAN behind it, so the network offers no gateway. */
  readonly dummy: boolean;
}

/** A network as the parent rules need it. */
type NetLike = Pick<DriverNetwork, 'id' | 'name' | 'options' | 'pools'> & { readonly state?: DriverNetwork['state'] };

/**
 * The network's parent and mode: as created, or as they will be (a network
 * not yet made, or whose creation a crash interrupted, has no state).
 *
 * @example
 * ```ts
 * settings({ id, name, options: { parent: 'eth0' }, pools: [] })   // { parent: 'eth0', mode: 'bridge' }
 * ```
 */
export function settings(net: NetLike): Pick<MacvlanState, 'parent' | 'mode'> & Partial<MacvlanState> {
  const s = net.state as Partial<MacvlanState> | undefined;
  if (s?.parent && s.mode) return s as MacvlanState;
  const o = parseMacvlanOptions(net.options);
  return { parent: o.parent ?? dummyParentName(net.id), mode: o.mode };
}

function overlaps(a: NetworkPool, b: NetworkPool): boolean {
  if (a.family !== b.family) return false;
  const type = a.family === 4 ? 'ipv4' : 'ipv6';
  const contains = (outer: NetworkPool, inner: NetworkPool) => {
    const [addr = '', len = ''] = outer.subnet.split('/');
    const list = new BlockList();
    list.addSubnet(addr, Number(len), type);
    return list.check(inner.subnet.split('/')[0] ?? '', type);
  };
  return contains(a, b) || contains(b, a);
}

/**
 * Refuses a network that cannot share its parent with the networks already
 * on it: passthru hands the whole parent to one child, so a passthru network
 * is alone on its parent either way round; subnets on one parent (one LAN)
 * must not overlap. Pure: the kernel is not asked.
 *
 * @example
 * ```ts
 * checkShared(net, others)   // throws CNM_INVALID_CONFIG or CNM_SUBNET_OVERLAP
 * ```
 */
export function checkShared(net: NetLike, others: readonly NetLike[]): void {
  const mine = settings(net);
  for (const other of others) {
    if (other.id === net.id) continue;
    const theirs = settings(other);
    if (theirs.parent !== mine.parent) continue;
    if (mine.mode === 'passthru' || theirs.mode === 'passthru') {
      const who = theirs.mode === 'passthru' ? `the passthru network ${other.name}` : `network ${other.name}`;
      throw new CnmError(
        'CNM_INVALID_CONFIG',
        `options.parent: ${mine.parent} is held by ${who}; a passthru network needs its parent to itself (one network, one endpoint)`,
      );
    }
    for (const a of net.pools) {
      const b = other.pools.find((p) => overlaps(a, p));
      if (b) {
        throw new CnmError(
          'CNM_SUBNET_OVERLAP',
          `subnet ${a.subnet} overlaps ${b.subnet} of macvlan network ${other.name} on the same parent ${mine.parent}`,
        );
      }
    }
  }
}

/**
 * The ops that make an 802.1q sub-interface, quiet and up:
 * `ip link add IF.VID link IF type vlan id VID; ip link set IF.VID addrgenmode none up`.
 */
export function vlanParentOps(name: string, baseIndex: number, vlanId: number): RtnlOp[] {
  return [
    { op: 'link.add', kind: 'vlan', name, link: baseIndex, vlanId },
    { op: 'link.set', dev: name, addrGenMode: 'none' },
    { op: 'link.set', dev: name, up: true },
  ];
}

/** The ops that make a dummy parent, quiet and up: `ip link add dm-ID type dummy; ip link set dm-ID addrgenmode none up`. */
export function dummyParentOps(name: string): RtnlOp[] {
  return [
    { op: 'link.add', kind: 'dummy', name },
    { op: 'link.set', dev: name, addrGenMode: 'none' },
    { op: 'link.set', dev: name, up: true },
  ];
}

interface KernelError {
  readonly code?: string;
  readonly extack?: string;
  readonly strerror?: string;
  readonly first?: KernelError;
}

// A BatchError carries the first failure; a single op's NetlinkError is itself.
const firstError = (e: KernelError): KernelError => e.first ?? e;
const answer = (e: KernelError) => `${e.code} (${e.extack ?? e.strerror ?? 'no message'})`;
const gone = (e: unknown) => (e as KernelError).code === 'ENODEV';

/**
 * The parent link, or undefined when the host has none of that name.
 *
 * @example
 * ```ts
 * const eth0 = await findLink(ctx, 'eth0')   // ip link show eth0
 * ```
 */
export async function findLink(ctx: DriverContext, name: string): Promise<Link | undefined> {
  return rtnl(ctx.host)
    .link(name)
    .catch((e: unknown) => {
      if (gone(e)) return undefined;
      throw e;
    });
}

// Makes a link cnm owns; the kind's absence from the kernel becomes CNM_NOT_SUPPORTED.
async function make(ctx: DriverContext, name: string, ops: readonly RtnlOp[], what: string): Promise<void> {
  const r = rtnl(ctx.host);
  try {
    await r.batch(ops);
  } catch (error) {
    const e = firstError(error as KernelError);
    // Made meanwhile by another process for a network on the same parent: it is there now.
    if (e.code === 'EEXIST') return;
    // A half-made link goes again (the create may have worked and a later op not).
    if (e.code !== 'EOPNOTSUPP') await r.linkDel(name).catch(() => {});
    if (e.code === 'EOPNOTSUPP') {
      throw new CnmError('CNM_NOT_SUPPORTED', `${what}, and this kernel refuses to make it: ${answer(e)}`, {
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * Before anything is recorded: a parent the user named exists (or, for
 * `IF.VID`, its base does). Making a VLAN or dummy parent is left to
 * {@link ensureParent}, which says what the kernel answers.
 *
 * @example
 * ```ts
 * await probeParent(ctx, { id, name, options: { parent: 'eth9' } })   // CNM_INVALID_CONFIG: the host has no link named eth9
 * ```
 */
export async function probeParent(ctx: DriverContext, net: Pick<NetLike, 'id' | 'options'>): Promise<void> {
  const o = parseMacvlanOptions(net.options);
  if (o.parent === undefined || (await findLink(ctx, o.parent))) return;
  const vlan = vlanParent(o.parent);
  if (!vlan) throw new CnmError('CNM_INVALID_CONFIG', `options.parent: the host has no link named ${o.parent}`);
  if (!(await findLink(ctx, vlan.base))) {
    throw new CnmError(
      'CNM_INVALID_CONFIG',
      `options.parent: ${o.parent} would be VLAN ${vlan.vlanId} on ${vlan.base}, but the host has no link named ${vlan.base}`,
    );
  }
}

/**
 * Finds the network's parent in the host namespace, or makes it: `IF.VID`
 * an 802.1q sub-interface of IF, no parent a dummy `dm-<id>`. Refuses a
 * parent that does not exist (CNM_INVALID_CONFIG) and a link kind this
 * kernel lacks (CNM_NOT_SUPPORTED, with the kernel's answer).
 *
 * @example
 * ```ts
 * await ensureParent(ctx, { id, name, options: { parent: 'eth0.10' }, pools }, others)
 * // ip link add eth0.10 link eth0 type vlan id 10 (where the kernel has 802.1q)
 * ```
 */
export async function ensureParent(
  ctx: DriverContext,
  net: NetLike,
  others: readonly NetLike[],
): Promise<MacvlanState> {
  const o = parseMacvlanOptions(net.options);
  const { parent, mode } = settings(net);
  // Another network's cnm-made parent is shared: whoever is last deletes it.
  const sharedMade = others.some((n) => {
    const s = n.state as Partial<MacvlanState> | undefined;
    return n.id !== net.id && s?.parent === parent && s.createdParent === true;
  });
  const found = await findLink(ctx, parent);
  // A dummy of this network's own name is its own (left by an interrupted create).
  const dummy = o.parent === undefined;
  if (found) return { parent, mode, createdParent: sharedMade || dummy, dummy };
  if (dummy) {
    await make(
      ctx,
      parent,
      dummyParentOps(parent),
      `a macvlan network without -o parent needs a dummy link ${parent} as its parent (as Docker makes)`,
    );
    return { parent, mode, createdParent: true, dummy: true };
  }
  const vlan = vlanParent(parent);
  if (!vlan) {
    throw new CnmError('CNM_INVALID_CONFIG', `options.parent: the host has no link named ${parent}`);
  }
  const base = await findLink(ctx, vlan.base);
  if (!base) {
    throw new CnmError(
      'CNM_INVALID_CONFIG',
      `options.parent: ${parent} would be VLAN ${vlan.vlanId} on ${vlan.base}, but the host has no link named ${vlan.base}`,
    );
  }
  await make(
    ctx,
    parent,
    vlanParentOps(parent, base.index, vlan.vlanId),
    `options.parent: ${parent} needs an 802.1q sub-interface (VLAN ${vlan.vlanId} on ${vlan.base})`,
  );
  return { parent, mode, createdParent: true, dummy: false };
}

/**
 * Deletes a parent cnm made once no other network uses it; a parent the
 * user gave is never touched. Missing links are no error.
 *
 * @example
 * ```ts
 * await releaseParent(ctx, net, others)   // ip link del eth0.10, when net made it and no other uses it
 * ```
 */
export async function releaseParent(ctx: DriverContext, net: NetLike, others: readonly NetLike[]): Promise<void> {
  const s = net.state as Partial<MacvlanState> | undefined;
  if (!s?.parent || !s.createdParent) return;
  if (others.some((n) => n.id !== net.id && settings(n).parent === s.parent)) return;
  await rtnl(ctx.host)
    .linkDel(s.parent)
    .catch((e: unknown) => {
      if (!gone(e)) throw e;
    });
}
