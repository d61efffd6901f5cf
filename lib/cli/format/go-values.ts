// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The values a Go template walks, modelled on what Docker hands its
 * templates: Go structs (fields in declaration order, some with methods),
 * maps (iterated in key order, a missing key is "no value"), slices, strings,
 * ints, floats, bools, `time.Time`, `json.Number` and nil. Each value knows
 * its Go type, because Go's template errors and `printf "%T"` name it and
 * because a function's parameter types decide what it accepts.
 */

/**
 * A value in a template. `undefined` is Go's invalid value (a missing map
 * key, printed `<no value>`); `null` is nil; a JS number is an `int`.
 */
export type GoValue =
  | undefined
  | null
  | string
  | number
  | boolean
  | GoFloat
  | GoJsonNumber
  | GoTime
  | GoSlice
  | GoMap
  | GoStruct;

/** A `float64` (a JS number alone is an `int`). @example `new GoFloat(1.5)` */
export class GoFloat {
  constructor(readonly value: number) {}
}

/** encoding/json's `json.Number`: a string kind that prints as its text. @example `new GoJsonNumber('42')` */
export class GoJsonNumber {
  constructor(readonly text: string) {}
}

/**
 * A `time.Time` in UTC, nanoseconds kept: prints as Go's `String()`,
 * encodes in JSON as RFC 3339 with nanoseconds. Built by `go-time.ts`.
 */
export class GoTime {
  constructor(
    /** Seconds since the epoch. */
    readonly seconds: number,
    /** 0–999999999. */
    readonly nanos: number,
    /** `String()`: `2024-05-01 10:11:12.123456789 +0000 UTC`. */
    readonly text: string,
    /** `MarshalJSON`: `2024-05-01T10:11:12.123456789Z`. */
    readonly rfc3339: string,
  ) {}
}

/** A slice with its element type (`[]string`, `[]interface {}`, `[]network.IPAMConfig`). */
export class GoSlice {
  constructor(
    readonly elemType: string,
    readonly items: readonly GoValue[],
    /** A nil slice: prints `[]`, encodes as JSON `null`. */
    readonly isNil = false,
  ) {}

  get type(): string {
    return `[]${this.elemType}`;
  }
}

/** A method a template may call: `{{.Label "key"}}`. */
export interface GoMethod {
  /** Go parameter types, checked as Go checks them (`string`, `int`, `interface {}`). */
  readonly params: readonly string[];
  readonly fn: (...args: GoValue[]) => GoValue;
}

/** A map with string keys; `zero` is what `index` gives for a missing key (Go's zero value of the element type). */
export class GoMap {
  constructor(
    readonly type: string,
    readonly elemType: string,
    readonly entries: ReadonlyMap<string, GoValue>,
    readonly zero: GoValue,
    readonly methods: Readonly<Record<string, GoMethod>> = {},
    /** A nil map: prints `map[]`, encodes as JSON `null`. */
    readonly isNil = false,
  ) {}

  /** The keys in Go's order (sorted by bytes). */
  keys(): string[] {
    return [...this.entries.keys()].sort(compareStrings);
  }
}

/** How a struct field is encoded by encoding/json. */
export interface GoJsonTag {
  /** The key, when not the field's name (`json:"Id"`). */
  readonly name?: string;
  readonly omitEmpty?: boolean;
  /** `json:"-"`. */
  readonly skip?: boolean;
}

export interface GoField {
  readonly name: string;
  readonly value: GoValue;
  /** The field's Go type, for errors and `%T` (its value's type by default). */
  readonly type?: string;
  readonly json?: GoJsonTag;
}

/**
 * A struct (or a pointer to one: `type` then starts with `*`). Methods come
 * before fields, as Go looks them up; `json` replaces the encoding (a
 * `MarshalJSON` method); `text` replaces its printed form (a `String` method).
 */
export class GoStruct {
  constructor(
    readonly type: string,
    readonly fields: readonly GoField[],
    readonly methods: Readonly<Record<string, GoMethod>> = {},
    readonly json?: () => unknown,
    readonly text?: () => string,
  ) {}

