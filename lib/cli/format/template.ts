// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Go's text/template for the CLI's `--format`: parse once, execute over
 * each object. No maintained JavaScript library follows Go's semantics
 * closely enough for Docker users' templates (missing keys, typed function
 * arguments, `{{- -}}`, `range $k, $v :=`, Go's printf), hence this one.
 */
import type { GoValue } from './go-values';
import { executeTemplate } from './template-exec';
import { BUILTINS, DOCKER_FUNCTIONS, type FuncMap } from './template-functions';
import { parseTemplate, type TreeSet } from './template-parser';

export { TemplateError } from './template-parser';

const LAZY_BUILTINS = new Set(['and', 'or', 'not', 'call']);

/** A parsed template. */
export class GoTemplate {
  private constructor(
    private readonly name: string,
    private readonly trees: TreeSet,
    private readonly funcs: FuncMap,
  ) {}

  /**
   * Parses `text` with Go's builtins and `funcs` (Docker's by default);
   * throws a {@link TemplateError} worded as Go's.
   *
   * @example
   * ```ts
   * const t = GoTemplate.parse('{{range $k, $v := .Labels}}{{$k}}={{$v}} {{end}}')
   * ```
   */
  static parse(text: string, o: { readonly name?: string; readonly funcs?: FuncMap } = {}): GoTemplate {
    const name = o.name ?? '';
    const funcs = { ...BUILTINS, ...(o.funcs ?? DOCKER_FUNCTIONS) };
    const trees = parseTemplate(name, text, (f) => Object.hasOwn(funcs, f) || LAZY_BUILTINS.has(f));
    Object.assign(trees, { text });
    return new GoTemplate(name, trees, funcs);
  }

  /**
   * Runs the template over `data`; `funcs` replace functions of the same
   * names (as Go's `Funcs` before `Execute`). Throws a {@link TemplateError}.
   *
   * @example
   * ```ts
   * GoTemplate.parse('{{.Name}}').execute(new GoStruct('T', [{ name: 'Name', value: 'web' }])) // 'web'
   * ```
   */
  execute(data: GoValue, o: { readonly missingKey?: 'default' | 'error'; readonly funcs?: FuncMap } = {}): string {
    const funcs = o.funcs ? { ...this.funcs, ...o.funcs } : this.funcs;
    return executeTemplate(this.trees, this.name, data, funcs, o.missingKey ? { missingKey: o.missingKey } : {});
  }
}
