// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * cnm's firewall: one `inet cnm` table whose chains and rules are fixed and
 * whose state lives in sets and maps (docs/firewall.md). Adding a network or
 * publishing a port adds elements; the rules never change, so every change
 * costs the same on an empty host and on one with 10,000 published ports.
 */
import type { NftField, NftOp, NftSetOp, NftStatement, NftType } from '../../kernel/nft-ops';

export const TABLE = { family: 'inet', table: 'cnm' } as const;

/** The documented user chain: jumped to first from forward, created if missing, never flushed or deleted. */
export const USER_CHAIN = 'CNM-USER';

/** Base chains and their priorities (nft's names: raw -300, dstnat -100, filter 0, srcnat 100). */
export const CHAINS = {
  raw: { name: 'raw-prerouting', type: 'filter', hook: 'prerouting', priority: -300 },
  prerouting: { name: 'nat-prerouting', type: 'nat', hook: 'prerouting', priority: -100 },
  output: { name: 'nat-output', type: 'nat', hook: 'output', priority: -100 },
  postrouting: { name: 'nat-postrouting', type: 'nat', hook: 'postrouting', priority: 100 },
  forward: { name: 'filter-forward', type: 'filter', hook: 'forward', priority: 0 },
} as const;

type Fam = 4 | 6;

/** Every set and map, by name: what the bridge driver adds elements to. */
export const SETS = {
  /** Every cnm bridge. */
  bridges: { key: ['ifname'] },
  /** `bridge . bridge`: traffic between two ports of one bridge (seen here only with bridge netfilter on). */
  intra: { key: ['ifname', 'ifname'] },
  /** Bridges of internal networks. */
  internal: { key: ['ifname'] },
  /** `subnet . bridge` of every network. */
  nets4: { key: ['ipv4_addr', 'ifname'], flags: ['interval'] },
  nets6: { key: ['ipv6_addr', 'ifname'], flags: ['interval'] },
  /** `subnet . bridge` of networks that masquerade. */
  masq4: { key: ['ipv4_addr', 'ifname'], flags: ['interval'] },
  masq6: { key: ['ipv6_addr', 'ifname'], flags: ['interval'] },
  /** Published ports on one host address: `address . protocol . port : container address . port`. */
  ports4: { key: ['ipv4_addr', 'inet_proto', 'inet_service'], data: ['ipv4_addr', 'inet_service'] },
  ports6: { key: ['ipv6_addr', 'inet_proto', 'inet_service'], data: ['ipv6_addr', 'inet_service'] },
  /** Published ports on every host address: `protocol . port : container address . port`. */
  ports4any: { key: ['inet_proto', 'inet_service'], data: ['ipv4_addr', 'inet_service'] },
  ports6any: { key: ['inet_proto', 'inet_service'], data: ['ipv6_addr', 'inet_service'] },
  /** Same-port ranges, one interval element each; the port is kept, only the address changes. */
  ranges4: { key: ['ipv4_addr', 'inet_proto', 'inet_service'], data: ['ipv4_addr'], flags: ['interval'] },
  ranges6: { key: ['ipv6_addr', 'inet_proto', 'inet_service'], data: ['ipv6_addr'], flags: ['interval'] },
  ranges4any: { key: ['inet_proto', 'inet_service'], data: ['ipv4_addr'], flags: ['interval'] },
  ranges6any: { key: ['inet_proto', 'inet_service'], data: ['ipv6_addr'], flags: ['interval'] },
} as const satisfies Record<
  string,
  { key: readonly NftType[]; data?: readonly NftType[]; flags?: readonly ('interval' | 'timeout' | 'constant')[] }
>;

export type SetName = keyof typeof SETS;

function rule(chain: string, statements: NftStatement[], comment: string): NftOp {
  return { op: 'rule.add', ...TABLE, chain, statements, comment };
}

const nfproto = (f: Fam): NftStatement => ({ match: 'meta nfproto', value: f === 4 ? 'ipv4' : 'ipv6' });
const ip = (f: Fam, field: 'saddr' | 'daddr'): NftField => `${f === 4 ? 'ip' : 'ip6'} ${field}` as NftField;

/** DNAT of published ports: specific host address first, then any address; single ports, then ranges. */
function dnatRules(chain: string, f: Fam): NftOp[] {
  const family = f === 4 ? 'ip' : 'ip6';
  const specific: NftField[] = [ip(f, 'daddr'), 'meta l4proto', 'th dport'];
  const any: NftField[] = ['meta l4proto', 'th dport'];
  const local: NftStatement = { match: 'fib daddr type', value: 'local' };
  const dnat = (map: NftField[], set: SetName, port: boolean): NftStatement => ({
    nat: 'dnat',
    family,
    map,
    set,
    port,
  });
  return [
    rule(chain, [nfproto(f), local, dnat(specific, `ports${f}`, true)], `published ports, IPv${f}`),
    rule(chain, [nfproto(f), local, dnat(any, `ports${f}any`, true)], `published ports on every address, IPv${f}`),
    rule(chain, [nfproto(f), local, dnat(specific, `ranges${f}`, false)], `published port ranges, IPv${f}`),
    rule(
      chain,
      [nfproto(f), local, dnat(any, `ranges${f}any`, false)],
      `published port ranges on every address, IPv${f}`,
    ),
  ];
}

