// SPDX-License-Identifier: GPL-2.0-or-later
/** How the CLI prints: Docker-style tables, JSON, and progress on a terminal. */
import { goJson } from './format/go-json';
import type { GoValue } from './format/go-values';
import { renderInspect, TemplateFailures } from './formatted';

/**
 * Columns left-aligned and three spaces apart, headers in capitals, as
 * `docker network ls` prints them.
 *
 * @example
 * ```ts
 * dockerTable(['NETWORK ID', 'NAME'], [['0f3a9c1d2b4e', 'web']])
 * // 'NETWORK ID     NAME\n0f3a9c1d2b4e   web'
 * ```
 */
export function dockerTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 3)))
      .join('')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** Indented JSON, as `docker inspect` prints it. @example `printJson([{ Name: 'web' }])` */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 4)}\n`);
}

/**
 * One object as `inspect` prints each (Go's JSON, indented by four spaces):
 * what `create --json` and `connect --json` print.
 *
 * @example
 * ```ts
 * printInspect(networkInspectView(inspectNetwork(ctl, net)))
 * ```
 */
export function printInspect(view: GoValue): void {
  process.stdout.write(`${goJson(view, { escapeHTML: true, indent: '    ' })}\n`);
}

/**
 * Writes what `inspect` prints for the objects found (see `renderInspect`);
 * when the template failed on some, what the others gave is still written
 * before the usage error is thrown.
 *
 * @example
 * ```ts
 * writeInspect('{{.Name}}', views)
 * ```
 */
export function writeInspect(format: string | undefined, views: readonly GoValue[]): void {
  try {
    process.stdout.write(renderInspect(format, views));
  } catch (error) {
    if (error instanceof TemplateFailures) process.stdout.write(error.out);
    throw error;
  }
}

/** What `rm` prints: the names as given, one a line, or a JSON array. @example `printNames(['web'], false)` */
export function printNames(names: readonly string[], json: boolean | undefined): void {
  if (json) printJson(names);
  else for (const n of names) console.log(n);
}

/** A short id, as Docker's tables show it. @example `shortId('0f3a9c1d2b4e5f…') // '0f3a9c1d2b4e'` */
export function shortId(id: string): string {
  return id.slice(0, 12);
}

/**
 * A one-line progress counter on stderr, redrawn in place; silent when
 * stderr is not a terminal (logs and pipes stay clean).
 *
 * @example
 * ```ts
 * const p = progress('attaching', 200)
 * for (let i = 0; i < 200; i++) p.tick()
 * p.done()
 * ```
 */
export function progress(label: string, total: number): { tick(n?: number): void; done(): void } {
  const tty = process.stderr.isTTY === true;
  let count = 0;
  let drawn = 0;
  const draw = () => {
    const width = 24;
    const filled = Math.round((count / Math.max(total, 1)) * width);
    process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${count}/${total}`);
  };
  return {
    tick(n = 1) {
      count += n;
      // Redraw at most about 50 times whatever the total.
      if (tty && (count === total || count - drawn >= Math.max(1, total / 50))) {
        drawn = count;
        draw();
      }
    },
    done() {
      if (tty) process.stderr.write('\r\x1b[2K');
    },
  };
}
