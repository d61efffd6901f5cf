// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * `--format` for the CLI's listing and inspecting commands, as Docker
 * applies it: a bad template is a usage error (exit code 2) found before
 * anything is opened, and the output is written in one piece.
 */
import { FormatError, formatInspect, formatList } from './format/docker-formatter';
import { goJson } from './format/go-json';
import { GoSlice, type GoValue } from './format/go-values';
import { UsageError } from './run-many';

/** How a listing command was asked to print. */
export interface ListFormat {
  /** The template; `table` (the default) or `json` as keywords. */
  readonly format: string;
  readonly defaultTable: string;
  /** The header context of `table` formats. */
  readonly header: GoValue;
}

/**
 * The format a listing uses: `-q` turns the default table into `{{.ID}}`
 * (a format given with `-q` wins, as in Docker). Parses it once, so a bad
 * template is refused before anything else happens.
 *
 * @example
 * ```ts
 * const f = listFormat({ format: undefined, quiet: true }, DEFAULT, headerContext(NETWORK_HEADERS)) // f.format === '{{.ID}}'
 * ```
 */
export function listFormat(
  o: { readonly format?: string | undefined; readonly quiet?: boolean | undefined },
  defaultTable: string,
  header: GoValue,
): ListFormat {
  const given = o.format === undefined || o.format === '' ? 'table' : o.format;
  const format = given === 'table' && o.quiet ? '{{.ID}}' : given;
  const f = { format, defaultTable, header };
  renderList(f, []);
  return f;
}

/**
 * The rows printed in the format: a header first for `table` formats.
 *
 * @example
 * ```ts
 * process.stdout.write(renderList(f, rows.map((r) => networkRow(r, true))))
 * ```
 */
export function renderList(f: ListFormat, rows: readonly GoValue[]): string {
  try {
    return formatList(f.format, rows, f.header, f.defaultTable);
  } catch (error) {
    throw usage(error);
  }
}

/**
 * Checks an inspect template (`-f`) before anything is opened.
 *
 * @example
 * ```ts
 * checkInspectFormat('{{.Name}}')
 * ```
 */
export function checkInspectFormat(format: string | undefined): void {
  if (format) renderInspect(format, []);
}

/**
 * What `inspect` prints for the objects found: indented JSON (no format),
 * one compact JSON array (`json`), or the template per object. A template
 * that fails on an object is a usage error, after the others are printed.
 *
 * @example
 * ```ts
 * process.stdout.write(renderInspect('{{.Name}}', views))
 * ```
 */
export function renderInspect(format: string | undefined, views: readonly GoValue[]): string {
  if (!format) return `${goJson(new GoSlice('interface {}', views), { escapeHTML: true, indent: '    ' })}\n`;
  try {
    const { out, failures } = formatInspect(
      format,
      views.map((typed) => ({ typed })),
    );
    if (failures.length > 0) throw new TemplateFailures(out, failures);
    return out;
  } catch (error) {
    throw usage(error);
  }
}

/** Templates that failed on some objects: what printed for the others, and the messages. */
export class TemplateFailures extends UsageError {
  constructor(
    readonly out: string,
    readonly failures: readonly string[],
  ) {
    super(failures.join('\n'));
  }
}

function usage(error: unknown): unknown {
  if (error instanceof FormatError) return new UsageError(error.message);
  return error;
}
