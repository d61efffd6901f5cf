// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The fake kernel's nftables state as a test reads it (the analogue of
 * `nft -j list ruleset`): tables, chains with their rules, sets with their
 * elements decoded by the set's own types.
 */
import type { NftFamily, NftHook, NftStatement, NftType, NftValue, NftVerdict } from '../nft-ops';
import { decodeValues } from '../nft-values';
import type { NftRuleset } from './nft-state';

export interface FakeNftDump {
  readonly tables: readonly {
    readonly family: NftFamily;
    readonly name: string;
    readonly chains: readonly {
      readonly name: string;
      readonly hook?: NftHook;
      readonly rules: readonly { readonly statements: readonly NftStatement[]; readonly comment?: string }[];
    }[];
    readonly sets: readonly {
      readonly name: string;
      readonly key: readonly NftType[];
      readonly data?: readonly NftType[] | 'verdict';
      readonly elements: readonly {
        readonly key: readonly NftValue[];
        readonly keyEnd?: readonly NftValue[];
        readonly data?: readonly NftValue[];
        readonly verdict?: NftVerdict;
      }[];
    }[];
  }[];
}

/** Everything the ruleset holds, decoded. */
export function nftDump(r: NftRuleset): FakeNftDump {
  return {
    tables: [...r.tables.values()].map((t) => ({
      family: t.family,
      name: t.name,
      chains: [...t.chains.values()].map((c) => ({
        name: c.name,
        ...(c.hook ? { hook: c.hook } : {}),
        rules: c.rules.map((rule) => ({
          statements: rule.statements,
          ...(rule.comment ? { comment: rule.comment } : {}),
        })),
      })),
      sets: [...t.sets.values()].map((s) => ({
        name: s.name,
        key: s.key,
        ...(s.data !== undefined ? { data: s.data } : {}),
        elements: [...s.elements.values()].map((e) => ({
          key: decodeValues(s.key, e.key),
          ...(e.keyEnd !== undefined && e.keyEnd !== e.key ? { keyEnd: decodeValues(s.key, e.keyEnd) } : {}),
          ...(e.data !== undefined && Array.isArray(s.data) ? { data: decodeValues(s.data, e.data) } : {}),
          ...(e.verdict ? { verdict: e.verdict } : {}),
        })),
      })),
    })),
  };
}
