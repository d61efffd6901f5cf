// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Go's fmt package as templates use it: `print` (Sprint), `println`
 * (Sprintln), `printf` (Sprintf), and the `%v` form every value is printed
 * in. Verbs, flags, widths, precisions and the `%!d(string=x)` complaints
 * follow fmt's documentation; hexadecimal floats (`%x` of a float) are not
 * supported and print as a bad verb.
 */
import {
  compareStrings,
  GoFloat,
  GoJsonNumber,
  GoMap,
  GoSlice,
  GoStruct,
  GoTime,
  type GoValue,
  goKindOf,
  goTypeOf,
} from './go-values';

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width?: number;
  prec?: number;
}

const plain = (): Spec => ({ minus: false, plus: false, sharp: false, space: false, zero: false });

/**
 * fmt.Sprint: operands in their `%v` form, a space between two operands
 * when neither is a string.
 *
 * @example
 * ```ts
 * sprint(['a', 1, 2, 'b']) // 'a1 2b'
 * ```
 */
export function sprint(args: readonly GoValue[]): string {
  let out = '';
  args.forEach((arg, i) => {
    const isString = (v: GoValue) => typeof v === 'string';
    if (i > 0 && !isString(arg) && !isString(args[i - 1])) out += ' ';
    out += formatArg(arg, 'v', plain(), 0);
  });
  return out;
}

/**
 * fmt.Sprintln: operands in their `%v` form, always space-separated, and a newline.
 *
 * @example
 * ```ts
 * sprintln(['a', 1]) // 'a 1\n'
 * ```
 */
export function sprintln(args: readonly GoValue[]): string {
  return `${args.map((a) => formatArg(a, 'v', plain(), 0)).join(' ')}\n`;
}

/**
 * fmt.Sprintf.
 *
 * @example
 * ```ts
 * sprintf('%s-%d', ['web', 3]) // 'web-3'
 * sprintf('%5.1f|%-4s|%q', [new GoFloat(3.14159), 'ab', 'x']) // '  3.1|ab  |"x"'
 * ```
 */
