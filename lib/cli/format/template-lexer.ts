// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The tokens of a Go text/template, as Go's lexer cuts them: text between
 * `{{` and `}}`, trim markers (`{{- ` and ` -}}` eat the white space beside
 * them), comments, and inside an action: fields, variables, identifiers,
 * keywords, strings, raw strings, characters, numbers, `|`, `(`, `)`, `:=`,
 * `=` and `,`. A lexing error ends the token list with an `error` token.
 */

export type ItemType =
  | 'error'
  | 'eof'
  | 'text'
  | 'leftDelim'
  | 'rightDelim'
  | 'space'
  | 'bool'
  | 'char'
  | 'charConstant'
  | 'complex'
  | 'assign'
  | 'declare'
  | 'field'
  | 'identifier'
  | 'leftParen'
  | 'rightParen'
  | 'number'
  | 'pipe'
  | 'rawString'
  | 'string'
  | 'variable'
  | 'dot'
  | 'nil'
  // Keywords.
  | 'block'
  | 'break'
  | 'continue'
  | 'define'
  | 'else'
  | 'end'
  | 'if'
  | 'range'
  | 'template'
  | 'with';

export interface Item {
  readonly type: ItemType;
  /** Offset in the template text (UTF-16 units). */
  readonly pos: number;
  readonly val: string;
  /** The line it starts on, from 1. */
  readonly line: number;
}

const KEYWORDS = new Set<ItemType>([
  'block',
  'break',
  'continue',
  'define',
  'else',
  'end',
  'if',
  'range',
  'template',
  'with',
]);

/** Whether an item type is a keyword (`<if>` in messages). @example `isKeyword('range') // true` */
export function isKeyword(t: ItemType): boolean {
  return KEYWORDS.has(t);
}

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlphaNumeric = (c: string | undefined) => c !== undefined && (c === '_' || /^[\p{L}\p{Nd}]$/u.test(c));
const hasLeftTrimMarker = (s: string, at: number) => s[at] === '-' && isSpace(s[at + 1]);
const hasRightTrimMarker = (s: string, at: number) => isSpace(s[at]) && s[at + 1] === '-';

/**
 * Cuts a template into items.
 *
 * @example
 * ```ts
 * lex('a {{- .Name}}').map((i) => i.type) // ['text', 'leftDelim', 'field', 'rightDelim', 'eof']
 * ```
 */
