// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The functions a template can call: Go's builtins (`len`, `index`,
 * `slice`, `print`, `printf`, `println`, `html`, `js`, `urlquery`, the
 * comparisons; `and`, `or` and `not` live in the executor, which evaluates
 * them lazily) and Docker's (`json`, `split`, `join`, `title`, `lower`,
 * `upper`, `pad`, `truncate`), with Go's parameter types: a function given
 * a value of the wrong type fails as Go's does.
 */
import { goEqual, sprint, sprintf, sprintln } from './go-fmt';
import { goJson } from './go-json';
import {
  byteLength,
  compareStrings,
  type GoFloat,
  GoJsonNumber,
  GoMap,
  GoSlice,
  GoStruct,
  GoTime,
  type GoValue,
  goKindOf,
  goTypeOf,
  stringOf,
} from './go-values';

/**
 * A function's Go signature and body. Parameter types: `string`, `int`,
 * `[]string`, `interface {}` (anything), `reflect.Value` (anything, as
 * Go's builtins take it). The body throws an `Error` for Go's error result.
 */
export interface GoFunction {
  readonly params: readonly string[];
  /** The element type of a final `...` parameter. */
  readonly variadic?: string;
  readonly fn: (...args: GoValue[]) => GoValue;
}

export type FuncMap = Readonly<Record<string, GoFunction>>;

const fn = (params: string[], body: (...args: GoValue[]) => GoValue, variadic?: string): GoFunction =>
  variadic ? { params, fn: body, variadic } : { params, fn: body };

const str = (v: GoValue) => stringOf(v);

/** Go's builtin functions (without `and`, `or`, `not` and `call`, which the executor handles). */
export const BUILTINS: FuncMap = {
  len: fn(['reflect.Value'], (v) => {
    if (typeof v === 'string') return byteLength(v);
    if (v instanceof GoJsonNumber) return byteLength(v.text);
    if (v instanceof GoSlice) return v.items.length;
    if (v instanceof GoMap) return v.entries.size;
    // Go 1.19 fails this way on no value (a missing map key).
    if (v === undefined) throw new Error('reflect: call of reflect.Value.Type on zero Value');
    if (v === null) throw new Error('len of nil pointer');
    throw new Error(`len of type ${goTypeOf(v)}`);
  }),
  index: fn(['reflect.Value'], (item, ...indexes) => index(item, indexes), 'reflect.Value'),
  slice: fn(['reflect.Value'], (item, ...indexes) => slice(item, indexes), 'reflect.Value'),
  print: fn([], (...args) => sprint(args), 'interface {}'),
  println: fn([], (...args) => sprintln(args), 'interface {}'),
  printf: fn(['string'], (format, ...args) => sprintf(str(format), args), 'interface {}'),
  html: fn([], (...args) => htmlEscape(evalArgs(args)), 'interface {}'),
  js: fn([], (...args) => jsEscape(evalArgs(args)), 'interface {}'),
  urlquery: fn(
    [],
    (...args) =>
      encodeURIComponent(evalArgs(args))
        .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
        .replaceAll('%20', '+'),
    'interface {}',
  ),
  eq: fn(['reflect.Value'], (a, ...rest) => eq(a, rest), 'reflect.Value'),
  ne: fn(['reflect.Value', 'reflect.Value'], (a, b) => !eq(a, [b])),
  lt: fn(['reflect.Value', 'reflect.Value'], (a, b) => less(a, b)),
  le: fn(['reflect.Value', 'reflect.Value'], (a, b) => less(a, b) || eq(a, [b])),
  gt: fn(['reflect.Value', 'reflect.Value'], (a, b) => !(less(a, b) || eq(a, [b]))),
  ge: fn(['reflect.Value', 'reflect.Value'], (a, b) => !less(a, b)),
};

