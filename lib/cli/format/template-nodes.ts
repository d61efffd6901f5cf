// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The parse tree of a Go text/template, and each node's text as Go's
 * `String()` gives it (error messages quote nodes: `at <.Foo>`).
 */

interface At {
  /** Offset in the template text. */
  readonly pos: number;
}

export type Node =
  | ListNode
  | TextNode
  | ActionNode
  | IfNode
  | RangeNode
  | WithNode
  | TemplateNode
  | BreakNode
  | ContinueNode
  | PipeNode
  | CommandNode
  | Operand;

export type Operand =
  | FieldNode
  | VariableNode
  | IdentifierNode
  | DotNode
  | NilNode
  | BoolNode
  | NumberNode
  | StringNode
  | ChainNode
  | PipeNode;

export interface ListNode extends At {
  readonly kind: 'list';
  readonly nodes: Node[];
}
export interface TextNode extends At {
  readonly kind: 'text';
  readonly text: string;
}
export interface ActionNode extends At {
  readonly kind: 'action';
  readonly pipe: PipeNode;
}
export interface Branch extends At {
  readonly pipe: PipeNode;
  readonly list: ListNode;
  readonly elseList?: ListNode;
}
export interface IfNode extends Branch {
  readonly kind: 'if';
}
export interface RangeNode extends Branch {
  readonly kind: 'range';
}
export interface WithNode extends Branch {
  readonly kind: 'with';
}
export interface TemplateNode extends At {
  readonly kind: 'template';
  readonly name: string;
  readonly pipe?: PipeNode;
}
export interface BreakNode extends At {
  readonly kind: 'break';
}
export interface ContinueNode extends At {
  readonly kind: 'continue';
}
export interface PipeNode extends At {
  readonly kind: 'pipe';
  /** Declared (`:=`) or assigned (`=`) variables. */
  readonly decl: VariableNode[];
  isAssign: boolean;
  readonly cmds: CommandNode[];
}
export interface CommandNode extends At {
  readonly kind: 'command';
  readonly args: Operand[];
}
/** `.A.B`: the names without dots. */
export interface FieldNode extends At {
  readonly kind: 'field';
  readonly ident: string[];
}
/** `$x.A.B`: the variable then the fields. */
export interface VariableNode extends At {
  readonly kind: 'variable';
  readonly ident: string[];
}
/** A function name. */
export interface IdentifierNode extends At {
  readonly kind: 'identifier';
  readonly ident: string;
}
export interface DotNode extends At {
  readonly kind: 'dot';
}
export interface NilNode extends At {
  readonly kind: 'nil';
}
export interface BoolNode extends At {
  readonly kind: 'bool';
  readonly value: boolean;
}
export interface NumberNode extends At {
  readonly kind: 'number';
  readonly text: string;
  readonly isInt: boolean;
  readonly isFloat: boolean;
  readonly int: number;
  readonly float: number;
  /** A character constant (`'a'`), an int. */
  readonly isRune: boolean;
}
export interface StringNode extends At {
  readonly kind: 'string';
  /** As written, quotes included. */
  readonly quoted: string;
  readonly text: string;
}
/** `(pipeline).A.B`. */
export interface ChainNode extends At {
  readonly kind: 'chain';
  readonly node: Operand;
  readonly field: string[];
}

/**
 * A node as Go's `String()` writes it back.
 *
 * @example
 * ```ts
 * nodeString({ kind: 'field', pos: 2, ident: ['Name'] }) // '.Name'
 * ```
 */
export function nodeString(n: Node): string {
  switch (n.kind) {
    case 'list':
      return n.nodes.map(nodeString).join('');
    case 'text':
      return n.text;
    case 'action':
      return `{{${nodeString(n.pipe)}}}`;
    case 'if':
    case 'range':
    case 'with':
      return `{{${n.kind} ${nodeString(n.pipe)}}}${nodeString(n.list)}${
        n.elseList ? `{{else}}${nodeString(n.elseList)}` : ''
      }{{end}}`;
    case 'template':
      return `{{template ${JSON.stringify(n.name)}${n.pipe ? ` ${nodeString(n.pipe)}` : ''}}}`;
    case 'break':
      return '{{break}}';
    case 'continue':
      return '{{continue}}';
    case 'pipe': {
      const decl = n.decl.length > 0 ? `${n.decl.map(nodeString).join(', ')} ${n.isAssign ? '=' : ':='} ` : '';
      return decl + n.cmds.map(nodeString).join(' | ');
    }
    case 'command':
      return n.args.map((a) => (a.kind === 'pipe' ? `(${nodeString(a)})` : nodeString(a))).join(' ');
    case 'field':
      return n.ident.map((i) => `.${i}`).join('');
    case 'variable':
      return n.ident.join('.');
    case 'identifier':
      return n.ident;
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return String(n.value);
    case 'number':
      return n.text;
    case 'string':
      return n.quoted;
    case 'chain':
      return `${n.node.kind === 'pipe' ? `(${nodeString(n.node)})` : nodeString(n.node)}${n.field.map((f) => `.${f}`).join('')}`;
  }
}
