// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Docker's two ways of applying `--format`. Lists (`ls`): `table` and
 * `json` are keywords, `table TEMPLATE` prints a header line and aligns
 * columns, a literal `\t` or `\n` in the format is a tab or newline, and
 * each row ends with a newline. Inspect: `json` prints a compact array;
 * a template runs over the typed object and, if that fails, over the plain
 * JSON object with `missingkey=error` (so `{{.Id}}` and `{{.ID}}` both work).
 */
import { goJson } from './go-json';
import { fromJson, type GoValue } from './go-values';
import { DOCKER_TABLE, tabwrite } from './tabwriter';
import { GoTemplate, TemplateError } from './template';
import { DOCKER_HEADER_FUNCTIONS } from './template-functions';

/** A `--format` that cannot be used: its message is Docker's (`template parsing error: …`). */
export class FormatError extends Error {
  override readonly name = 'FormatError';
}

/**
 * Renders list rows as `docker … ls --format FORMAT` does: `format` is
 * `table`, `json`, `table TEMPLATE` or `TEMPLATE` (a `table` format with
 * `-q` is the caller's to turn into `{{.ID}}`). Throws a {@link FormatError}.
 *
 * @example
 * ```ts
 * formatList('table {{.ID}}\\t{{.Name}}', rows, headerContext(NETWORK_HEADERS), DEFAULT)
 * // 'NETWORK ID     NAME\n0f3a9c1d2b4e   web\n'
 * ```
 */
export function formatList(format: string, rows: readonly GoValue[], header: GoValue, defaultTable: string): string {
  const source = format === 'table' ? defaultTable : format;
  const isTable = source.startsWith('table');
  let text = isTable ? source.slice('table'.length) : source === 'json' ? '{{json .}}' : source;
  text = text
    .replace(/^ +| +$/g, '')
    .replaceAll('\\t', '\t')
    .replaceAll('\\n', '\n');
  const template = parse(text);
  let body = '';
  for (const row of rows) {
    try {
      body += `${template.execute(row)}\n`;
    } catch (error) {
      throw wrap(error);
    }
  }
  if (!isTable) return body;
  // The header: the same template over the column names, its functions returning their argument.
  let head = '';
  try {
    head = template.execute(header, { funcs: DOCKER_HEADER_FUNCTIONS });
  } catch {
    // Docker ignores a header that fails (and prints what it had so far); so does cnm.
  }
  return tabwrite(`${head}\n${body}`, DOCKER_TABLE);
}

/** One object for {@link formatInspect}: what the template sees first, and its JSON form. */
export interface InspectTarget {
  readonly typed: GoValue;
}

/**
 * Renders objects as `docker inspect --format FORMAT` does. Returns the
 * output and the failures (one message per object whose template failed).
 *
 * @example
 * ```ts
 * formatInspect('{{.Name}}', [{ typed: networkInspectView(n) }]) // { out: 'web\n', failures: [] }
 * ```
 */
export function formatInspect(format: string, targets: readonly InspectTarget[]): { out: string; failures: string[] } {
  if (format === 'json') {
    return { out: `[${targets.map((t) => goJson(t.typed, { escapeHTML: true })).join(',')}]\n`, failures: [] };
  }
  const template = parse(format);
  let out = '';
  const failures: string[] = [];
  for (const t of targets) {
    try {
      out += `${template.execute(t.typed)}\n`;
    } catch {
      try {
        const raw = fromJson(JSON.parse(goJson(t.typed)));
        out += `${template.execute(raw, { missingKey: 'error' })}\n`;
      } catch (error) {
        failures.push(wrap(error).message);
      }
    }
  }
  return { out: out || '\n', failures };
}

function parse(text: string): GoTemplate {
  try {
    return GoTemplate.parse(text);
  } catch (error) {
    throw wrap(error);
  }
}

function wrap(error: unknown): Error {
  if (error instanceof TemplateError) return new FormatError(`template parsing error: ${error.message}`);
  return error as Error;
}