  field(name: string): GoField | undefined {
    return this.fields.find((f) => f.name === name);
  }
}

/**
 * The Go type of a value, as `%T` prints it.
 *
 * @example
 * ```ts
 * goTypeOf(new GoSlice('string', ['a'])) // '[]string'
 * ```
 */
export function goTypeOf(v: GoValue): string {
  if (v === undefined) return '<invalid reflect.Value>';
  if (v === null) return '<nil>';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return 'int';
    case 'boolean':
      return 'bool';
  }
  if (v instanceof GoFloat) return 'float64';
  if (v instanceof GoJsonNumber) return 'json.Number';
  if (v instanceof GoTime) return 'time.Time';
  return v.type;
}

/** Go's kinds, as far as templates tell them apart. */
export type GoKind = 'invalid' | 'nil' | 'string' | 'int' | 'float' | 'bool' | 'slice' | 'map' | 'struct';

/** @example `goKindOf(new GoJsonNumber('1')) // 'string'` */
export function goKindOf(v: GoValue): GoKind {
  if (v === undefined) return 'invalid';
  if (v === null) return 'nil';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return 'int';
    case 'boolean':
      return 'bool';
  }
  if (v instanceof GoFloat) return 'float';
  if (v instanceof GoJsonNumber) return 'string';
  if (v instanceof GoSlice) return 'slice';
  if (v instanceof GoMap) return 'map';
  return 'struct';
}

/** The text of a string-kinded value (a string or a json.Number). @example `stringOf('a') // 'a'` */
export function stringOf(v: GoValue): string {
  return v instanceof GoJsonNumber ? v.text : String(v);
}

/**
 * Go's truth for `if`, `with`, `and`, `or`, `not`: false, 0, nil and empty
 * strings, slices and maps are false; structs are always true.
 *
 * @example
 * ```ts
 * isTrue(new GoSlice('string', [])) // false
 * ```
 */
export function isTrue(v: GoValue): boolean {
  if (v === undefined || v === null) return false;
  switch (typeof v) {
    case 'string':
      return v.length > 0;
    case 'number':
      return v !== 0;
    case 'boolean':
      return v;
  }
  if (v instanceof GoFloat) return v.value !== 0;
  if (v instanceof GoJsonNumber) return v.text.length > 0;
  if (v instanceof GoSlice) return v.items.length > 0;
  if (v instanceof GoMap) return v.entries.size > 0;
  return true;
}

/** Go compares strings by their UTF-8 bytes. @example `compareStrings('a', 'b') // -1` */
export function compareStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** The length of a Go string: its UTF-8 bytes. @example `byteLength('é') // 2` */
export function byteLength(s: string): number {
  return Buffer.byteLength(s);
}

/**
 * A `map[string]string`, the type of Docker's options and labels.
 *
 * @example
 * ```ts
 * stringMap({ tier: 'back' }).entries.get('tier') // 'back'
 * ```
 */
export function stringMap(record: Readonly<Record<string, string>> | undefined, type = 'map[string]string'): GoMap {
  return new GoMap(type, 'string', new Map(Object.entries(record ?? {})), '', {}, record === undefined);
}

/**
 * A decoded JSON value as Go's `json.Decoder` with `UseNumber` gives it:
 * objects are `map[string]interface {}`, arrays `[]interface {}`, numbers
 * `json.Number`. What `docker inspect -f` falls back to when a template
 * does not fit the typed object.
 *
 * @example
 * ```ts
 * fromJson({ Id: 'abc' }) // a GoMap whose entry Id is 'abc'
 * ```
 */
export function fromJson(value: unknown): GoValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return new GoJsonNumber(String(value));
  if (Array.isArray(value)) return new GoSlice('interface {}', value.map(fromJson));
  const entries = new Map<string, GoValue>();
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) entries.set(k, fromJson(v));
  return new GoMap('map[string]interface {}', 'interface {}', entries, null);
}