export function lex(input: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  let start = 0;
  let line = 1;
  let startLine = 1;
  let parenDepth = 0;

  const emit = (type: ItemType, val = input.slice(start, pos)) => {
    items.push({ type, pos: start, val, line: startLine });
    start = pos;
    startLine = line;
  };
  const ignore = () => {
    line += count(input.slice(start, pos), '\n');
    start = pos;
    startLine = line;
  };
  const next = (): string | undefined => {
    if (pos >= input.length) {
      pos++;
      return undefined;
    }
    const c = input[pos++] as string;
    if (c === '\n') line++;
    return c;
  };
  const backup = () => {
    pos--;
    if (input[pos] === '\n') line--;
  };
  const peek = () => input[pos];
  const atRightDelim = (): { delim: boolean; trim: boolean } => {
    if (hasRightTrimMarker(input, pos) && input.startsWith('}}', pos + 2)) return { delim: true, trim: true };
    return { delim: input.startsWith('}}', pos), trim: false };
  };
  const atTerminator = () => {
    const c = peek();
    return isSpace(c) || c === undefined || '.,|:)('.includes(c) || input.startsWith('}}', pos);
  };
  // Up to the closing quote, past backslash escapes; false at a newline or the end first.
  const scanQuoted = (quote: string): boolean => {
    for (;;) {
      const q = next();
      if (q === '\\') {
        const e = next();
        if (e !== undefined && e !== '\n') continue;
        return false;
      }
      if (q === undefined || q === '\n') return false;
      if (q === quote) return true;
    }
  };
  const fail = (message: string): Item[] => {
    items.push({ type: 'error', pos: start, val: message, line: startLine });
    return items;
  };

  // Text, then an action, until the end.
  for (;;) {
    const at = input.indexOf('{{', pos);
    if (at < 0) {
      pos = input.length;
      if (pos > start) {
        line += count(input.slice(start, pos), '\n');
        emit('text');
      }
      items.push({ type: 'eof', pos, val: '', line });
      return items;
    }
    if (at > pos || at > start) {
      pos = at;
      let trimmed = 0;
      if (hasLeftTrimMarker(input, at + 2)) trimmed = trailingSpace(input.slice(start, pos));
      const text = input.slice(start, pos - trimmed);
      const textLine = startLine;
      line += count(input.slice(start, pos), '\n');
      if (text.length > 0) items.push({ type: 'text', pos: start, val: text, line: textLine });
      start = pos;
      startLine = line;
    }
    // The left delimiter, perhaps with a trim marker; perhaps a comment.
    pos += 2;
    const trim = hasLeftTrimMarker(input, pos);
    const afterMarker = trim ? 2 : 0;
    if (input.startsWith('/*', pos + afterMarker)) {
      pos += afterMarker;
      ignore();
      pos += 2;
      const end = input.indexOf('*/', pos);
      if (end < 0) return fail('unclosed comment');
      pos = end + 2;
      const d = atRightDelim();
      if (!d.delim) return fail('comment ends before closing delimiter');
      if (d.trim) pos += 2;
      pos += 2;
      if (d.trim) pos += input.length - pos - input.slice(pos).replace(/^[ \t\r\n]+/, '').length;
      ignore();
      continue;
    }
    emit('leftDelim');
    pos += afterMarker;
    ignore();
    parenDepth = 0;
    // Inside the action.
    for (;;) {
      const d = atRightDelim();
      if (d.delim) {
        if (parenDepth !== 0) return fail('unclosed left paren');
        if (d.trim) {
          pos += 2;
          ignore();
        }
        pos += 2;
        emit('rightDelim');
        if (d.trim) {
          pos += input.length - pos - input.slice(pos).replace(/^[ \t\r\n]+/, '').length;
          ignore();
        }
        break;
      }
      const c = next();
      if (c === undefined) return fail('unclosed action');
      if (isSpace(c)) {
        let n = 1;
        while (isSpace(peek())) {
          next();
          n++;
        }
        // A space that belongs to a ` -}}` is not a separator.
        if (hasRightTrimMarker(input, pos - 1) && input.startsWith('}}', pos + 1)) {
          backup();
          if (n === 1) continue;
        }
        emit('space');
      } else if (c === '=') emit('assign');
      else if (c === ':') {
        if (next() !== '=') return fail('expected :=');
        emit('declare');
      } else if (c === '|') emit('pipe');
      else if (c === '"') {
        if (!scanQuoted('"')) return fail('unterminated quoted string');
        emit('string');
      } else if (c === '`') {
        for (;;) {
          const q = next();
          if (q === undefined) return fail('unterminated raw quoted string');
          if (q === '`') break;
        }
        emit('rawString');
      } else if (c === '$' || (c === '.' && !/[0-9]/.test(peek() ?? ''))) {
        // $ alone is the variable "$"; . alone is dot.
        if (atTerminator()) {
          emit(c === '$' ? 'variable' : 'dot');
          continue;
        }
        let r: string | undefined;
        for (;;) {
          r = next();
          if (!isAlphaNumeric(r)) {
            backup();
            break;
          }
        }
        if (!atTerminator()) return fail(`bad character ${goRune(r)}`);
        emit(c === '$' ? 'variable' : 'field');
      } else if (c === "'") {
        if (!scanQuoted("'")) return fail('unterminated character constant');
        emit('charConstant');
      } else if (c === '.' || c === '+' || c === '-' || /[0-9]/.test(c)) {
        backup();
        if (!scanNumber()) return fail(`bad number syntax: ${JSON.stringify(input.slice(start, pos))}`);
        if (peek() === '+' || peek() === '-') {
          if (!scanNumber() || input[pos - 1] !== 'i') {
            return fail(`bad number syntax: ${JSON.stringify(input.slice(start, pos))}`);
          }
          emit('complex');
        } else emit('number');
      } else if (isAlphaNumeric(c)) {
        let r: string | undefined;
        for (;;) {
          r = next();
          if (!isAlphaNumeric(r)) {
            backup();
            break;
          }
        }
        const word = input.slice(start, pos);
        if (!atTerminator()) return fail(`bad character ${goRune(r)}`);
        if (KEYWORDS.has(word as ItemType)) emit(word as ItemType);
        else if (word === 'nil') emit('nil');
        else if (word === 'true' || word === 'false') emit('bool');
        else emit('identifier');
      } else if (c === '(') {
        parenDepth++;
        emit('leftParen');
      } else if (c === ')') {
        // Go 1.19 leaves an unmatched one to the parser ("unexpected \")\" in command").
        parenDepth--;
        emit('rightParen');
      } else if (c.charCodeAt(0) < 0x7f && c.charCodeAt(0) >= 0x20) emit('char');
      else {
        const cp = input.codePointAt(pos - 1) as number;
        return fail(`unrecognized character in action: ${goRune(String.fromCodePoint(cp))}`);
      }
    }
  }

  // Go's number scanner: sign, base prefix, digits with underscores, fraction, exponent, `i`.
  function scanNumber(): boolean {
    const accept = (valid: string) => {
      const c = peek();
      if (c !== undefined && valid.includes(c)) {
        pos++;
        return true;
      }
      return false;
    };
    const acceptRun = (valid: string) => {
      while (accept(valid));
    };
    accept('+-');
    let digits = '0123456789_';
    if (accept('0')) {
      if (accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (accept('oO')) digits = '01234567_';
      else if (accept('bB')) digits = '01_';
    }
    acceptRun(digits);
    if (accept('.')) acceptRun(digits);
    if (digits.length === 11 && accept('eE')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    if (digits.length === 23 && accept('pP')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    accept('i');
    if (isAlphaNumeric(peek())) {
      pos++;
      return false;
    }
    return true;
  }
}

function count(s: string, ch: string): number {
  return s.split(ch).length - 1;
}

function trailingSpace(s: string): number {
  return s.length - s.replace(/[ \t\r\n]+$/, '').length;
}

/** Go's `%#U` of a rune: `U+0021 '!'`. @example `goRune('!') // "U+0021 '!'"` */
export function goRune(ch: string | undefined): string {
  if (ch === undefined) return 'U+FFFFFFFFFFFFFFFF';
  const cp = ch.codePointAt(0) as number;
  const u = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  return /[\p{L}\p{N}\p{P}\p{S}\p{Zs}]/u.test(ch) ? `${u} '${ch}'` : u;
}
