// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Go's text/template parser: actions, pipelines, `if`/`else if`/`with`/
 * `else with`/`range`/`break`/`continue`, variables (declared where they are
 * visible), `define`, `template` and `block`. Errors read as Go's
 * (`template: :1: function "foo" not defined`).
 */
import { goQuote } from './go-fmt';
import { type Item, type ItemType, isKeyword, lex } from './template-lexer';
import type {
  CommandNode,
  IfNode,
  ListNode,
  Node,
  NumberNode,
  Operand,
  PipeNode,
  RangeNode,
  TemplateNode,
  WithNode,
} from './template-nodes';

/** A template's parse or execution failure, worded as Go's. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

/** The trees of one template text: the main one (named as the template) and those it defines. */
export type TreeSet = Map<string, ListNode>;

// Sentinel nodes for {{end}} and {{else}}, which end a list.
interface EndNode {
  readonly kind: 'end';
  readonly pos: number;
}
interface ElseNode {
  readonly kind: 'else';
  readonly pos: number;
}

/**
 * Parses a template. `hasFunction` tells which identifiers are functions
 * (Go refuses an unknown one at parse time).
 *
 * @example
 * ```ts
 * const trees = parseTemplate('', '{{range .}}{{.Name}}{{end}}', (f) => f === 'json')
 * ```
 */
export function parseTemplate(name: string, text: string, hasFunction: (name: string) => boolean): TreeSet {
  return new Parser(name, text, hasFunction).parse();
}

class Parser {
  private readonly items: Item[];
  private i = 0;
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  private readonly trees: TreeSet = new Map();

  constructor(
    private readonly name: string,
    text: string,
    private readonly hasFunction: (name: string) => boolean,
  ) {
    this.items = lex(text);
  }

  parse(): TreeSet {
    const root: ListNode = { kind: 'list', pos: this.peek().pos, nodes: [] };
    while (this.peek().type !== 'eof') {
      if (this.peek().type === 'leftDelim') {
        const at = this.i;
        this.next();
        if (this.nextNonSpace().type === 'define') {
          this.definition();
          continue;
        }
        this.i = at;
      }
      const n = this.textOrAction();
      if (n.kind === 'end' || n.kind === 'else') this.errorf(`unexpected {{${n.kind}}}`);
      root.nodes.push(n as Node);
    }
    // A {{define}} of the template's own name with content wins only over an empty main text.
    const own = this.trees.get(this.name);
    if (!own || root.nodes.some((n) => n.kind !== 'text' || n.text.trim() !== '')) this.trees.set(this.name, root);
    return this.trees;
  }

  // {{define "name"}} ... {{end}}
  private definition(): void {
    const token = this.nextNonSpace();
    const name = this.templateName(token, 'define clause');
    this.expect('rightDelim', 'define clause');
    const saved = this.vars;
    this.vars = ['$'];
    const [list, end] = this.itemList();
    if (end.kind !== 'end') this.errorf(`unexpected {{${end.kind}}} in define clause`);
    this.vars = saved;
    const existing = this.trees.get(name);
    if (existing && existing.nodes.length > 0 && list.nodes.length > 0) {
      this.errorf(`template: multiple definition of template "${name}"`);
    }
    this.trees.set(name, list);
  }

  // --- tokens ---

  private next(): Item {
    const item = this.items[this.i] ?? (this.items[this.items.length - 1] as Item);
    if (this.i < this.items.length) this.i++;
    return item;
  }
  private peek(): Item {
    return this.items[this.i] ?? (this.items[this.items.length - 1] as Item);
  }
  private nextNonSpace(): Item {
    let t = this.next();
    while (t.type === 'space') t = this.next();
    return t;
  }
  private peekNonSpace(): Item {
    const t = this.nextNonSpace();
    this.i--;
    return t;
  }
  private expect(type: ItemType, context: string): Item {
    const t = this.nextNonSpace();
    if (t.type !== type) this.unexpected(t, context);
    return t;
  }

  private errorf(message: string): never {
    const line = this.items[Math.max(this.i - 1, 0)]?.line ?? 1;
    throw new TemplateError(`template: ${this.name}:${line}: ${message}`);
  }
  private unexpected(t: Item, context: string): never {
    if (t.type === 'error') this.errorf(t.val);
    this.errorf(`unexpected ${itemString(t)} in ${context}`);
  }

  // --- structure ---