/** The functions Docker adds to every template (docker/cli's templates package). */
export const DOCKER_FUNCTIONS: FuncMap = {
  // encoding/json with HTML escaping off, the trailing newline trimmed.
  json: fn(['interface {}'], (v) => goJson(v, { escapeHTML: false }).trim()),
  split: fn(['string', 'string'], (s, sep) => new GoSlice('string', splitGo(str(s), str(sep)))),
  join: fn(['[]string', 'string'], (list, sep) =>
    list instanceof GoSlice ? list.items.map((i) => str(i)).join(str(sep)) : '',
  ),
  title: fn(['string'], (s) => title(str(s))),
  lower: fn(['string'], (s) => str(s).toLowerCase()),
  upper: fn(['string'], (s) => str(s).toUpperCase()),
  pad: fn(['string', 'int', 'int'], (s, prefix, suffix) =>
    str(s) === '' ? '' : ' '.repeat(Number(prefix)) + str(s) + ' '.repeat(Number(suffix)),
  ),
  truncate: fn(['string', 'int'], (s, n) => {
    const bytes = Buffer.from(str(s));
    return bytes.length < Number(n) ? str(s) : bytes.subarray(0, Number(n)).toString('utf8');
  }),
};

/**
 * What Docker uses for a table's header line: the same names, each
 * returning its (string) argument unchanged, so `{{upper .Name}}` heads its
 * column `NAME`.
 */
export const DOCKER_HEADER_FUNCTIONS: FuncMap = {
  json: fn(['string'], (v) => v),
  split: fn(['string', 'string'], (v) => v),
  join: fn(['string', 'string'], (v) => v),
  title: fn(['string'], (v) => v),
  lower: fn(['string'], (v) => v),
  upper: fn(['string'], (v) => v),
  truncate: fn(['string', 'int'], (v) => v),
};

// strings.Split: an empty separator splits into UTF-8 sequences (here: code points).
function splitGo(s: string, sep: string): string[] {
  return sep === '' ? [...s] : s.split(sep);
}

// strings.Title: the first letter of each word in upper case; a word starts after a separator.
function title(s: string): string {
  let prev = ' ';
  let out = '';
  for (const ch of s) {
    out += isSeparator(prev) ? ch.toUpperCase() : ch;
    prev = ch;
  }
  return out;
}

function isSeparator(ch: string): boolean {
  const cp = ch.codePointAt(0) as number;
  if (cp <= 0x7f) return !/[0-9A-Za-z_]/.test(ch);
  if (/[\p{L}\p{Nd}]/u.test(ch)) return false;
  return /\s/u.test(ch);
}

// html, js, urlquery take any values: one string as is, otherwise fmt.Sprint of them all.
function evalArgs(args: GoValue[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args);
}

function htmlEscape(s: string): string {
  const map: Record<string, string> = {
    '<': '&lt;',
    '>': '&gt;',
    '&': '&amp;',
    "'": '&#39;',
    '"': '&#34;',
    '\0': '\uFFFD',
  };
  return s.replace(/[<>&'"\0]/g, (c) => map[c] as string);
}

function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '"') out += '\\"';
    else if (ch === '<') out += '\\u003C';
    else if (ch === '>') out += '\\u003E';
    else if (ch === '&') out += '\\u0026';
    else if (ch === '=') out += '\\u003D';
    else if (cp < 0x20 || (cp >= 0x7f && /\p{C}/u.test(ch)))
      out += `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}

function intIndex(i: GoValue, cap: number): number {
  if (i === undefined || i === null) throw new Error('cannot index slice/array with nil');
  if (typeof i !== 'number') throw new Error(`cannot index slice/array with type ${goTypeOf(i)}`);
  if (i < 0 || i > cap) throw new Error(`index out of range: ${i}`);
  return i;
}

function index(item: GoValue, indexes: GoValue[]): GoValue {
  if (item === undefined || item === null) throw new Error('index of untyped nil');
  let v: GoValue = item;
  for (const i of indexes) {
    if (v === null) throw new Error('index of nil pointer');
    if (typeof v === 'string' || v instanceof GoJsonNumber) {
      const bytes = Buffer.from(stringOf(v));
      const x = intIndex(i, bytes.length);
      if (x === bytes.length) throw new Error('reflect: string index out of range');
      v = bytes[x] as number;
    } else if (v instanceof GoSlice) {
      const x = intIndex(i, v.items.length);
      if (x === v.items.length) throw new Error('reflect: slice index out of range');
      v = v.items[x];
    } else if (v instanceof GoMap) {
      if (i === undefined || i === null) throw new Error('value is nil; should be of type string');
      if (goTypeOf(i) !== 'string') throw new Error(`value has type ${goTypeOf(i)}; should be string`);
      v = v.entries.has(i as string) ? v.entries.get(i as string) : v.zero;
    } else {
      throw new Error(`can't index item of type ${goTypeOf(v)}`);
    }
  }
  return v;
}

