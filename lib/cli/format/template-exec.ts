// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Runs a parsed Go text/template over a value, with Go's semantics: fields
 * and methods of structs, keys of maps (a missing key is `<no value>`, or an
 * error with `missingkey=error`), pipelines passing their value as the last
 * argument, variables and their scopes, `range` over slices, maps (in key
 * order) and ints, lazy `and`/`or`, typed function arguments, and Go's
 * error messages (`template: :1:2: executing "" at <.Foo>: …`).
 */
import { formatValue } from './go-fmt';
import { GoFloat, GoMap, GoSlice, GoStruct, type GoValue, goTypeOf, isTrue } from './go-values';
import type { FuncMap, GoFunction } from './template-functions';
import type {
  ActionNode,
  ChainNode,
  CommandNode,
  FieldNode,
  IdentifierNode,
  IfNode,
  Node,
  NumberNode,
  Operand,
  PipeNode,
  RangeNode,
  TemplateNode,
  VariableNode,
  WithNode,
} from './template-nodes';
import { nodeString } from './template-nodes';
import { TemplateError, type TreeSet } from './template-parser';

export interface ExecOptions {
  /** Go's `missingkey` option: `default` prints `<no value>`, `error` fails. */
  readonly missingKey?: 'default' | 'error';
}

class BreakSignal {}
class ContinueSignal {}

// A value with the type it was declared as where that differs (an element of an
// interface{} map or slice is an `interface {}` in Go's messages).
interface Typed {
  readonly v: GoValue;
  readonly t?: string;
}

const MAX_DEPTH = 100000;

/**
 * Executes template `name` of `trees` over `data`.
 *
 * @example
 * ```ts
 * const trees = parseTemplate('', '{{.}}', () => false)
 * executeTemplate(trees, '', 'hi', {}) // 'hi'
 * ```
 */
export function executeTemplate(
  trees: TreeSet,
  name: string,
  data: GoValue,
  funcs: FuncMap,
  o: ExecOptions = {},
): string {
  const root = trees.get(name);
  if (!root) throw new TemplateError(`template: ${name}: "${name}" is an incomplete or empty template`);
  const s = new State(trees, funcs, o.missingKey ?? 'default', name, text(trees));
  s.vars.push({ name: '$', value: data });
  s.walk({ v: data }, root);
  return s.out;
}

// The template's text, for line and column numbers (kept on the tree set by template.ts).
function text(trees: TreeSet): string {
  return (trees as TreeSet & { text?: string }).text ?? '';
}

class State {
  out = '';
  vars: { name: string; value: GoValue }[] = [];
  private node: Node | undefined;
  private depth = 0;

  constructor(
    private readonly trees: TreeSet,
    private readonly funcs: FuncMap,
    private readonly missingKey: 'default' | 'error',
    private readonly name: string,
    private readonly source: string,
  ) {}

  private at(node: Node): void {
    this.node = node;
  }

  private errorf(message: string): never {
    if (!this.node) throw new TemplateError(`template: ${this.name}: ${message}`);
    const before = this.source.slice(0, this.node.pos);
    const nl = before.lastIndexOf('\n');
    const line = 1 + (before.match(/\n/g)?.length ?? 0);
    const col = Buffer.byteLength(nl < 0 ? before : before.slice(nl + 1));
    const context = nodeString(this.node);
    throw new TemplateError(
      `template: ${this.name}:${line}:${col}: executing ${JSON.stringify(this.name)} at <${context}>: ${message}`,
    );
  }

  walk(dot: Typed, node: Node): void {
    this.at(node);
    switch (node.kind) {
      case 'list':
        for (const n of node.nodes) this.walk(dot, n);
        return;
      case 'text':
        this.out += node.text;
        return;
      case 'action':
        this.action(dot, node);
        return;
      case 'if':
      case 'with':
        this.ifOrWith(dot, node);
        return;
      case 'range':
        this.range(dot, node);
        return;
      case 'template':
        this.template(dot, node);
        return;
      case 'break':
        throw new BreakSignal();
      case 'continue':
        throw new ContinueSignal();
      default:
        this.errorf(`unknown node: ${nodeString(node)}`);
    }
  }

  private action(dot: Typed, node: ActionNode): void {
    const value = this.pipeline(dot, node.pipe);
    if (node.pipe.decl.length === 0) this.printValue(node, value.v);
  }

  private printValue(node: Node, v: GoValue): void {
    this.at(node);
    this.out += v === undefined ? '<no value>' : formatValue(v);
  }