  private itemList(): [ListNode, EndNode | ElseNode] {
    const list: ListNode = { kind: 'list', pos: this.peekNonSpace().pos, nodes: [] };
    while (this.peekNonSpace().type !== 'eof') {
      const n = this.textOrAction();
      if (n.kind === 'end' || n.kind === 'else') return [list, n];
      list.nodes.push(n);
    }
    this.errorf('unexpected EOF');
  }

  private textOrAction(): Node | EndNode | ElseNode {
    const t = this.nextNonSpace();
    if (t.type === 'text') return { kind: 'text', pos: t.pos, text: t.val };
    if (t.type === 'leftDelim') return this.action();
    this.unexpected(t, 'input');
  }

  private action(): Node | EndNode | ElseNode {
    const t = this.nextNonSpace();
    switch (t.type) {
      case 'block':
        return this.blockControl();
      case 'break':
      case 'continue': {
        const close = this.nextNonSpace();
        if (close.type !== 'rightDelim') this.unexpected(close, `{{${t.type}}}`);
        if (this.rangeDepth === 0) this.errorf(`{{${t.type}}} outside {{range}}`);
        return { kind: t.type, pos: t.pos };
      }
      case 'else': {
        const peek = this.peekNonSpace();
        // {{else if …}} and {{else with …}} leave the if/with pending.
        if (peek.type === 'if' || peek.type === 'with') return { kind: 'else', pos: peek.pos };
        return { kind: 'else', pos: this.expect('rightDelim', 'else').pos };
      }
      case 'end':
        return { kind: 'end', pos: this.expect('rightDelim', 'end').pos };
      case 'if':
        return this.control('if');
      case 'range':
        return this.control('range');
      case 'with':
        return this.control('with');
      case 'template':
        return this.templateControl();
    }
    this.i--;
    const at = this.peek();
    return { kind: 'action', pos: at.pos, pipe: this.pipeline('command', 'rightDelim') };
  }

  private control(kind: 'if' | 'range' | 'with'): IfNode | RangeNode | WithNode {
    const mark = this.vars.length;
    try {
      const pipe = this.pipeline(kind, 'rightDelim');
      if (kind === 'range') this.rangeDepth++;
      const [list, next] = this.itemList();
      if (kind === 'range') this.rangeDepth--;
      let elseList: ListNode | undefined;
      if (next.kind === 'else') {
        const peek = this.peek();
        if ((kind === 'if' && peek.type === 'if') || (kind === 'with' && peek.type === 'with')) {
          this.next();
          elseList = { kind: 'list', pos: next.pos, nodes: [this.control(kind)] };
        } else {
          const [rest, end] = this.itemList();
          if (end.kind !== 'end') this.errorf(`expected end; found {{${end.kind}}}`);
          elseList = rest;
        }
      }
      return { kind, pos: pipe.pos, pipe, list, ...(elseList ? { elseList } : {}) } as IfNode | RangeNode | WithNode;
    } finally {
      this.vars.length = mark;
    }
  }

  private templateControl(): TemplateNode {
    const token = this.nextNonSpace();
    const name = this.templateName(token, 'template clause');
    let pipe: PipeNode | undefined;
    if (this.nextNonSpace().type !== 'rightDelim') {
      this.i--;
      pipe = this.pipeline('template clause', 'rightDelim');
    }
    return { kind: 'template', pos: token.pos, name, ...(pipe ? { pipe } : {}) };
  }

  // {{block "name" pipeline}} body {{end}}: define name, then run it.
  private blockControl(): TemplateNode {
    const context = 'block clause';
    const token = this.nextNonSpace();
    const name = this.templateName(token, context);
    const pipe = this.pipeline(context, 'rightDelim');
    const saved = this.vars;
    this.vars = ['$'];
    const [list, end] = this.itemList();
    if (end.kind !== 'end') this.errorf(`unexpected {{${end.kind}}} in ${context}`);
    this.vars = saved;
    this.trees.set(name, list);
    return { kind: 'template', pos: token.pos, name, pipe };
  }

  private templateName(t: Item, context: string): string {
    if (t.type !== 'string' && t.type !== 'rawString') this.unexpected(t, context);
    return this.unquote(t.val);
  }

