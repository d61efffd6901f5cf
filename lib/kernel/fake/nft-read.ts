// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * nftables ops read and checked as the addon reads them
 * (native/glue/nft_ops.cc): bad input is an InvalidOpError before anything
 * of the batch applies; values are encoded to the kernel's bytes.
 */
import type { NftFamily, NftHook, NftStatement, NftType, NftVerdict } from '../nft-ops';
import { invalidOp } from './errors';
import { encodeValues, isNftType } from './nft-values';
import { OpReader } from './op-reader';

export type Verb = 'add' | 'create' | 'insert' | 'del' | 'flush';

interface Base {
  readonly op: string;
  readonly object: string;
  readonly verb: Verb;
  readonly family: NftFamily;
}

export interface ReadElement {
  readonly key: string;
  readonly keyEnd?: string;
  readonly data?: string;
  readonly verdict?: NftVerdict;
  readonly timeout?: number;
  readonly comment?: string;
}

export type ReadNftOp =
  | (Base & { readonly kind: 'table'; readonly name: string })
  | (Base & {
      readonly kind: 'chain';
      readonly table: string;
      readonly name: string;
      readonly type?: 'filter' | 'nat' | 'route';
      readonly hook?: NftHook;
      readonly priority?: number;
      readonly policy?: 'accept' | 'drop';
    })
  | (Base & {
      readonly kind: 'rule';
      readonly table: string;
      readonly chain: string;
      readonly handle?: number;
      readonly statements: readonly NftStatement[];
      readonly comment?: string;
    })
  | (Base & {
      readonly kind: 'set';
      readonly table: string;
      readonly name: string;
      readonly key?: readonly NftType[];
      readonly data?: readonly NftType[] | 'verdict';
      readonly interval: boolean;
      readonly timeoutFlag: boolean;
      readonly constant: boolean;
      readonly timeout?: number;
    })
  | (Base & {
      readonly kind: 'element';
      readonly table: string;
      readonly set: string;
      readonly key: readonly NftType[];
      readonly data?: readonly NftType[] | 'verdict';
      readonly interval: boolean;
      readonly elements: readonly ReadElement[];
    });

const FAMILIES: readonly NftFamily[] = ['ip', 'ip6', 'inet', 'bridge', 'arp', 'netdev'];
const HOOKS: readonly NftHook[] = ['prerouting', 'input', 'forward', 'output', 'postrouting'];
const VERDICTS = ['accept', 'drop', 'return', 'continue', 'jump', 'goto'] as const;
const FIELDS = [
  'iifname',
  'oifname',
  'meta l4proto',
  'meta nfproto',
  'meta mark',
  'ip saddr',
  'ip daddr',
  'ip6 saddr',
  'ip6 daddr',
  'th sport',
  'th dport',
  'ct mark',
];
const MATCH_FIELDS = [...FIELDS, 'tcp sport', 'tcp dport', 'udp sport', 'udp dport', 'sctp sport', 'sctp dport'];

function family(r: OpReader): NftFamily {
  const f = r.requiredString('family');
  if (!(FAMILIES as readonly string[]).includes(f)) r.fail('family', 'must be ip, ip6, inet, bridge, arp or netdev');
  return f as NftFamily;
}

function name(r: OpReader, key: string): string {
  const s = r.requiredString(key);
  if (s.length === 0 || Buffer.byteLength(s) > 255) r.fail(key, 'must be 1-255 bytes');
  return s;
}

function types(r: OpReader, key: string): NftType[] {
  const v = r.raw(key);
  if (!Array.isArray(v) || v.length === 0)
    r.fail(
      key,
      'must be a non-empty array of types (ifname, ipv4_addr, ipv6_addr, inet_proto, inet_service, mark, ether_addr)',
    );
  v.forEach((t, i) => {
    if (!isNftType(t)) r.fail(key, `unknown type at position ${i}`);
  });
  if (v.length > 16) r.fail(key, 'too many fields');
  return v as NftType[];
}

function verb(r: OpReader, op: string, allowed: readonly Verb[]): Verb {
  const v = op.slice(op.indexOf('.') + 1) as Verb;
  if (!allowed.includes(v)) r.fail('op', `unknown op "${op}"`);
  return v;
}

function where(f: NftFamily, table: string, n = ''): string {
  return n ? `${f} ${table} ${n}` : `${f} ${table}`;
}

function encode(r: OpReader, t: readonly NftType[], v: unknown, key: string): string {
  const values = Array.isArray(v) ? v : [v];
  const bytes = encodeValues(
    t,
    values.map((x) => (typeof x === 'number' || typeof x === 'string' ? x : String(x))),
  );
  if (typeof bytes === 'string') r.fail(key, bytes);
  return bytes.toString('hex');
}

function readVerdict(r: OpReader): NftVerdict {
  const v = r.requiredString('verdict');
  if (!(VERDICTS as readonly string[]).includes(v))
    r.fail('verdict', 'must be accept, drop, return, continue, jump or goto');
  if (v === 'jump' || v === 'goto') return { verdict: v, chain: name(r, 'chain') };
  if (r.has('chain')) r.fail('chain', 'only jump and goto take a chain');
  return { verdict: v as 'accept' };
}

