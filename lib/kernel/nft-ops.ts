// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * nftables ops as plain tagged objects. A batch of them is one atomic
 * transaction. Rule statements are the small vocabulary cnm's rulesets use,
 * named as nft names them; the addon turns each into the kernel's
 * expressions the way nft does, so `nft list ruleset` reads them back.
 */

/** Table families (`nft add table FAMILY NAME`). */
export type NftFamily = 'ip' | 'ip6' | 'inet' | 'bridge' | 'arp' | 'netdev';

/** Packet fields a statement can read, in nft's words. */
export type NftField =
  | 'iifname'
  | 'oifname'
  | 'meta l4proto'
  | 'meta nfproto'
  | 'meta mark'
  | 'ip saddr'
  | 'ip daddr'
  | 'ip6 saddr'
  | 'ip6 daddr'
  | 'th sport'
  | 'th dport'
  | 'ct mark';

/** Fields a match may name: the above, plus protocol ports (which imply `meta l4proto`). */
export type NftMatchField =
  | NftField
  | 'tcp sport'
  | 'tcp dport'
  | 'udp sport'
  | 'udp dport'
  | 'sctp sport'
  | 'sctp dport';

/** Types of set keys and map data (`type ipv4_addr . inet_service`). */
export type NftType = 'ifname' | 'ipv4_addr' | 'ipv6_addr' | 'inet_proto' | 'inet_service' | 'mark' | 'ether_addr';

/** One value of a field or type: names, addresses (with /prefix where a match allows), numbers. */
export type NftValue = string | number;

export type NftCtState = 'invalid' | 'established' | 'related' | 'new' | 'untracked';
export type NftVerdictName = 'accept' | 'drop' | 'return' | 'continue';

/** A verdict: `accept`, `drop`, `return`, `continue`, `jump CHAIN`, `goto CHAIN`. */
export type NftVerdict =
  | { readonly verdict: NftVerdictName }
  | { readonly verdict: 'jump' | 'goto'; readonly chain: string };

/** One statement of a rule. */
export type NftStatement =
  /** `FIELD [!=] VALUE` — `ip saddr 10.0.0.0/8`, `iifname != "br0"`, `tcp dport 8000-8100` (with `to`). */
  | { readonly match: NftMatchField; readonly op?: '==' | '!='; readonly value: NftValue; readonly to?: NftValue }
  /** `ct state established,related` */
  | { readonly match: 'ct state'; readonly op?: '==' | '!='; readonly value: readonly NftCtState[] }
  /** `ct status dnat`: the connection was destination-NATed (any of the statuses given). */
  | { readonly match: 'ct status'; readonly op?: '==' | '!='; readonly value: readonly ('dnat' | 'snat')[] }
  /** `fib daddr type local`: traffic for one of this host's own addresses. */
  | { readonly match: 'fib daddr type'; readonly op?: '==' | '!='; readonly value: 'local' }
  /** `iifname . oifname [!=] @set` */
  | { readonly lookup: readonly NftField[]; readonly set: string; readonly op?: '==' | '!=' }
  /** `counter` */
  | { readonly counter: true }
  /** `accept`, `jump CHAIN`, ... */
  | NftVerdict
  /** `iifname vmap @set` */
  | { readonly vmap: readonly NftField[]; readonly set: string }
  /** `dnat ip to ip daddr . meta l4proto . th dport map @set` (`port: false` when the map holds addresses only) */
  | {
      readonly nat: 'dnat' | 'snat';
      readonly family: 'ip' | 'ip6';
      readonly map: readonly NftField[];
      readonly set: string;
      readonly port?: boolean;
    }
  /** `snat ip to 10.0.0.1[:port]` */
  | { readonly nat: 'dnat' | 'snat'; readonly family: 'ip' | 'ip6'; readonly address: string; readonly port?: number }
  /** `masquerade [random]` */
  | { readonly masquerade: true; readonly random?: boolean };

interface Where {
  readonly family: NftFamily;
  readonly table: string;
}

