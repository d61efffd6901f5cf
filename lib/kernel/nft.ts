// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * nftables in one namespace: `nft(ns).batch([...ops])` is one atomic
 * transaction (begin, every op, end) in one `sendmsg`; the listing methods
 * dump what the kernel holds, parsed.
 */
import { withCallerStack } from '../errors';
import { binding, type Netns } from './binding';
import type {
  NftChain,
  NftFamily,
  NftField,
  NftListedElement,
  NftOp,
  NftRule,
  NftSet,
  NftStatement,
  NftTable,
  NftVerdict,
} from './nft-ops';
import { decodeValues, typesOfId } from './nft-values';
import { traced } from './trace';

/** Filters of the listing methods. */
export interface NftFilter {
  readonly family?: NftFamily;
  readonly table?: string;
}

interface RawSet extends Omit<NftSet, 'key' | 'data'> {
  readonly keyType: number;
  readonly keyLen: number;
  readonly dataType?: number | 'verdict';
  readonly dataLen?: number;
}

interface RawElement {
  readonly key: string;
  readonly keyEnd?: string;
  readonly data?: string;
  readonly verdict?: NftVerdict;
  readonly intervalEnd?: boolean;
  readonly timeout?: number;
  readonly expires?: number;
  readonly comment?: string;
}

/**
 * nftables bound to one namespace.
 *
 * @example
 * ```ts
 * const f = nft(host)
 * await f.batch([
 *   { op: 'table.add', family: 'inet', name: 'demo' },                         // nft add table inet demo
 *   { op: 'chain.add', family: 'inet', table: 'demo', name: 'fwd',
 *     type: 'filter', hook: 'forward', priority: 0, policy: 'accept' },
 *   { op: 'rule.add', family: 'inet', table: 'demo', chain: 'fwd',
 *     statements: [{ match: 'ct state', value: ['established', 'related'] }, { verdict: 'accept' }] },
 * ])
 * ```
 */
export class Nft {
  constructor(readonly netns: Netns) {}

  /**
   * Sends every op as one atomic transaction. On failure nothing of it
   * stays, and the rejection is a NetlinkError whose `index` is the first op
   * the kernel refused, with its errno and extended-ack text.
   *
   * @example
   * ```ts
   * await nft(ns).batch([{ op: 'table.add', family: 'inet', name: 'cnm' }])
   * ```
   */
  batch(ops: readonly NftOp[], options: { readonly timeoutMs?: number } = {}): Promise<void> {
    return withCallerStack(async () => {
      await traced('nft', this.netns, ops, () => binding.nftBatch(this.netns, ops, options));
    });
  }

  /** `nft list tables` @example `const tables = await nft(ns).tables()` */
  tables(filter: NftFilter = {}): Promise<NftTable[]> {
    return withCallerStack(async () => {
      const all = (await binding.nftList(this.netns, 'tables', filter)) as NftTable[];
      return all.filter((t) => !filter.table || t.name === filter.table);
    });
  }

  /** `nft list chains` @example `const chains = await nft(ns).chains({ family: 'inet', table: 'cnm' })` */
  chains(filter: NftFilter = {}): Promise<NftChain[]> {
    return withCallerStack(async () => (await binding.nftList(this.netns, 'chains', filter)) as NftChain[]);
  }

  /** Rules with their handles and comments. @example `const rules = await nft(ns).rules({ family: 'inet', table: 'cnm' })` */
  rules(filter: NftFilter = {}): Promise<NftRule[]> {
    return withCallerStack(async () => (await binding.nftList(this.netns, 'rules', filter)) as NftRule[]);
  }

  /** Sets and maps with their types decoded. @example `const sets = await nft(ns).sets({ family: 'inet', table: 'cnm' })` */
  sets(filter: NftFilter = {}): Promise<NftSet[]> {
    return withCallerStack(async () => {
      const raw = (await binding.nftList(this.netns, 'sets', filter)) as RawSet[];
      return raw.map(({ keyType, keyLen: _keyLen, dataType, dataLen: _dataLen, ...rest }) => {
        const set: NftSet = { ...rest, key: typesOfId(keyType) };
        if (dataType === 'verdict') return { ...set, data: 'verdict' };
        if (dataType !== undefined) return { ...set, data: typesOfId(dataType) };
        return set;
      });
    });
  }