function fields(r: OpReader, key: string): void {
  const v = r.raw(key);
  if (!Array.isArray(v) || v.length === 0) r.fail(key, 'must be a non-empty array of fields');
  v.forEach((f, i) => {
    if (typeof f !== 'string' || !FIELDS.includes(f)) r.fail(key, `unknown field at position ${i}`);
  });
}

// The statement vocabulary of nft-ops.ts, checked as far as the fake needs (kinds, names, references).
function statement(r: OpReader): NftStatement {
  const s = r.object as unknown as NftStatement;
  if (r.has('match')) {
    const m = r.requiredString('match');
    const op = r.string('op') ?? '==';
    if (op !== '==' && op !== '!=') r.fail('op', 'must be == or !=');
    if (m === 'ct state' || m === 'ct status') {
      if (!Array.isArray(r.raw('value'))) r.fail('value', 'must be an array of names');
      return s;
    }
    if (m === 'fib daddr type') {
      if (r.string('value') !== 'local') r.fail('value', 'only `local` is supported');
      return s;
    }
    if (!MATCH_FIELDS.includes(m)) r.fail('match', `unknown field "${m}"`);
    if (!r.has('value')) r.fail('value', 'is required');
    return s;
  }
  if (r.has('lookup')) {
    fields(r, 'lookup');
    name(r, 'set');
    return s;
  }
  if (r.has('counter')) return s;
  if (r.has('verdict')) {
    readVerdict(r);
    return s;
  }
  if (r.has('vmap')) {
    fields(r, 'vmap');
    name(r, 'set');
    return s;
  }
  if (r.has('nat')) {
    const nat = r.requiredString('nat');
    if (nat !== 'dnat' && nat !== 'snat') r.fail('nat', 'must be dnat or snat');
    const f = r.requiredString('family');
    if (f !== 'ip' && f !== 'ip6') r.fail('family', 'must be ip or ip6');
    if (r.has('map')) {
      fields(r, 'map');
      name(r, 'set');
      return s;
    }
    const a = r.ip('address');
    if (!a || (a.family === 4) !== (f === 'ip')) r.fail('address', 'must be an address of the nat family');
    r.u32('port', 1, 65535);
    return s;
  }
  if (r.has('masquerade')) return s;
  return r.fail('', 'a statement is one of match, lookup, counter, verdict, vmap, nat, masquerade');
}

function element(
  r: OpReader,
  e: unknown,
  i: number,
  op: { verb: Verb; key: readonly NftType[]; data?: readonly NftType[] | 'verdict'; interval: boolean },
): ReadElement {
  const er = r.child(e, `elements.${i}.`, 'elements');
  if (typeof e !== 'object' || e === null) invalidOp(r.index, 'elements', 'each element is an object');
  const key = encode(er, op.key, er.raw('key'), 'key');
  let keyEnd: string | undefined;
  if (er.has('keyEnd')) {
    if (!op.interval) er.fail('keyEnd', 'only interval sets take ranges');
    keyEnd = encode(er, op.key, er.raw('keyEnd'), 'keyEnd');
  } else if (op.interval && op.key.length > 1) {
    keyEnd = key;
  }
  const out: { -readonly [K in keyof ReadElement]: ReadElement[K] } = { key };
  if (keyEnd !== undefined) out.keyEnd = keyEnd;
  if (op.verb !== 'del') {
    if (Array.isArray(op.data)) {
      if (!er.has('data')) er.fail('data', 'a map element needs data');
      out.data = encode(er, op.data, er.raw('data'), 'data');
    } else if (op.data === 'verdict') {
      out.verdict = readVerdict(er.nested('verdict'));
    }
    const timeout = er.u32('timeout', 1);
    if (timeout !== undefined) out.timeout = timeout;
    const comment = er.string('comment');
    if (comment !== undefined && Buffer.byteLength(comment) > 128) er.fail('comment', 'must be at most 128 bytes');
    if (comment) out.comment = comment;
  }
  return out;
}