/** `add table`, `create table` (fails if it exists), `delete table`, `flush table` (its rules). Never the owner flag. */
export interface NftTableOp {
  readonly op: 'table.add' | 'table.create' | 'table.del' | 'table.flush';
  readonly family: NftFamily;
  readonly name: string;
}

export type NftHook = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting';

/** `add chain FAMILY TABLE NAME [{ type T hook H priority P; policy X; }]` */
export interface NftChainOp extends Where {
  readonly op: 'chain.add' | 'chain.create' | 'chain.del' | 'chain.flush';
  readonly name: string;
  readonly type?: 'filter' | 'nat' | 'route';
  readonly hook?: NftHook;
  readonly priority?: number;
  readonly policy?: 'accept' | 'drop';
}

/** `add rule` (append; after `handle`), `insert rule` (prepend; before `handle`), `delete rule ... handle H`. */
export type NftRuleOp =
  | (Where & {
      readonly op: 'rule.add' | 'rule.insert';
      readonly chain: string;
      readonly statements: readonly NftStatement[];
      readonly comment?: string;
      readonly handle?: number;
    })
  | (Where & { readonly op: 'rule.del'; readonly chain: string; readonly handle: number });

/** `add set`/`add map` with typed, possibly concatenated keys; `delete`; `flush` (all elements). */
export type NftSetOp =
  | (Where & {
      readonly op: 'set.add' | 'set.create';
      readonly name: string;
      readonly key: readonly NftType[];
      /** A map's data types, or `verdict` for a verdict map. */
      readonly data?: readonly NftType[] | 'verdict';
      readonly flags?: readonly ('interval' | 'timeout' | 'constant')[];
      /** Default element timeout, ms. */
      readonly timeout?: number;
      readonly comment?: string;
    })
  | (Where & { readonly op: 'set.del' | 'set.flush'; readonly name: string });

/** One element: a key (one value per key field), for maps its data or verdict. */
export interface NftElement {
  readonly key: readonly NftValue[];
  /** The last value of a range, in an interval set. */
  readonly keyEnd?: readonly NftValue[];
  readonly data?: readonly NftValue[];
  readonly verdict?: NftVerdict;
  /** ms */
  readonly timeout?: number;
  readonly comment?: string;
}

/** `add element`/`create element`/`delete element`. Carries the set's types, so values can be encoded. */
export interface NftElementOp extends Where {
  readonly op: 'element.add' | 'element.create' | 'element.del';
  readonly set: string;
  readonly key: readonly NftType[];
  readonly data?: readonly NftType[] | 'verdict';
  readonly interval?: boolean;
  readonly elements: readonly NftElement[];
}

/** Every nftables op. */
export type NftOp = NftTableOp | NftChainOp | NftRuleOp | NftSetOp | NftElementOp;

/** What `nft(ns).tables()` lists. */
export interface NftTable {
  readonly family: NftFamily;
  readonly name: string;
  readonly handle: number;
  readonly flags: number;
  readonly use: number;
}

export interface NftChain {
  readonly family: NftFamily;
  readonly table: string;
  readonly name: string;
  readonly handle: number;
  readonly type?: 'filter' | 'nat' | 'route';
  readonly hook?: NftHook;
  readonly priority?: number;
  readonly policy?: 'accept' | 'drop';
  readonly use: number;
}

export interface NftRule {
  readonly family: NftFamily;
  readonly table: string;
  readonly chain: string;
  readonly handle: number;
  readonly comment?: string;
  /** The kernel's expressions, as libnftnl prints them. */
  readonly exprs: readonly string[];
}

export interface NftSet {
  readonly family: NftFamily;
  readonly table: string;
  readonly name: string;
  readonly handle: number;
  readonly flags: readonly ('constant' | 'interval' | 'map' | 'timeout' | 'concat')[];
  /** Key and data types, decoded from the kernel's type ids (empty when unknown). */
  readonly key: readonly NftType[];
  readonly data?: readonly NftType[] | 'verdict';
  readonly timeout?: number;
}

/** A listed element, its bytes decoded with the set's types: what was added, and what time is left. */
export interface NftListedElement extends NftElement {
  /** ms left before a timed element expires */
  readonly expires?: number;
}