  private ifOrWith(dot: Typed, node: IfNode | WithNode): void {
    const mark = this.vars.length;
    try {
      const val = this.pipeline(dot, node.pipe);
      if (isTrue(val.v)) this.walk(node.kind === 'with' ? val : dot, node.list);
      else if (node.elseList) this.walk(dot, node.elseList);
    } finally {
      this.vars.length = mark;
    }
  }

  private range(dot: Typed, node: RangeNode): void {
    this.at(node);
    const outer = this.vars.length;
    try {
      const val = this.pipeline(dot, node.pipe).v;
      const mark = this.vars.length;
      const decl = node.pipe.decl;
      const one = (key: GoValue, elem: Typed): void => {
        if (decl.length > 0) {
          if (node.pipe.isAssign) this.setVar(decl[0]?.ident[0] as string, decl.length > 1 ? key : elem.v);
          else this.setTopVar(1, elem.v);
        }
        if (decl.length > 1) {
          if (node.pipe.isAssign) this.setVar(decl[1]?.ident[0] as string, elem.v);
          else this.setTopVar(2, key);
        }
        try {
          this.walk(elem, node.list);
        } catch (e) {
          if (!(e instanceof ContinueSignal)) throw e;
        } finally {
          this.vars.length = mark;
        }
      };
      try {
        if (val instanceof GoSlice && val.items.length > 0) {
          const t = val.elemType === 'interface {}' ? 'interface {}' : undefined;
          for (const [i, item] of val.items.entries()) one(i, t ? { v: item, t } : { v: item });
          return;
        }
        if (val instanceof GoMap && val.entries.size > 0) {
          const t = val.elemType === 'interface {}' ? 'interface {}' : undefined;
          for (const k of val.keys()) one(k, t ? { v: val.entries.get(k), t } : { v: val.entries.get(k) });
          return;
        }
        if (typeof val === 'number' && val > 0) {
          if (decl.length > 1) this.errorf("can't use 2 variables to range over an int");
          for (let i = 0; i < val; i++) one(i, { v: i });
          return;
        }
        if (
          !(
            val instanceof GoSlice ||
            val instanceof GoMap ||
            typeof val === 'number' ||
            val === undefined ||
            val === null
          )
        ) {
          this.errorf(`range can't iterate over ${formatValue(val)}`);
        }
      } catch (e) {
        if (e instanceof BreakSignal) return;
        throw e;
      }
      if (node.elseList) this.walk(dot, node.elseList);
    } finally {
      this.vars.length = outer;
    }
  }

  private template(dot: Typed, node: TemplateNode): void {
    this.at(node);
    const tree = this.trees.get(node.name);
    if (!tree) this.errorf(`template ${JSON.stringify(node.name)} not defined`);
    if (this.depth >= MAX_DEPTH) this.errorf(`exceeded maximum template depth (${MAX_DEPTH})`);
    const value = node.pipe ? this.pipeline(dot, node.pipe) : { v: undefined };
    const inner = new State(this.trees, this.funcs, this.missingKey, node.name, this.source);
    inner.depth = this.depth + 1;
    inner.vars = [{ name: '$', value: value.v }];
    inner.walk(value, tree);
    this.out += inner.out;
  }

  // --- variables ---