function slice(item: GoValue, indexes: GoValue[]): GoValue {
  if (item === undefined || item === null) throw new Error('slice of untyped nil');
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  let len: number;
  if (typeof item === 'string') {
    if (indexes.length === 3) throw new Error('cannot 3-index slice a string');
    len = byteLength(item);
  } else if (item instanceof GoSlice) len = item.items.length;
  else throw new Error(`can't slice item of type ${goTypeOf(item)}`);
  const idx = [0, len];
  indexes.forEach((i, k) => {
    idx[k] = intIndex(i, len);
  });
  // given low <= high (<= max for three indexes)
  if ((idx[0] as number) > (idx[1] as number)) throw new Error(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (indexes.length === 3 && (idx[1] as number) > (idx[2] as number)) {
    throw new Error(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  }
  if (typeof item === 'string') return Buffer.from(item).subarray(idx[0], idx[1]).toString('utf8');
  return new GoSlice((item as GoSlice).elemType, (item as GoSlice).items.slice(idx[0], idx[1]));
}

type BasicKind = 'bool' | 'int' | 'float' | 'string' | 'invalid';

function basicKind(v: GoValue): BasicKind {
  const k = goKindOf(v);
  return k === 'bool' || k === 'int' || k === 'float' || k === 'string' ? k : 'invalid';
}

function comparable(v: GoValue): boolean {
  return !(v instanceof GoSlice || v instanceof GoMap);
}

// Go's eq: arg1 equals any of the others; basic kinds must match, nils compare equal.
function eq(a: GoValue, others: GoValue[]): boolean {
  const present = (v: GoValue) => v !== undefined && v !== null;
  if (others.length === 0) throw new Error('missing argument for comparison');
  const k1 = basicKind(a);
  for (const b of others) {
    const k2 = basicKind(b);
    if (k1 !== k2) {
      if (present(a) && present(b)) throw new Error('incompatible types for comparison');
      continue;
    }
    if (k1 === 'invalid') {
      if (!present(a) || !present(b)) {
        if (present(a) === present(b)) return true;
        continue;
      }
      if (!comparable(a) || !comparable(b)) {
        const bad = comparable(a) ? b : a;
        throw new Error(`non-comparable type ${sprint([bad])}: ${goTypeOf(bad)}`);
      }
      if (a instanceof GoStruct || a instanceof GoTime ? goEqual(a, b) : a === b) return true;
      continue;
    }
    if (k1 === 'float' ? (a as GoFloat).value === (b as GoFloat).value : goEqual(a, b)) return true;
  }
  return false;
}

function less(a: GoValue, b: GoValue): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === 'invalid' || k2 === 'invalid') throw new Error('invalid type for comparison');
  if (k1 !== k2) throw new Error('incompatible types for comparison');
  switch (k1) {
    case 'bool':
      throw new Error('invalid type for comparison');
    case 'int':
      return (a as number) < (b as number);
    case 'float':
      return (a as GoFloat).value < (b as GoFloat).value;
    default:
      return compareStrings(stringOf(a), stringOf(b)) < 0;
  }
}