export function sprintf(format: string, args: readonly GoValue[]): string {
  let out = '';
  let argNum = 0;
  let reordered = false;
  let i = 0;
  const chars = [...format];
  // An argument index `[n]` at chars[i], if any: sets argNum.
  const argIndex = (): boolean => {
    if (chars[i] !== '[') return true;
    const close = chars.indexOf(']', i);
    const n = close < 0 ? Number.NaN : Number(chars.slice(i + 1, close).join(''));
    reordered = true;
    if (!Number.isInteger(n) || n < 1 || n > args.length) {
      i = close < 0 ? chars.length : close + 1;
      return false;
    }
    argNum = n - 1;
    i = close + 1;
    return true;
  };
  // A width or precision: digits or `*` (taken from the arguments).
  const number = (): number | undefined => {
    if (chars[i] === '*') {
      i++;
      const v = args[argNum++];
      return typeof v === 'number' ? v : undefined;
    }
    let digits = '';
    while (i < chars.length && /[0-9]/.test(chars[i] as string)) digits += chars[i++];
    return digits ? Number(digits) : undefined;
  };
  while (i < chars.length) {
    const c = chars[i] as string;
    if (c !== '%') {
      out += c;
      i++;
      continue;
    }
    i++;
    const spec = plain();
    for (; i < chars.length; i++) {
      const f = chars[i];
      if (f === '-') spec.minus = true;
      else if (f === '+') spec.plus = true;
      else if (f === '#') spec.sharp = true;
      else if (f === ' ') spec.space = true;
      else if (f === '0') spec.zero = !spec.minus;
      else break;
    }
    let good = argIndex();
    const width = number();
    if (width !== undefined) {
      if (width < 0) {
        spec.minus = true;
        spec.width = -width;
      } else spec.width = width;
    }
    if (chars[i] === '.') {
      i++;
      good = argIndex() && good;
      spec.prec = number() ?? 0;
    }
    good = argIndex() && good;
    if (i >= chars.length) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = chars[i++] as string;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (!good) {
      out += `%!${verb}(BADINDEX)`;
      continue;
    }
    if (argNum >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const arg = args[argNum++];
    if (verb === 'T') out += pad(arg === undefined || arg === null ? '<nil>' : goTypeOf(arg), spec);
    else out += formatArg(arg, verb, spec, 0);
  }
  if (!reordered && argNum < args.length) {
    out += `%!(EXTRA ${args
      .slice(argNum)
      .map((a) => (a === undefined || a === null ? '<nil>' : `${goTypeOf(a)}=${formatArg(a, 'v', plain(), 0)}`))
      .join(', ')})`;
  }
  return out;
}

/**
 * One operand in a verb, as fmt prints it (`%v` is what templates print).
 *
 * @example
 * ```ts
 * formatValue(new GoSlice('string', ['a', 'b'])) // '[a b]'
 * ```
 */
export function formatValue(v: GoValue): string {
  return formatArg(v, 'v', plain(), 0);
}

function formatArg(v: GoValue, verb: string, spec: Spec, depth: number): string {
  if (v === undefined || v === null) {
    // A nil operand: only %v (and %T) print it; inside a container it is always <nil>.
    if (depth > 0 || verb === 'v') return pad('<nil>', spec);
    return badVerb(verb, v);
  }
  // Stringers first, as fmt's handleMethods does for the string verbs.
  const stringer =
    v instanceof GoTime
      ? v.text
      : v instanceof GoStruct && v.text
        ? v.text()
        : v instanceof GoJsonNumber
          ? v.text
          : undefined;
  if (stringer !== undefined && 'vsxXq'.includes(verb)) return formatString(stringer, verb, spec);
  switch (typeof v) {
    case 'boolean':
      return verb === 't' || verb === 'v' ? pad(String(v), spec) : badVerb(verb, v);
    case 'number':
      return formatInt(v, verb, spec) ?? badVerb(verb, v);
    case 'string':
      return 'vsxXq'.includes(verb) ? formatString(v, verb, spec) : badVerb(verb, v);
  }
  if (v instanceof GoFloat) return formatFloat(v.value, verb, spec) ?? badVerb(verb, v);
  if (v instanceof GoSlice) {
    return `[${v.items.map((item) => formatArg(item, verb, spec, depth + 1)).join(' ')}]`;
  }
  if (v instanceof GoMap) {
    const entries = v
      .keys()
      .map((k) => `${formatArg(k, verb, spec, depth + 1)}:${formatArg(v.entries.get(k), verb, spec, depth + 1)}`);
    return `map[${entries.join(' ')}]`;
  }
  if (v instanceof GoStruct) {
    const fields = v.fields.map((f) => `${spec.plus ? `${f.name}:` : ''}${formatArg(f.value, verb, spec, depth + 1)}`);
    return `${depth === 0 && v.type.startsWith('*') ? '&' : ''}{${fields.join(' ')}}`;
  }
  return badVerb(verb, v);
}

function badVerb(verb: string, v: GoValue): string {
  if (v === undefined || v === null) return `%!${verb}(<nil>)`;
  return `%!${verb}(${goTypeOf(v)}=${formatArg(v, 'v', plain(), 0)})`;
}

// Pads to the width in runes: spaces (zeros with the 0 flag) on the left, or on the right with -.
function pad(s: string, spec: Spec): string {
  const n = (spec.width ?? 0) - [...s].length;
  if (n <= 0) return s;
  if (spec.minus) return s + ' '.repeat(n);
  return (spec.zero ? '0' : ' ').repeat(n) + s;
}

function formatString(s: string, verb: string, spec: Spec): string {
  const text = spec.prec === undefined ? s : [...s].slice(0, spec.prec).join('');
  switch (verb) {
    case 'q':
      return pad(spec.sharp && !/[`\p{C}]/u.test(text) ? `\`${text}\`` : goQuote(text, spec.plus), spec);
    case 'x':
    case 'X': {
      const prefix = spec.sharp ? (verb === 'X' ? '0X' : '0x') : '';
      const hex = [...Buffer.from(text)]
        .map((b) => b.toString(16).padStart(2, '0'))
        .map((h) => (verb === 'X' ? h.toUpperCase() : h));
      // With a space flag each byte stands alone (and gets the prefix); without, one prefix for all.
      return pad(spec.space ? hex.map((h) => prefix + h).join(' ') : prefix + hex.join(''), spec);
    }
    default:
      return pad(text, spec);
  }
}

/**
 * strconv.Quote: double quotes, Go escapes, printable runes kept (with
 * `ascii`, everything past ASCII escaped, as `%+q`).
 *
 * @example
 * ```ts
 * goQuote('a"b\n') // '"a\\"b\\n"'
 * ```
 */
export function goQuote(s: string, ascii = false): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    const named: Record<string, string> = {
      '\x07': '\\a',
      '\b': '\\b',
      '\f': '\\f',
      '\n': '\\n',
      '\r': '\\r',
      '\t': '\\t',
      '\v': '\\v',
      '"': '\\"',
      '\\': '\\\\',
    };
    if (named[ch]) out += named[ch];
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp < 0x7f) out += ch;
    else if (ascii || /[\p{C}\p{Z}]/u.test(ch)) {
      if (cp === 0xfffd) out += '\\ufffd';
      else out += cp > 0xffff ? `\\U${cp.toString(16).padStart(8, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return `${out}"`;
}

function formatInt(n: number, verb: string, spec: Spec): string | undefined {
  const negative = n < 0;
  const abs = BigInt(Math.abs(Math.trunc(n)));
  let digits: string;
  let prefix = '';
  switch (verb) {
    case 'v':
    case 'd':
      digits = abs.toString(10);
      break;
    case 'b':
      digits = abs.toString(2);
      if (spec.sharp) prefix = '0b';
      break;
    case 'o':
      digits = abs.toString(8);
      if (spec.sharp) prefix = '0';
      break;
    case 'O':
      digits = abs.toString(8);
      prefix = '0o';
      break;
    case 'x':
      digits = abs.toString(16);
      if (spec.sharp) prefix = '0x';
      break;
    case 'X':
      digits = abs.toString(16).toUpperCase();
      if (spec.sharp) prefix = '0X';
      break;
    case 'c':
      return pad(String.fromCodePoint(n), spec);
    case 'q':
      return pad(`'${goQuote(String.fromCodePoint(n), spec.plus).slice(1, -1).replace("\\'", "'")}'`, spec);
    case 'U': {
      const u = `U+${abs.toString(16).toUpperCase().padStart(4, '0')}`;
      return pad(spec.sharp ? `${u} '${String.fromCodePoint(n)}'` : u, spec);
    }
    default:
      return undefined;
  }
  if (spec.prec !== undefined) digits = spec.prec === 0 && n === 0 ? '' : digits.padStart(spec.prec, '0');
  const sign = negative ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  // Zero padding goes between the sign and the digits; a precision turns it off.
  if (spec.zero && !spec.minus && spec.prec === undefined && spec.width !== undefined) {
    return sign + prefix + digits.padStart(spec.width - sign.length - prefix.length, '0');
  }
  return pad(sign + prefix + digits, { ...spec, zero: false });
}

// The decimal digits and exponent of |f|: shortest when prec is undefined, else prec significant digits.
function decimal(f: number, prec?: number): { digits: string; exp: number } {
  const [mantissa = '0', e = '0'] = Math.abs(f)
    .toExponential(prec === undefined ? undefined : Math.max(prec - 1, 0))
    .split('e');
  return { digits: mantissa.replace('.', ''), exp: Number(e) };
}

function exponentForm(digits: string, exp: number, upper: boolean, keepPoint: boolean): string {
  const mantissa = digits.length > 1 || keepPoint ? `${digits[0]}.${digits.slice(1)}` : digits;
  const e = `${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return `${mantissa}${upper ? 'E' : 'e'}${e}`;
}

function formatFloat(f: number, verb: string, spec: Spec): string | undefined {
  let body: string;
  if (!Number.isFinite(f)) {
    body = Number.isNaN(f) ? 'NaN' : 'Inf';
  } else {
    switch (verb) {
      case 'e':
      case 'E': {
        const d = decimal(f, (spec.prec ?? 6) + 1);
        body = exponentForm(d.digits, d.exp, verb === 'E', spec.sharp);
        break;
      }
      case 'f':
      case 'F':
        body = Math.abs(f).toFixed(spec.prec ?? 6);
        if (spec.sharp && !body.includes('.')) body += '.';
        break;
      case 'v':
      case 'g':
      case 'G': {
        // strconv's %g: shortest digits (or prec significant ones) without trailing zeros;
        // the exponent form when the exponent is below -4 or reaches the precision (6 for shortest).
        const prec = spec.prec === undefined ? undefined : Math.max(spec.prec, 1);
        const d = decimal(f, prec);
        let digits = d.digits.replace(/0+$/, '') || '0';
        const dp = d.exp + 1;
        let eprec = prec ?? 6;
        if (prec !== undefined && eprec > digits.length && digits.length >= dp) eprec = digits.length;
        // %#g keeps the trailing zeros up to the precision.
        if (spec.sharp) digits = digits.padEnd(prec ?? 6, '0');
        if (d.exp < -4 || d.exp >= eprec) {
          body = exponentForm(digits, d.exp, verb === 'G', spec.sharp);
        } else if (dp <= 0) {
          body = `0.${'0'.repeat(-dp)}${digits}`;
        } else {
          const int = digits.slice(0, dp).padEnd(dp, '0');
          const frac = digits.slice(dp);
          body = frac || spec.sharp ? `${int}.${frac}` : int;
        }
        break;
      }
      default:
        return undefined;
    }
  }
  const sign = f < 0 || Object.is(f, -0) ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  if (spec.zero && !spec.minus && spec.width !== undefined && Number.isFinite(f)) {
    return sign + body.padStart(spec.width - sign.length, '0');
  }
  return pad(sign + body, { ...spec, zero: false });
}

/**
 * Whether two Go values are equal as Go's `==` on comparable values (structs field by field).
 *
 * @example
 * ```ts
 * goEqual(new GoJsonNumber('1'), '1') // true: both are string kinds with the same text
 * ```
 */
export function goEqual(a: GoValue, b: GoValue): boolean {
  if (a instanceof GoFloat && b instanceof GoFloat) return a.value === b.value;
  if (a instanceof GoJsonNumber || b instanceof GoJsonNumber) {
    return (
      goKindOf(a) === goKindOf(b) &&
      String(a instanceof GoJsonNumber ? a.text : a) === String(b instanceof GoJsonNumber ? b.text : b)
    );
  }
  if (a instanceof GoTime && b instanceof GoTime) return a.seconds === b.seconds && a.nanos === b.nanos;
  if (a instanceof GoStruct && b instanceof GoStruct) {
    return a.type === b.type && a.fields.every((f, i) => goEqual(f.value, b.fields[i]?.value));
  }
  return a === b || (typeof a === 'string' && typeof b === 'string' && compareStrings(a, b) === 0);
}