  private setVar(name: string, value: GoValue): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i] as { name: string; value: GoValue };
      if (v.name === name) {
        v.value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }
  private setTopVar(n: number, value: GoValue): void {
    const v = this.vars[this.vars.length - n];
    if (v) v.value = value;
  }
  private varValue(name: string): GoValue {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i] as { name: string; value: GoValue };
      if (v.name === name) return v.value;
    }
    this.errorf(`undefined variable: ${name}`);
  }

  // --- evaluation ---

  private pipeline(dot: Typed, pipe: PipeNode): Typed {
    this.at(pipe);
    let value: Typed | undefined;
    for (const cmd of pipe.cmds) {
      value = this.command(dot, cmd, value);
      // An interface value is looked through: a nil one becomes no value.
      if (value.v === null && value.t === 'interface {}') value = { v: undefined };
    }
    const result = value ?? { v: undefined };
    for (const variable of pipe.decl) {
      if (pipe.isAssign) this.setVar(variable.ident[0] as string, result.v);
      else this.vars.push({ name: variable.ident[0] as string, value: result.v });
    }
    return result.t === 'interface {}' && result.v !== null ? { v: result.v } : result;
  }

  private notAFunction(args: Operand[], final: Typed | undefined): void {
    if (args.length > 1 || final) this.errorf(`can't give argument to non-function ${nodeString(args[0] as Node)}`);
  }

  private command(dot: Typed, cmd: CommandNode, final: Typed | undefined): Typed {
    const first = cmd.args[0] as Operand;
    switch (first.kind) {
      case 'field':
        return this.fieldNode(dot, first, cmd.args, final);
      case 'chain':
        return this.chainNode(dot, first, cmd.args, final);
      case 'identifier':
        return this.callFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.pipeline(dot, first);
      case 'variable':
        return this.variableNode(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.kind) {
      case 'bool':
        return { v: first.value };
      case 'dot':
        return dot;
      case 'nil':
        this.errorf('nil is not a command');
        break;
      case 'number':
        return { v: this.idealConstant(first) };
      case 'string':
        return { v: first.text };
    }
    this.errorf(`can't evaluate command ${JSON.stringify(nodeString(first))}`);
  }

  private idealConstant(n: NumberNode): GoValue {
    this.at(n);
    if (n.isFloat && !n.isRune && !/^[+-]?0[xX]/.test(n.text) && /[.eEpP]/.test(n.text)) return new GoFloat(n.float);
    if (n.isInt) return n.int;
    this.errorf(`${n.text} overflows int`);
  }

  private fieldNode(dot: Typed, field: FieldNode, args: Operand[], final: Typed | undefined): Typed {
    this.at(field);
    return this.fieldChain(dot, dot, field, field.ident, args, final);
  }

  private chainNode(dot: Typed, chain: ChainNode, args: Operand[], final: Typed | undefined): Typed {
    this.at(chain);
    if (chain.node.kind === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.arg(dot, 'interface {}', chain.node);
    return this.fieldChain(dot, pipe, chain, chain.field, args, final);
  }

  private variableNode(dot: Typed, variable: VariableNode, args: Operand[], final: Typed | undefined): Typed {
    this.at(variable);
    const value = this.varValue(variable.ident[0] as string);
    if (variable.ident.length === 1) {
      this.notAFunction(args, final);
      return { v: value };
    }
    return this.fieldChain(dot, { v: value }, variable, variable.ident.slice(1), args, final);
  }

  private fieldChain(
    dot: Typed,
    receiver: Typed,
    node: Node,
    ident: string[],
    args: Operand[],
    final: Typed | undefined,
  ): Typed {
    let r = receiver;
    for (let i = 0; i < ident.length - 1; i++) r = this.field(dot, ident[i] as string, node, [], undefined, r);
    return this.field(dot, ident[ident.length - 1] as string, node, args, final, r);
  }

  private field(
    dot: Typed,
    name: string,
    node: Node,
    args: Operand[],
    final: Typed | undefined,
    receiver: Typed,
  ): Typed {
    const v = receiver.v;
    if (v === undefined) {
      if (this.missingKey === 'error') this.errorf(`nil data; no entry for key ${JSON.stringify(name)}`);
      return { v: undefined };
    }
    const type = receiver.t ?? goTypeOf(v);
    if (v === null) this.errorf(`nil pointer evaluating ${type}.${name}`);
    const methods = v instanceof GoStruct || v instanceof GoMap ? v.methods : {};
    const method = Object.hasOwn(methods, name) ? methods[name] : undefined;
    if (method) return this.call(dot, { params: method.params, fn: method.fn }, node, name, args, final);
    const hasArgs = args.length > 1 || final !== undefined;
    if (v instanceof GoStruct) {
      const f = v.field(name);
      if (f) {
        if (!/^\p{Lu}/u.test(name)) this.errorf(`${name} is an unexported field of struct type ${type}`);
        if (hasArgs) this.errorf(`${name} has arguments but cannot be invoked as function`);
        return f.type === 'interface {}' ? { v: f.value, t: 'interface {}' } : { v: f.value };
      }
    } else if (v instanceof GoMap) {
      if (hasArgs) this.errorf(`${name} is not a method but has arguments`);
      if (v.entries.has(name)) {
        const value = v.entries.get(name);
        return v.elemType === 'interface {}' ? { v: value, t: 'interface {}' } : { v: value };
      }
      if (this.missingKey === 'error') this.errorf(`map has no entry for key ${JSON.stringify(name)}`);
      return { v: undefined };
    }
    this.errorf(`can't evaluate field ${name} in type ${type}`);
  }

  private callFunction(dot: Typed, node: IdentifierNode, cmd: Node, args: Operand[], final: Typed | undefined): Typed {
    this.at(node);
    const name = node.ident;
    if (name === 'and' || name === 'or') return this.andOr(dot, name, args.slice(1), final);
    if (name === 'not') {
      const [value] = this.evalArgs(dot, { params: ['reflect.Value'], fn: () => undefined }, name, args, final);
      return { v: !isTrue(value) };
    }
    if (name === 'call') this.errorf('error calling call: no function values here');
    const f = this.funcs[name];
    if (!f) this.errorf(`${JSON.stringify(name)} is not a defined function`);
    return this.call(dot, f, cmd, name, args, final);
  }

  // and/or evaluate their arguments one by one and stop at the first that decides.
  private andOr(dot: Typed, name: 'and' | 'or', args: Operand[], final: Typed | undefined): Typed {
    const count = args.length + (final ? 1 : 0);
    if (count < 1) this.errorf(`wrong number of args for ${name}: want at least 1 got 0`);
    let v: Typed = { v: undefined };
    for (const a of args) {
      v = this.arg(dot, 'reflect.Value', a);
      if (isTrue(v.v) === (name === 'or')) return v;
    }
    return final ?? v;
  }

  private evalArgs(dot: Typed, f: GoFunction, name: string, args: Operand[], final: Typed | undefined): GoValue[] {
    const given = args.slice(1);
    const numIn = given.length + (final ? 1 : 0);
    const fixed = f.params.length;
    if (f.variadic !== undefined) {
      if (numIn < fixed) this.errorf(`wrong number of args for ${name}: want at least ${fixed} got ${given.length}`);
    } else if (numIn !== fixed) {
      this.errorf(`wrong number of args for ${name}: want ${fixed} got ${numIn}`);
    }
    const argv: GoValue[] = [];
    given.forEach((a, i) => {
      argv.push(this.arg(dot, i < fixed ? (f.params[i] as string) : (f.variadic as string), a).v);
    });
    if (final) {
      const i = argv.length;
      argv.push(this.validateType(final, i < fixed ? (f.params[i] as string) : (f.variadic as string)).v);
    }
    return argv;
  }

  private call(dot: Typed, f: GoFunction, node: Node, name: string, args: Operand[], final: Typed | undefined): Typed {
    const argv = this.evalArgs(dot, f, name, args, final);
    try {
      return { v: f.fn(...argv) };
    } catch (e) {
      if (e instanceof TemplateError) throw e;
      this.at(node);
      this.errorf(`error calling ${name}: ${(e as Error).message}`);
    }
  }

  // An argument for a parameter of Go type `type`.
  private arg(dot: Typed, type: string, n: Operand): Typed {
    this.at(n);
    switch (n.kind) {
      case 'dot':
        return this.validateType(dot, type);
      case 'nil':
        if (type === 'reflect.Value') return { v: undefined };
        if (canBeNil(type)) return { v: type.startsWith('[]') ? new GoSlice(type.slice(2), [], true) : null };
        this.errorf(`cannot assign nil to ${type}`);
        break;
      case 'field':
        return this.validateType(this.fieldNode(dot, n, [n], undefined), type);
      case 'variable':
        return this.validateType(this.variableNode(dot, n, [], undefined), type);
      case 'pipe':
        return this.validateType(this.pipeline(dot, n), type);
      case 'identifier':
        return this.validateType(this.callFunction(dot, n, n, [n], undefined), type);
      case 'chain':
        return this.validateType(this.chainNode(dot, n, [], undefined), type);
    }
    switch (type) {
      case 'bool':
        if (n.kind === 'bool') return { v: n.value };
        this.errorf(`expected bool; found ${nodeString(n)}`);
        break;
      case 'int':
        if (n.kind === 'number' && n.isInt) return { v: n.int };
        this.errorf(`expected integer; found ${nodeString(n)}`);
        break;
      case 'string':
        if (n.kind === 'string') return { v: n.text };
        this.errorf(`expected string; found ${nodeString(n)}`);
        break;
      case 'interface {}':
      case 'reflect.Value':
        if (n.kind === 'bool') return { v: n.value };
        if (n.kind === 'number') return { v: this.idealConstant(n) };
        if (n.kind === 'string') return { v: n.text };
        break;
    }
    this.errorf(`can't handle ${nodeString(n)} for arg of type ${type}`);
  }

  private validateType(value: Typed, type: string): Typed {
    const v = value.v;
    if (v === undefined) {
      if (type === 'interface {}') return { v: null };
      if (canBeNil(type)) return { v: type.startsWith('[]') ? new GoSlice(type.slice(2), [], true) : null };
      if (type === 'reflect.Value') return { v: undefined };
      this.errorf(`invalid value; expected ${type}`);
    }
    if (type === 'interface {}' || type === 'reflect.Value') return { v };
    const actual = goTypeOf(v);
    if (actual !== type && !(v === null && canBeNil(type))) {
      this.errorf(`wrong type for value; expected ${type}; got ${value.t && v === null ? value.t : actual}`);
    }
    return { v };
  }
}

function canBeNil(type: string): boolean {
  return type === 'interface {}' || type.startsWith('[]') || type.startsWith('map[') || type.startsWith('*');
}
