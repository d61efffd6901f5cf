// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * An nftables transaction in the fake kernel: every op applied to a copy of
 * the ruleset, which replaces it only when all succeeded — one failing op,
 * and nothing of the batch stays (the kernel's abort). Refusals are the
 * kernel's: ENOENT for a missing table, chain, set, rule or element, EEXIST
 * for a `create` of what exists or an element that clashes, EBUSY for what
 * is still referenced, EINVAL for an element that does not fit its set.
 */
import type { NftStatement, NftType } from '../nft-ops';
import { KernelRefusal, refuse, toNetlinkError } from './errors';
import type { ReadElement, ReadNftOp } from './nft-read';
import {
  copyRuleset,
  type FakeNftChain,
  type FakeNftElement,
  type FakeNftSet,
  type FakeNftTable,
  type NftRuleset,
  tableKey,
} from './nft-state';
import { increment } from './nft-values';

function sameTypes(a: readonly NftType[] | 'verdict' | undefined, b: readonly NftType[] | 'verdict' | undefined) {
  if (a === undefined || b === undefined || a === 'verdict' || b === 'verdict') return a === b;
  return a.length === b.length && a.every((t, i) => t === b[i]);
}

function table(r: NftRuleset, op: { family: ReadNftOp['family']; table: string }): FakeNftTable {
  return r.tables.get(tableKey(op.family, op.table)) ?? refuse('ENOENT');
}

// Sets and chains a statement names.
function setsNamed(statements: readonly NftStatement[]): string[] {
  return statements.flatMap((s) => ('set' in s && typeof s.set === 'string' ? [s.set] : []));
}
function chainsNamed(statements: readonly NftStatement[]): string[] {
  return statements.flatMap((s) => ('verdict' in s && 'chain' in s && s.chain ? [s.chain] : []));
}

/** How many rules (and verdict-map elements) of the table jump or go to the chain. */
export function chainUse(t: FakeNftTable, name: string): number {
  let n = 0;
  for (const c of t.chains.values())
    for (const rule of c.rules) n += chainsNamed(rule.statements).filter((x) => x === name).length;
  for (const s of t.sets.values())
    for (const e of s.elements.values()) if (e.verdict && 'chain' in e.verdict && e.verdict.chain === name) n++;
  return n;
}

function setInUse(t: FakeNftTable, name: string): boolean {
  for (const c of t.chains.values())
    for (const rule of c.rules) if (setsNamed(rule.statements).includes(name)) return true;
  return false;
}

function elementId(e: { key: string; keyEnd?: string }): string {
  return e.keyEnd !== undefined && e.keyEnd !== e.key ? `${e.key}-${e.keyEnd}` : e.key;
}

// The per-field ranges of an interval element overlap another's (pipapo and rbtree refuse that).
function overlaps(set: FakeNftSet, a: { key: string; keyEnd?: string }, b: FakeNftElement): boolean {
  const sizes = set.key.length > 1 ? set.key.map((t) => Math.ceil(size(t) / 4) * 4) : [size(set.key[0] as NftType)];
  let offset = 0;
  for (const s of sizes) {
    const slice = (h: string) => h.slice(offset * 2, (offset + s) * 2);
    const [lo1, hi1, lo2, hi2] = [slice(a.key), slice(a.keyEnd ?? a.key), slice(b.key), slice(b.keyEnd ?? b.key)];
    if (hi1 < lo2 || hi2 < lo1) return false;
    offset += s;
  }
  return true;
}

function size(t: NftType): number {
  return { ipv4_addr: 4, ipv6_addr: 16, ether_addr: 6, inet_proto: 1, inet_service: 2, mark: 4, ifname: 16 }[t];
}

function sameValue(a: FakeNftElement, b: ReadElement): boolean {
  return a.data === b.data && JSON.stringify(a.verdict) === JSON.stringify(b.verdict);
}

function applyElements(r: NftRuleset, op: Extract<ReadNftOp, { kind: 'element' }>): void {
  const t = table(r, op);
  const set = t.sets.get(op.set) ?? refuse('ENOENT');
  if (!sameTypes(set.key, op.key)) refuse('EINVAL');
  if (op.verb !== 'del' && set.data !== undefined && !sameTypes(set.data, op.data)) refuse('EINVAL');
  if (op.verb !== 'del' && set.data === undefined && op.data !== undefined) refuse('EINVAL');
  if (op.interval && !set.interval) refuse('EINVAL');
  for (const e of op.elements) {
    const id = elementId(e);
    const existing = set.elements.get(id);
    if (op.verb === 'del') {
      if (!existing) refuse('ENOENT');
      set.elements.delete(id);
      continue;
    }
    if (existing) {
      if (op.verb === 'create' || !sameValue(existing, e)) refuse('EEXIST');
      continue;
    }
    if (set.interval) for (const other of set.elements.values()) if (overlaps(set, e, other)) refuse('EEXIST');
    set.elements.set(id, {
      ...e,
      ...(e.keyEnd === undefined && set.interval && set.key.length > 1 ? { keyEnd: e.key } : {}),
    });
  }
}

function checkReferences(t: FakeNftTable, statements: readonly NftStatement[]): void {
  for (const s of setsNamed(statements)) if (!t.sets.has(s)) refuse('ENOENT');
  for (const c of chainsNamed(statements)) if (!t.chains.has(c)) refuse('ENOENT');
}

function apply(r: NftRuleset, op: ReadNftOp): void {
  switch (op.kind) {
    case 'table': {
      const key = tableKey(op.family, op.name);
      const t = r.tables.get(key);
      if (op.verb === 'add' || op.verb === 'create') {
        if (t && op.verb === 'create') refuse('EEXIST');
        if (!t)
          r.tables.set(key, {
            family: op.family,
            name: op.name,
            handle: r.nextTableHandle++,
            nextHandle: 1,
            chains: new Map(),
            sets: new Map(),
          });
        return;
      }
      if (!t) refuse('ENOENT');
      if (op.verb === 'del') r.tables.delete(key);
      else for (const c of t.chains.values()) c.rules = [];
      return;
    }
    case 'chain': {
      const t = table(r, op);
      const c = t.chains.get(op.name);
      if (op.verb === 'add' || op.verb === 'create') {
        if (c) {
          if (op.verb === 'create') refuse('EEXIST');
          if ((op.hook ?? undefined) !== c.hook || (op.hook && op.type !== c.type)) refuse('EOPNOTSUPP');
          if (op.policy) c.policy = op.policy;
          return;
        }
        const chain: FakeNftChain = { name: op.name, handle: t.nextHandle++, rules: [] };
        t.chains.set(op.name, {
          ...chain,
          ...(op.hook
            ? { type: op.type, hook: op.hook, priority: op.priority ?? 0, policy: op.policy ?? 'accept' }
            : {}),
        });
        return;
      }
      if (!c) refuse('ENOENT');
      if (op.verb === 'flush') {
        c.rules = [];
        return;
      }
      if (c.rules.length > 0 || chainUse(t, op.name) > 0) refuse('EBUSY');
      t.chains.delete(op.name);
      return;
    }
    case 'rule': {
      const t = table(r, op);
      const c = t.chains.get(op.chain) ?? refuse('ENOENT');
      const at = op.handle === undefined ? -1 : c.rules.findIndex((x) => x.handle === op.handle);
      if (op.handle !== undefined && at < 0) refuse('ENOENT');
      if (op.verb === 'del') {
        c.rules.splice(at, 1);
        return;
      }
      checkReferences(t, op.statements);
      const rule = {
        handle: t.nextHandle++,
        statements: op.statements,
        ...(op.comment ? { comment: op.comment } : {}),
      };
      if (op.verb === 'add') c.rules.splice(at < 0 ? c.rules.length : at + 1, 0, rule);
      else c.rules.splice(at < 0 ? 0 : at, 0, rule);
      return;
    }
    case 'set': {
      const t = table(r, op);
      const s = t.sets.get(op.name);
      if (op.verb === 'add' || op.verb === 'create') {
        if (s) {
          const same =
            sameTypes(s.key, op.key) &&
            sameTypes(s.data, op.data) &&
            s.interval === op.interval &&
            s.timeoutFlag === op.timeoutFlag;
          if (op.verb === 'create' || !same) refuse('EEXIST');
          return;
        }
        t.sets.set(op.name, {
          name: op.name,
          handle: t.nextHandle++,
          key: op.key as NftType[],
          ...(op.data !== undefined ? { data: op.data } : {}),
          interval: op.interval,
          timeoutFlag: op.timeoutFlag,
          constant: op.constant,
          ...(op.timeout !== undefined ? { timeout: op.timeout } : {}),
          elements: new Map(),
        });
        return;
      }
      if (!s) refuse('ENOENT');
      if (op.verb === 'flush') s.elements.clear();
      else {
        if (setInUse(t, op.name)) refuse('EBUSY');
        t.sets.delete(op.name);
      }
      return;
    }
    case 'element':
      applyElements(r, op);
      return;
  }
}

/**
 * Runs a batch atomically: resolves with the new ruleset, or throws the
 * NetlinkError of the first op the "kernel" refused (nothing applied).
 */
export function runNftBatch(current: NftRuleset, ops: readonly ReadNftOp[]): NftRuleset {
  const next = copyRuleset(current);
  for (const [index, op] of ops.entries()) {
    try {
      apply(next, op);
    } catch (error) {
      if (error instanceof KernelRefusal) throw toNetlinkError(error, { op: op.op, index, object: op.object });
      throw error;
    }
  }
  return next;
}

/** The end marker of a single-field interval (the value after its last), as the addon sends it. */
export function intervalEnd(e: FakeNftElement): string | undefined {
  return increment(Buffer.from(e.keyEnd ?? e.key, 'hex'))?.toString('hex');
}
