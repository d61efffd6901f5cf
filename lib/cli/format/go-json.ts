// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * encoding/json's output for template values and for plain objects: struct
 * fields in declaration order with their tags (`omitempty`, renames), map
 * keys sorted, nil slices and maps as `null`, times in RFC 3339 with
 * nanoseconds, and Go's string escapes (`<`, `>`, `&` as `\u003c`… unless
 * HTML escaping is off, as in Docker's `{{json}}`).
 */
import { GoFloat, GoJsonNumber, GoMap, GoSlice, GoStruct, GoTime, type GoValue } from './go-values';

export interface GoJsonOptions {
  /** `<`, `>` and `&` as `\u003c`, `\u003e`, `\u0026` (encoding/json's default). */
  readonly escapeHTML?: boolean;
  /** Indent nested values by this string, as json.MarshalIndent (none: compact). */
  readonly indent?: string;
}

/**
 * A template value as encoding/json encodes it.
 *
 * @example
 * ```ts
 * goJson(stringMap({ b: '2', a: '<1>' })) // '{"a":"\\u003c1\\u003e","b":"2"}'
 * ```
 */
export function goJson(v: GoValue, o: GoJsonOptions = {}): string {
  return encode(toPlain(v), o, '');
}

/**
 * A plain JSON value (objects keep their key order) with Go's escapes and
 * layout: what `docker network inspect` prints is the daemon's JSON
 * indented by four spaces.
 *
 * @example
 * ```ts
 * plainJson([{ Name: 'a&b' }], { escapeHTML: true, indent: '    ' })
 * ```
 */
export function plainJson(value: unknown, o: GoJsonOptions = {}): string {
  return encode(value, o, '');
}

/** A value's JSON form as a plain JS value, keys in encoding order. */
function toPlain(v: GoValue): unknown {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'object') return v;
  if (v instanceof GoFloat) return v.value;
  if (v instanceof GoJsonNumber) return new RawNumber(v.text);
  if (v instanceof GoTime) return v.rfc3339;
  if (v instanceof GoSlice) return v.isNil ? null : v.items.map(toPlain);
  if (v instanceof GoMap) {
    if (v.isNil) return null;
    return new OrderedObject(v.keys().map((k) => [k, toPlain(v.entries.get(k))]));
  }
  if (v instanceof GoStruct) {
    if (v.json) return v.json();
    const entries: [string, unknown][] = [];
    for (const f of v.fields) {
      if (f.json?.skip || (f.json?.omitEmpty && isEmpty(f.value))) continue;
      entries.push([f.json?.name ?? f.name, toPlain(f.value)]);
    }
    return new OrderedObject(entries);
  }
  return null;
}

// encoding/json's "empty" for omitempty: false, 0, "", nil, and empty slices and maps.
function isEmpty(v: GoValue): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return true;
  if (v instanceof GoFloat) return v.value === 0;
  if (v instanceof GoJsonNumber) return v.text === '';
  if (v instanceof GoSlice) return v.items.length === 0;
  if (v instanceof GoMap) return v.entries.size === 0;
  return false;
}

/** Keys in a fixed order, whatever they look like (a JS object would put `"1"` first). */
class OrderedObject {
  constructor(readonly entries: readonly (readonly [string, unknown])[]) {}
}

/** A json.Number: written as its text. */
class RawNumber {
  constructor(readonly text: string) {}
}

function encode(v: unknown, o: GoJsonOptions, prefix: string): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return quote(v, o.escapeHTML ?? true);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (typeof v === 'boolean') return String(v);
  if (v instanceof RawNumber) return v.text || '0';
  const inner = o.indent === undefined ? '' : prefix + o.indent;
  const open = (items: string[], l: string, r: string) => {
    if (items.length === 0) return l + r;
    if (o.indent === undefined) return `${l}${items.join(',')}${r}`;
    return `${l}\n${inner}${items.join(`,\n${inner}`)}\n${prefix}${r}`;
  };
  const colon = o.indent === undefined ? ':' : ': ';
  if (Array.isArray(v))
    return open(
      v.map((item) => encode(item, o, inner)),
      '[',
      ']',
    );
  const entries = v instanceof OrderedObject ? v.entries : Object.entries(v as Record<string, unknown>);
  return open(
    entries.map(([k, item]) => `${quote(k, o.escapeHTML ?? true)}${colon}${encode(item, o, inner)}`),
    '{',
    '}',
  );
}

const NAMED: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

// Go's string escapes: control characters as \u00XX (a few by name), U+2028 and
// U+2029 always, <>& when escaping HTML, a lone surrogate (invalid UTF-8 in Go) as \ufffd.
function quote(s: string, escapeHTML: boolean): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (NAMED[ch]) out += NAMED[ch];
    else if (cp < 0x20 || cp === 0x2028 || cp === 0x2029 || (escapeHTML && (ch === '<' || ch === '>' || ch === '&'))) {
      out += `\\u${cp.toString(16).padStart(4, '0')}`;
    } else if (cp >= 0xd800 && cp <= 0xdfff) out += '\\ufffd';
    else out += ch;
  }
  return `${out}"`;
}