  private pipeline(context: string, end: ItemType): PipeNode {
    const first = this.peekNonSpace();
    const pipe: PipeNode = { kind: 'pipe', pos: first.pos, decl: [], isAssign: false, cmds: [] };
    // Declarations or assignments: $x := or $x = (with range, $i, $e :=).
    for (;;) {
      const v = this.peekNonSpace();
      if (v.type !== 'variable') break;
      const at = this.i;
      this.nextNonSpace();
      const next = this.peekNonSpace();
      if (next.type === 'assign' || next.type === 'declare') {
        pipe.isAssign = next.type === 'assign';
        this.nextNonSpace();
        pipe.decl.push({ kind: 'variable', pos: v.pos, ident: [v.val] });
        this.vars.push(v.val);
        break;
      }
      if (next.type === 'char' && next.val === ',') {
        this.nextNonSpace();
        pipe.decl.push({ kind: 'variable', pos: v.pos, ident: [v.val] });
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const t = this.peekNonSpace().type;
          if (t === 'variable' || t === 'rightDelim' || t === 'rightParen') continue;
          this.errorf('range can only initialize variables');
        }
        this.errorf(`too many declarations in ${context}`);
      }
      this.i = at;
      break;
    }
    for (;;) {
      const t = this.nextNonSpace();
      if (t.type === end) {
        this.checkPipeline(pipe, context);
        return pipe;
      }
      switch (t.type) {
        case 'bool':
        case 'charConstant':
        case 'complex':
        case 'dot':
        case 'field':
        case 'identifier':
        case 'number':
        case 'nil':
        case 'rawString':
        case 'string':
        case 'variable':
        case 'leftParen':
          this.i--;
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(t, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, i) => {
      const k = c.args[0]?.kind;
      if (k === 'bool' || k === 'dot' || k === 'nil' || k === 'number' || k === 'string') {
        this.errorf(`non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  private command(): CommandNode {
    const cmd: CommandNode = { kind: 'command', pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const t = this.next();
      if (t.type === 'space') continue;
      if (t.type === 'rightDelim' || t.type === 'rightParen') this.i--;
      else if (t.type !== 'pipe') this.unexpected(t, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  private operand(): Operand | undefined {
    const node = this.term();
    if (!node || this.peek().type !== 'field') return node;
    const chainPos = this.peek().pos;
    const fields: string[] = [];
    while (this.peek().type === 'field') fields.push(this.next().val.slice(1));
    switch (node.kind) {
      case 'field':
        return { kind: 'field', pos: chainPos, ident: [...node.ident, ...fields] };
      case 'variable':
        return { kind: 'variable', pos: chainPos, ident: [...node.ident, ...fields] };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        this.errorf(
          `unexpected . after term ${goQuote(node.kind === 'string' ? node.quoted : node.kind === 'number' ? node.text : node.kind === 'bool' ? String(node.value) : node.kind === 'nil' ? 'nil' : '.')}`,
        );
        break;
    }
    return { kind: 'chain', pos: chainPos, node, field: fields };
  }

  private term(): Operand | undefined {
    const t = this.nextNonSpace();
    switch (t.type) {
      case 'identifier':
        if (!this.hasFunction(t.val)) this.errorf(`function ${JSON.stringify(t.val)} not defined`);
        return { kind: 'identifier', pos: t.pos, ident: t.val };
      case 'dot':
        return { kind: 'dot', pos: t.pos };
      case 'nil':
        return { kind: 'nil', pos: t.pos };
      case 'variable': {
        const ident = t.val.split('.');
        if (!this.vars.includes(ident[0] as string)) this.errorf(`undefined variable ${JSON.stringify(ident[0])}`);
        return { kind: 'variable', pos: t.pos, ident };
      }
      case 'field':
        return { kind: 'field', pos: t.pos, ident: [t.val.slice(1)] };
      case 'bool':
        return { kind: 'bool', pos: t.pos, value: t.val === 'true' };
      case 'charConstant':
      case 'complex':
      case 'number':
        return this.number(t);
      case 'leftParen':
        return this.pipeline('parenthesized pipeline', 'rightParen');
      case 'string':
      case 'rawString':
        return { kind: 'string', pos: t.pos, quoted: t.val, text: this.unquote(t.val) };
    }
    this.i--;
    return undefined;
  }

  private number(t: Item): NumberNode {
    if (t.type === 'complex') this.errorf(`complex numbers are not supported: ${JSON.stringify(t.val)}`);
    if (t.type === 'charConstant') {
      const rune = unquoteChar(t.val);
      if (rune === undefined) this.errorf(`malformed character constant: ${t.val}`);
      return {
        kind: 'number',
        pos: t.pos,
        text: t.val,
        isInt: true,
        isFloat: true,
        int: rune,
        float: rune,
        isRune: true,
      };
    }
    const text = t.val;
    if (text.endsWith('i')) this.errorf(`complex numbers are not supported: ${JSON.stringify(text)}`);
    const int = parseGoInt(text);
    if (int !== undefined) {
      return { kind: 'number', pos: t.pos, text, isInt: true, isFloat: true, int, float: int, isRune: false };
    }
    const float = parseGoFloat(text);
    if (float === undefined) this.errorf(`illegal number syntax: ${JSON.stringify(text)}`);
    if (!/[.eEpP]/.test(text)) this.errorf(`integer overflow: ${JSON.stringify(text)}`);
    const isInt = Number.isInteger(float) && Math.abs(float) < 2 ** 63;
    return { kind: 'number', pos: t.pos, text, isInt, isFloat: true, int: isInt ? float : 0, float, isRune: false };
  }

  private unquote(quoted: string): string {
    const s = unquoteString(quoted);
    if (s === undefined) this.errorf('invalid syntax');
    return s;
  }
}

// How Go's lexer items read in "unexpected" messages.
function itemString(t: Item): string {
  if (t.type === 'eof') return 'EOF';
  if (t.type === 'error') return t.val;
  if (isKeyword(t.type) || t.type === 'nil' || t.type === 'dot') return `<${t.val}>`;
  const runes = [...t.val];
  return runes.length > 10 ? `${goQuote(runes.slice(0, 10).join(''))}...` : goQuote(t.val);
}

/** strconv.ParseInt(text, 0, 64): base prefixes, underscores, a sign. */
function parseGoInt(text: string): number | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|0[0-7_]*|[1-9][0-9_]*)$/.exec(text);
  if (!m) return undefined;
  let body = m[2] as string;
  const prefixed = /^0[xXoObB]/.test(body);
  // Underscores only between digits (or after a base prefix), and only with base 0 syntax.
  if (/__|_$/.test(body) || (!prefixed && body.startsWith('_'))) return undefined;
  if (/^0[0-7_]+$/.test(body)) body = `0o${body.slice(1)}`;
  const value = BigInt(body.replaceAll('_', '')) * (m[1] === '-' ? -1n : 1n);
  if (value >= 2n ** 63n || value < -(2n ** 63n)) return undefined;
  return Number(value);
}

/** strconv.ParseFloat for the decimal forms (hexadecimal floats are refused). */
function parseGoFloat(text: string): number | undefined {
  if (!/^[+-]?(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][+-]?\d[\d_]*)?$/.test(text) || /__|_\.|\._|_$|_[eE]/.test(text)) {
    return undefined;
  }
  const f = Number(text.replaceAll('_', ''));
  return Number.isFinite(f) ? f : undefined;
}

const ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

/** strconv.Unquote of a "…" or `…` string; undefined when Go would refuse it. */
function unquoteString(quoted: string): string | undefined {
  if (quoted.startsWith('`')) return quoted.slice(1, -1).replaceAll('\r', '');
  const body = quoted.slice(1, -1);
  let out = '';
  const bytes: number[] = [];
  const flush = () => {
    if (bytes.length > 0) out += Buffer.from(bytes.splice(0)).toString('utf8');
  };
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c !== '\\') {
      flush();
      if (c === '"' || c === '\n') return undefined;
      out += c;
      continue;
    }
    const e = body[++i];
    if (e === undefined) return undefined;
    if (ESCAPES[e] !== undefined || e === '"') {
      flush();
      out += ESCAPES[e] ?? '"';
    } else if (e === 'x' || /[0-7]/.test(e)) {
      const hex = e === 'x';
      const digits = hex ? body.slice(i + 1, i + 3) : body.slice(i, i + 3);
      if (!(hex ? /^[0-9a-fA-F]{2}$/ : /^[0-7]{3}$/).test(digits)) return undefined;
      const value = Number.parseInt(digits, hex ? 16 : 8);
      if (value > 255) return undefined;
      bytes.push(value);
      i += hex ? 2 : 2;
    } else if (e === 'u' || e === 'U') {
      flush();
      const n = e === 'u' ? 4 : 8;
      const digits = body.slice(i + 1, i + 1 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(digits)) return undefined;
      const cp = Number.parseInt(digits, 16);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
      out += String.fromCodePoint(cp);
      i += n;
    } else return undefined;
  }
  flush();
  return out;
}

/** The code point of a character constant ('a', '\n', '\x41', '\u00e9'). */
function unquoteChar(quoted: string): number | undefined {
  const body = quoted.slice(1, -1);
  if (body === "\\'") return 39;
  if (body === '"') return 34;
  const s = body.startsWith('\\') ? unquoteString(`"${body}"`) : body;
  if (s === undefined || [...s].length !== 1) return undefined;
  return s.codePointAt(0);
}