function postroutingRules(f: Fam): NftOp[] {
  const chain = CHAINS.postrouting.name;
  const nets: NftField[] = [ip(f, 'saddr'), 'oifname'];
  const rules = [
    rule(
      chain,
      [{ match: 'ct status', value: ['dnat'] }, { lookup: nets, set: `nets${f}` }, { masquerade: true }],
      `hairpin: a sandbox reaching a published port on its own network, IPv${f}`,
    ),
    rule(chain, [{ lookup: nets, set: `nets${f}` }, { verdict: 'return' }], `stays on its own network, IPv${f}`),
    rule(
      chain,
      [{ lookup: [ip(f, 'saddr'), 'iifname'], set: `masq${f}` }, { masquerade: true }],
      `leaves its network, IPv${f}`,
    ),
  ];
  if (f === 4) {
    rules.splice(
      1,
      0,
      rule(
        chain,
        [{ match: 'ip saddr', value: '127.0.0.0/8' }, { lookup: ['oifname'], set: 'bridges' }, { masquerade: true }],
        'the host reaching a published port through 127.0.0.1 (route_localnet on the bridge)',
      ),
    );
  }
  return rules;
}

function forwardRules(): NftOp[] {
  const chain = CHAINS.forward.name;
  return [
    rule(chain, [{ verdict: 'jump', chain: USER_CHAIN }], 'the user chain comes first'),
    rule(chain, [{ match: 'ct state', value: ['established', 'related'] }, { verdict: 'accept' }], 'replies'),
    rule(chain, [{ lookup: ['iifname', 'oifname'], set: 'intra' }, { verdict: 'accept' }], 'within one network'),
    rule(chain, [{ lookup: ['iifname'], set: 'internal' }, { verdict: 'drop' }], 'internal: nothing out'),
    rule(chain, [{ lookup: ['oifname'], set: 'internal' }, { verdict: 'drop' }], 'internal: nothing in'),
    rule(
      chain,
      [{ match: 'ct status', value: ['dnat'] }, { lookup: ['oifname'], set: 'bridges' }, { verdict: 'accept' }],
      'published ports, from anywhere',
    ),
    rule(
      chain,
      [{ lookup: ['iifname'], set: 'bridges' }, { lookup: ['oifname'], set: 'bridges' }, { verdict: 'drop' }],
      'isolation between networks',
    ),
    rule(chain, [{ lookup: ['iifname'], set: 'bridges' }, { verdict: 'accept' }], 'outgoing'),
    rule(chain, [{ lookup: ['oifname'], set: 'bridges' }, { verdict: 'drop' }], 'nothing else reaches a sandbox'),
  ];
}

/**
 * "Ensure the ruleset": one atomic, idempotent batch. Table, chains and sets
 * are added (a no-op when present, so elements survive); cnm's base chains
 * are flushed and refilled, so two processes running it at once leave one
 * copy. The user chain is added if missing and never flushed.
 *
 * @example
 * ```ts
 * await nft(host).batch(ensureRulesetOps())   // nft -f docs/firewall.md's ruleset
 * ```
 */
export function ensureRulesetOps(): NftOp[] {
  const ops: NftOp[] = [{ op: 'table.add', family: TABLE.family, name: TABLE.table }];
  for (const c of Object.values(CHAINS)) ops.push({ op: 'chain.add', ...TABLE, ...c, policy: 'accept' });
  ops.push({ op: 'chain.add', ...TABLE, name: USER_CHAIN });
  for (const [name, def] of Object.entries(SETS)) {
    const set: NftSetOp = { op: 'set.add', ...TABLE, name, key: def.key };
    ops.push({
      ...set,
      ...('data' in def ? { data: def.data } : {}),
      ...('flags' in def ? { flags: def.flags } : {}),
    } as NftSetOp);
  }
  for (const c of Object.values(CHAINS)) ops.push({ op: 'chain.flush', ...TABLE, name: c.name });
  ops.push(
    rule(
      CHAINS.raw.name,
      [{ match: 'iifname', op: '!=', value: 'lo' }, { match: 'ip daddr', value: '127.0.0.0/8' }, { verdict: 'drop' }],
      'loopback addresses only from lo',
    ),
  );
  for (const f of [4, 6] as const) ops.push(...dnatRules(CHAINS.prerouting.name, f));
  // The host's own [::1] is never translated: IPv6 has no route_localnet, so a
  // translated packet from ::1 would be dropped on its way out and the client would
  // wait for a timeout. Untranslated, it is refused at once (nothing listens) and a
  // client trying `localhost` falls back to 127.0.0.1, which works.
  ops.push(
    rule(
      CHAINS.output.name,
      [{ match: 'ip6 daddr', value: '::1' }, { verdict: 'return' }],
      '[::1] is not translated (IPv6 has no route_localnet)',
    ),
  );
  for (const f of [4, 6] as const) ops.push(...dnatRules(CHAINS.output.name, f));
  for (const f of [4, 6] as const) ops.push(...postroutingRules(f));
  ops.push(...forwardRules());
  return ops;
}
