// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Renders a batch of nftables ops as `nft -f` script text: the same
 * transaction, readable. Used for golden tests, `--dry-run` and debug output.
 */
import type { NftElement, NftFamily, NftOp, NftStatement, NftType, NftValue, NftVerdict } from './nft-ops';

function quoteIfName(type: NftType | 'name', v: NftValue): string {
  return type === 'ifname' ? JSON.stringify(String(v)) : String(v);
}

function verdictText(v: NftVerdict): string {
  return v.verdict === 'jump' || v.verdict === 'goto' ? `${v.verdict} ${v.chain}` : v.verdict;
}

function matchValue(field: string, value: NftValue): string {
  if (field === 'iifname' || field === 'oifname') return JSON.stringify(String(value));
  if (field === 'meta mark' || field === 'ct mark') return `0x${Number(value).toString(16).padStart(8, '0')}`;
  return String(value);
}

/**
 * One statement in nft syntax.
 *
 * @example
 * ```ts
 * renderStatement({ lookup: ['iifname', 'oifname'], set: 'isolate' }) // 'iifname . oifname @isolate'
 * ```
 */
export function renderStatement(s: NftStatement): string {
  if ('match' in s) {
    const neg = s.op === '!=' ? '!= ' : '';
    if (s.match === 'ct state' || s.match === 'ct status')
      return `${s.match} ${neg}${(s.value as readonly string[]).join(',')}`;
    if (s.match === 'fib daddr type') return `fib daddr type ${neg}local`;
    const value = s.value as NftValue;
    const to = 'to' in s && s.to !== undefined ? `-${s.to}` : '';
    return `${s.match} ${neg}${matchValue(s.match, value)}${to}`;
  }
  if ('lookup' in s) return `${s.lookup.join(' . ')} ${s.op === '!=' ? '!= ' : ''}@${s.set}`;
  if ('counter' in s) return 'counter';
  if ('verdict' in s) return verdictText(s);
  if ('vmap' in s) return `${s.vmap.join(' . ')} vmap @${s.set}`;
  if ('nat' in s) {
    if ('map' in s) return `${s.nat} ${s.family} to ${s.map.join(' . ')} map @${s.set}`;
    const address = s.family === 'ip6' && s.port !== undefined ? `[${s.address}]` : s.address;
    return `${s.nat} ${s.family} to ${address}${s.port !== undefined ? `:${s.port}` : ''}`;
  }
  return s.random ? 'masquerade random' : 'masquerade';
}

function value(types: readonly NftType[], values: readonly NftValue[], ends?: readonly NftValue[]): string {
  return values
    .map((v, i) => {
      const type = types[i] ?? 'ifname';
      const end = ends?.[i];
      const text = quoteIfName(type, v);
      return end !== undefined && end !== v ? `${text}-${quoteIfName(type, end)}` : text;
    })
    .join(' . ');
}

function element(key: readonly NftType[], data: readonly NftType[] | 'verdict' | undefined, e: NftElement): string {
  let out = value(key, e.key, e.keyEnd);
  if (e.timeout !== undefined) out += ` timeout ${e.timeout}ms`;
  if (e.comment) out += ` comment ${JSON.stringify(e.comment)}`;
  if (data === 'verdict' && e.verdict) out += ` : ${verdictText(e.verdict)}`;
  else if (data && data !== 'verdict' && e.data) out += ` : ${value(data, e.data)}`;
  return out;
}

function at(family: NftFamily, table: string, name?: string): string {
  return name === undefined ? `${family} ${table}` : `${family} ${table} ${name}`;
}

/**
 * One op as an `nft` command.
 *
 * @example
 * ```ts
 * renderNftOp({ op: 'table.add', family: 'inet', name: 'cnm' }) // 'add table inet cnm'
 * ```
 */
export function renderNftOp(op: NftOp): string {
  switch (op.op) {
    case 'table.add':
    case 'table.create':
    case 'table.del':
    case 'table.flush': {
      const verb = { 'table.add': 'add', 'table.create': 'create', 'table.del': 'delete', 'table.flush': 'flush' }[
        op.op
      ];
      return `${verb} table ${at(op.family, op.name)}`;
    }
    case 'chain.add':
    case 'chain.create': {
      const verb = op.op === 'chain.add' ? 'add' : 'create';
      const base = op.hook
        ? ` { type ${op.type ?? 'filter'} hook ${op.hook} priority ${op.priority ?? 0};${op.policy ? ` policy ${op.policy};` : ''} }`
        : '';
      return `${verb} chain ${at(op.family, op.table, op.name)}${base}`;
    }
    case 'chain.del':
      return `delete chain ${at(op.family, op.table, op.name)}`;
    case 'chain.flush':
      return `flush chain ${at(op.family, op.table, op.name)}`;
    case 'rule.add':
    case 'rule.insert': {
      const verb = op.op === 'rule.add' ? 'add' : 'insert';
      const position = op.handle !== undefined ? ` position ${op.handle}` : '';
      const comment = op.comment ? ` comment ${JSON.stringify(op.comment)}` : '';
      return `${verb} rule ${at(op.family, op.table, op.chain)}${position} ${op.statements.map(renderStatement).join(' ')}${comment}`;
    }
    case 'rule.del':
      return `delete rule ${at(op.family, op.table, op.chain)} handle ${op.handle}`;
    case 'set.add':
    case 'set.create': {
      const verb = op.op === 'set.add' ? 'add' : 'create';
      const kind = op.data ? 'map' : 'set';
      const data = op.data === 'verdict' ? ' : verdict' : op.data ? ` : ${op.data.join(' . ')}` : '';
      const parts = [`type ${op.key.join(' . ')}${data};`];
      if (op.flags?.length) parts.push(`flags ${op.flags.join(',')};`);
      if (op.timeout !== undefined) parts.push(`timeout ${op.timeout}ms;`);
      if (op.comment) parts.push(`comment ${JSON.stringify(op.comment)};`);
      return `${verb} ${kind} ${at(op.family, op.table, op.name)} { ${parts.join(' ')} }`;
    }
    case 'set.del':
      return `delete set ${at(op.family, op.table, op.name)}`;
    case 'set.flush':
      return `flush set ${at(op.family, op.table, op.name)}`;
    case 'element.add':
    case 'element.create':
    case 'element.del': {
      const verb = { 'element.add': 'add', 'element.create': 'create', 'element.del': 'delete' }[op.op];
      const data = op.op === 'element.del' ? undefined : op.data;
      const items = op.elements.map((e) => element(op.key, data, e));
      return `${verb} element ${at(op.family, op.table, op.set)} { ${items.join(', ')} }`;
    }
  }
}

/**
 * A whole batch as an `nft -f` script, one command a line.
 *
 * @example
 * ```ts
 * console.log(renderNft(ops)) // what `nft(ns).batch(ops)` does, in nft's words
 * ```
 */
export function renderNft(ops: readonly NftOp[]): string {
  return `${ops.map(renderNftOp).join('\n')}\n`;
}
