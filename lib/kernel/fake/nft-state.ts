// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * One namespace's nftables ruleset in the fake kernel: tables, chains, rules,
 * sets and maps with their elements (keys and data as the bytes the kernel
 * keeps, in hex). Plain data, so a batch can work on a copy and be committed
 * whole or dropped whole.
 */
import type { NftFamily, NftHook, NftStatement, NftType, NftVerdict } from '../nft-ops';

export interface FakeNftElement {
  /** Hex bytes. */
  readonly key: string;
  readonly keyEnd?: string;
  readonly data?: string;
  readonly verdict?: NftVerdict;
  readonly timeout?: number;
  readonly comment?: string;
}

export interface FakeNftSet {
  readonly name: string;
  readonly handle: number;
  readonly key: readonly NftType[];
  readonly data?: readonly NftType[] | 'verdict';
  readonly interval: boolean;
  readonly timeoutFlag: boolean;
  readonly constant: boolean;
  readonly timeout?: number;
  /** By key (and key end): `key` or `key-keyEnd`. */
  readonly elements: Map<string, FakeNftElement>;
}

export interface FakeNftRule {
  readonly handle: number;
  readonly statements: readonly NftStatement[];
  readonly comment?: string;
}

export interface FakeNftChain {
  readonly name: string;
  readonly handle: number;
  readonly type?: 'filter' | 'nat' | 'route';
  readonly hook?: NftHook;
  readonly priority?: number;
  policy?: 'accept' | 'drop';
  rules: FakeNftRule[];
}

export interface FakeNftTable {
  readonly family: NftFamily;
  readonly name: string;
  readonly handle: number;
  /** Chains, sets and rules share one handle counter per table, as in the kernel. */
  nextHandle: number;
  readonly chains: Map<string, FakeNftChain>;
  readonly sets: Map<string, FakeNftSet>;
}

export interface NftRuleset {
  /** By `family name`, in creation order. */
  readonly tables: Map<string, FakeNftTable>;
  nextTableHandle: number;
}

/** An empty ruleset, as a new namespace has. */
export function emptyRuleset(): NftRuleset {
  return { tables: new Map(), nextTableHandle: 1 };
}

/** A copy a batch can change without touching the original. */
export function copyRuleset(r: NftRuleset): NftRuleset {
  return structuredClone(r);
}

/** The key of a table in {@link NftRuleset.tables}. */
export function tableKey(family: NftFamily, name: string): string {
  return `${family} ${name}`;
}
