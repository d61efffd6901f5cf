// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * `nftList` of the fake kernel: tables, chains, rules, sets and elements in
 * the raw shapes the addon hands lib/kernel/nft.ts (set types as nft's type
 * ids, element keys and data as hex bytes, a single-field interval as its
 * end marker followed by its start), so the same decoding runs on both.
 * Rule expressions are the fake's own short descriptions, not libnftnl's.
 */
import type { NftFamily, NftStatement } from '../nft-ops';
import { refuse } from './errors';
import { chainUse, intervalEnd } from './nft-batch';
import type { FakeNftSet, FakeNftTable, NftRuleset } from './nft-state';
import { typeId, typeLength } from './nft-values';

export type NftListKind = 'tables' | 'chains' | 'rules' | 'sets' | 'elements';

export interface NftListFilter {
  readonly family?: string;
  readonly table?: string;
  readonly set?: string;
}

/** Short descriptions of the kernel expressions a statement becomes, each starting with libnftnl's expression name. */
export function exprsOf(s: NftStatement): string[] {
  if ('match' in s) {
    if (s.match === 'ct state' || s.match === 'ct status')
      return [`ct load ${s.match.slice(3)}`, 'bitwise', `cmp ${s.op === '!=' ? 'eq' : 'neq'} 0`];
    if (s.match === 'fib daddr type') return ['fib daddr type', `cmp ${s.op === '!=' ? 'neq' : 'eq'} local`];
    const load = /^(iifname|oifname|meta )/.test(s.match)
      ? `meta load ${s.match.replace('meta ', '')}`
      : `payload load ${s.match}`;
    const cmp =
      'to' in s && s.to !== undefined ? `range ${s.value}-${s.to}` : `cmp ${s.op === '!=' ? 'neq' : 'eq'} ${s.value}`;
    return [load, cmp];
  }
  if ('lookup' in s) return [...s.lookup.map((f) => `load ${f}`), `lookup set ${s.set}${s.op === '!=' ? ' inv' : ''}`];
  if ('counter' in s) return ['counter'];
  if ('vmap' in s) return [...s.vmap.map((f) => `load ${f}`), `lookup set ${s.set} dreg 0`];
  if ('nat' in s) {
    if ('map' in s) return [...s.map.map((f) => `load ${f}`), `lookup set ${s.set}`, `nat ${s.nat} ${s.family}`];
    return [`immediate ${s.address}`, `nat ${s.nat} ${s.family}`];
  }
  if ('masquerade' in s) return [`masq${s.random ? ' random' : ''}`];
  return [`immediate ${s.verdict}${'chain' in s ? ` ${s.chain}` : ''}`];
}

function setFlags(s: FakeNftSet): string[] {
  const flags: string[] = [];
  if (s.constant) flags.push('constant');
  if (s.interval) flags.push('interval');
  if (s.data !== undefined) flags.push('map');
  if (s.timeoutFlag) flags.push('timeout');
  if (s.interval && s.key.length > 1) flags.push('concat');
  return flags;
}

function rawSet(t: FakeNftTable, s: FakeNftSet): object {
  return {
    family: t.family,
    table: t.name,
    name: s.name,
    handle: s.handle,
    flags: setFlags(s),
    keyType: typeId(s.key),
    keyLen: typeLength(s.key),
    ...(s.data === 'verdict'
      ? { dataType: 'verdict' }
      : s.data !== undefined
        ? { dataType: typeId(s.data), dataLen: typeLength(s.data) }
        : {}),
    ...(s.timeout !== undefined ? { timeout: s.timeout } : {}),
  };
}

function rawElements(s: FakeNftSet): object[] {
  const out: object[] = [];
  const singleInterval = s.interval && s.key.length === 1;
  for (const e of s.elements.values()) {
    if (singleInterval) {
      const end = intervalEnd(e);
      if (end !== undefined) out.push({ key: end, intervalEnd: true });
    }
    out.push({
      key: e.key,
      ...(e.keyEnd !== undefined && !singleInterval ? { keyEnd: e.keyEnd } : {}),
      ...(e.data !== undefined ? { data: e.data } : {}),
      ...(e.verdict ? { verdict: e.verdict } : {}),
      ...(e.timeout !== undefined ? { timeout: e.timeout, expires: e.timeout } : {}),
      ...(e.comment ? { comment: e.comment } : {}),
    });
  }
  return out;
}

/** What `nftList(ns, what, filter)` resolves to. */
export function listNft(r: NftRuleset, what: NftListKind, filter: NftListFilter = {}): object[] {
  const tables = [...r.tables.values()].filter(
    (t) => (!filter.family || t.family === (filter.family as NftFamily)) && (!filter.table || t.name === filter.table),
  );
  switch (what) {
    case 'tables':
      // The kernel's dump is filtered by family only; lib/kernel/nft.ts filters the name.
      return [...r.tables.values()]
        .filter((t) => !filter.family || t.family === filter.family)
        .map((t) => ({ family: t.family, name: t.name, handle: t.handle, flags: 0, use: t.chains.size + t.sets.size }));
    case 'chains':
      return tables.flatMap((t) =>
        [...t.chains.values()].map((c) => ({
          family: t.family,
          table: t.name,
          name: c.name,
          handle: c.handle,
          ...(c.hook ? { type: c.type, hook: c.hook, priority: c.priority, policy: c.policy } : {}),
          use: chainUse(t, c.name),
        })),
      );
    case 'rules':
      return tables.flatMap((t) =>
        [...t.chains.values()].flatMap((c) =>
          c.rules.map((rule) => ({
            family: t.family,
            table: t.name,
            chain: c.name,
            handle: rule.handle,
            ...(rule.comment ? { comment: rule.comment } : {}),
            exprs: rule.statements.flatMap(exprsOf),
          })),
        ),
      );
    case 'sets':
      return tables.flatMap((t) => [...t.sets.values()].map((s) => rawSet(t, s)));
    case 'elements': {
      const t = tables[0] ?? refuse('ENOENT');
      const s = t.sets.get(filter.set ?? '') ?? refuse('ENOENT');
      return rawElements(s);
    }
  }
}