/** Reads op `index` of a batch; throws InvalidOpError for bad input. */
export function readNftOp(raw: unknown, index: number): ReadNftOp {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) invalidOp(index, '', 'op must be an object');
  const r: OpReader = new OpReader(raw as Record<string, unknown>, index);
  const op = r.requiredString('op');
  const kind = op.slice(0, op.indexOf('.'));
  switch (kind) {
    case 'table': {
      const v = verb(r, op, ['add', 'create', 'del', 'flush']);
      const f = family(r);
      const n = name(r, 'name');
      return { kind, op, verb: v, family: f, name: n, object: where(f, n) };
    }
    case 'chain': {
      const v = verb(r, op, ['add', 'create', 'del', 'flush']);
      const f = family(r);
      const table = name(r, 'table');
      const n = name(r, 'name');
      const hook = r.string('hook');
      const out: { -readonly [K in keyof Extract<ReadNftOp, { kind: 'chain' }>]?: unknown } = {
        kind,
        op,
        verb: v,
        family: f,
        table,
        name: n,
        object: where(f, table, n),
      };
      if (hook !== undefined) {
        if (!(HOOKS as readonly string[]).includes(hook))
          r.fail('hook', 'must be prerouting, input, forward, output or postrouting');
        out.hook = hook;
        const type = r.string('type') ?? 'filter';
        if (!['filter', 'nat', 'route'].includes(type)) r.fail('type', 'must be filter, nat or route');
        out.type = type;
        if (r.has('priority')) {
          if (typeof r.raw('priority') !== 'number') r.fail('priority', 'must be a number');
          out.priority = Math.trunc(r.raw('priority') as number);
        } else out.priority = 0;
      } else if (r.has('type') || r.has('priority')) {
        r.fail('hook', 'type and priority belong to a base chain, which needs a hook');
      }
      const policy = r.string('policy');
      if (policy !== undefined) {
        if (policy !== 'accept' && policy !== 'drop') r.fail('policy', 'must be accept or drop');
        if (hook === undefined) r.fail('policy', 'only a base chain has a policy');
        out.policy = policy;
      }
      return out as ReadNftOp;
    }
    case 'rule': {
      const v = verb(r, op, ['add', 'insert', 'del']);
      const f = family(r);
      const table = name(r, 'table');
      const chain = name(r, 'chain');
      let handle: number | undefined;
      if (r.has('handle')) {
        const h = r.raw('handle');
        if (typeof h !== 'number' || h < 1) return r.fail('handle', 'must be a rule handle');
        handle = h;
      }
      const base = { kind, op, verb: v, family: f, table, chain, object: where(f, table, chain) } as const;
      if (v === 'del') {
        if (handle === undefined) return r.fail('handle', 'is required to delete a rule');
        return { ...base, handle, statements: [] };
      }
      const st = r.raw('statements');
      if (!Array.isArray(st)) return r.fail('statements', 'must be an array');
      const statements = st.map((s, i) => {
        if (typeof s !== 'object' || s === null) r.fail('statements', 'each statement is an object');
        return statement(new OpReader(s as Record<string, unknown>, index, `statements.${i}.`));
      });
      const comment = r.string('comment');
      if (comment !== undefined && Buffer.byteLength(comment) > 128) r.fail('comment', 'must be at most 128 bytes');
      return {
        ...base,
        statements,
        ...(handle !== undefined ? { handle } : {}),
        ...(comment ? { comment } : {}),
      };
    }
    case 'set': {
      const v = verb(r, op, ['add', 'create', 'del', 'flush']);
      const f = family(r);
      const table = name(r, 'table');
      const n = name(r, 'name');
      const base = { kind, op, verb: v, family: f, table, name: n, object: where(f, table, n) } as const;
      if (v !== 'add' && v !== 'create') return { ...base, interval: false, timeoutFlag: false, constant: false };
      const key = types(r, 'key');
      let data: NftType[] | 'verdict' | undefined;
      if (typeof r.raw('data') === 'string') {
        if (r.raw('data') !== 'verdict') r.fail('data', 'must be an array of types or "verdict"');
        data = 'verdict';
      } else if (r.has('data')) data = types(r, 'data');
      let interval = false;
      let timeoutFlag = false;
      let constant = false;
      if (r.has('flags')) {
        const flags = r.raw('flags');
        if (!Array.isArray(flags)) return r.fail('flags', 'must be an array');
        flags.forEach((flag, i) => {
          if (flag === 'interval') interval = true;
          else if (flag === 'timeout') timeoutFlag = true;
          else if (flag === 'constant') constant = true;
          else r.fail('flags', `unknown flag at position ${i}`);
        });
      }
      const timeout = r.u32('timeout', 1);
      if (timeout !== undefined) timeoutFlag = true;
      const comment = r.string('comment');
      if (comment !== undefined && Buffer.byteLength(comment) > 128) r.fail('comment', 'must be at most 128 bytes');
      return {
        ...base,
        key,
        ...(data !== undefined ? { data } : {}),
        interval,
        timeoutFlag,
        constant,
        ...(timeout !== undefined ? { timeout } : {}),
      };
    }
    case 'element': {
      const v = verb(r, op, ['add', 'create', 'del']);
      const f = family(r);
      const table = name(r, 'table');
      const set = name(r, 'set');
      const key = types(r, 'key');
      const data: NftType[] | 'verdict' | undefined =
        r.raw('data') === 'verdict' ? 'verdict' : r.has('data') ? types(r, 'data') : undefined;
      const interval = r.boolean('interval') ?? false;
      const els = r.raw('elements');
      if (!Array.isArray(els)) return r.fail('elements', 'must be an array');
      const spec = { verb: v, key, interval, ...(data !== undefined ? { data } : {}) };
      const elements = els.map((e, i) => element(r, e, i, spec));
      return { kind, op, family: f, table, set, object: where(f, table, set), elements, ...spec };
    }
    default:
      r.fail('op', `unknown op "${op}"`);
  }
}