  /**
   * A set's elements, decoded with its types (listed first). Single-field
   * intervals come back as one element with `keyEnd`.
   *
   * @example
   * ```ts
   * const ports = await nft(ns).elements({ family: 'inet', table: 'cnm', set: 'ports' })
   * ```
   */
  elements(where: {
    readonly family: NftFamily;
    readonly table: string;
    readonly set: string;
  }): Promise<NftListedElement[]> {
    return withCallerStack(async () => {
      const set = (await this.sets(where)).find((s) => s.name === where.set);
      if (!set) throw new Error(`no set ${where.family} ${where.table} ${where.set}`);
      const raw = (await binding.nftList(this.netns, 'elements', where)) as RawElement[];
      return decodeElements(set, raw);
    });
  }
}

function decodeElements(set: NftSet, raw: readonly RawElement[]): NftListedElement[] {
  const interval = set.flags.includes('interval') && !set.flags.includes('concat');
  const out: NftListedElement[] = [];
  // The kernel lists a single-field interval as its end marker, then its start.
  let pendingEnd: Buffer | undefined;
  for (const e of raw) {
    if (interval && e.intervalEnd) {
      pendingEnd = Buffer.from(e.key, 'hex');
      continue;
    }
    const item: { -readonly [K in keyof NftListedElement]: NftListedElement[K] } = {
      key: decodeValues(set.key, e.key),
    };
    if (e.keyEnd) item.keyEnd = decodeValues(set.key, e.keyEnd);
    if (interval && pendingEnd) {
      item.keyEnd = decodeValues(set.key, decrement(pendingEnd).toString('hex'));
      pendingEnd = undefined;
    }
    if (e.data && set.data && set.data !== 'verdict') item.data = decodeValues(set.data, e.data);
    if (e.verdict) item.verdict = e.verdict;
    if (e.timeout !== undefined) item.timeout = e.timeout;
    if (e.expires !== undefined) item.expires = e.expires;
    if (e.comment) item.comment = e.comment;
    out.push(item);
  }
  return out;
}

function decrement(b: Buffer): Buffer {
  const out = Buffer.from(b);
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] !== 0) {
      out[i] = (out[i] as number) - 1;
      break;
    }
    out[i] = 0xff;
  }
  return out;
}

/**
 * nftables bound to `ns`. Cheap: the socket is cached by the addon.
 *
 * @example
 * ```ts
 * await nft(host).batch(ensureOps)   // nft -f ensure.nft, atomically
 * ```
 */
export function nft(ns: Netns): Nft {
  return new Nft(ns);
}

/**
 * The messages each op of a batch would carry, without sending anything
 * (pure). Most ops are one message; a long element list is split so no
 * attribute passes 64 KiB.
 *
 * @example
 * ```ts
 * const [[msg]] = nftEncode([{ op: 'table.add', family: 'inet', name: 'cnm' }])
 * ```
 */
export function nftEncode(ops: readonly NftOp[]): Buffer[][] {
  return binding.nftEncode(ops);
}

/**
 * Readable builders for rule statements.
 *
 * @example
 * ```ts
 * const { match, ctState, lookup, counter, accept, drop } = nftx
 * const rule = [match('iifname', 'br0'), lookup(['iifname', 'oifname'], 'isolate'), counter(), drop()]
 * ```
 */
export const nftx = {
  match: (
    field: Extract<NftStatement, { match: string; to?: unknown }>['match'],
    value: string | number,
    op: '==' | '!=' = '==',
  ): NftStatement => ({ match: field, value, op }) as NftStatement,
  range: (
    field: 'th dport' | 'th sport' | 'tcp dport' | 'udp dport' | 'sctp dport',
    from: number,
    to: number,
  ): NftStatement => ({
    match: field,
    value: from,
    to,
  }),
  ctState: (...states: ('invalid' | 'established' | 'related' | 'new' | 'untracked')[]): NftStatement => ({
    match: 'ct state',
    value: states,
  }),
  fibLocal: (): NftStatement => ({ match: 'fib daddr type', value: 'local' }),
  lookup: (fields: readonly NftField[], set: string, op: '==' | '!=' = '=='): NftStatement => ({
    lookup: fields,
    set,
    op,
  }),
  counter: (): NftStatement => ({ counter: true }),
  accept: (): NftStatement => ({ verdict: 'accept' }),
  drop: (): NftStatement => ({ verdict: 'drop' }),
  ret: (): NftStatement => ({ verdict: 'return' }),
  jump: (chain: string): NftStatement => ({ verdict: 'jump', chain }),
  goto: (chain: string): NftStatement => ({ verdict: 'goto', chain }),
  vmap: (fields: readonly NftField[], set: string): NftStatement => ({ vmap: fields, set }),
  dnatMap: (family: 'ip' | 'ip6', fields: readonly NftField[], set: string, port = true): NftStatement => ({
    nat: 'dnat',
    family,
    map: fields,
    set,
    port,
  }),
  masquerade: (random = false): NftStatement => ({ masquerade: true, random }),
};
