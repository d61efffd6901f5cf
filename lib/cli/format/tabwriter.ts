// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Go's text/tabwriter as Docker's tables use it (minimum width 10, padding
 * 3, spaces): tab-terminated cells in consecutive lines form a column,
 * padded to its widest cell plus the padding; the text after a line's last
 * tab belongs to no column. Widths count code points (Docker's fork counts
 * East Asian wide characters as two; cnm does not).
 */

export interface TabwriterOptions {
  readonly minWidth: number;
  readonly padding: number;
}

/** Docker's table settings: `tabwriter.NewWriter(out, 10, 1, 3, ' ', 0)`. */
export const DOCKER_TABLE: TabwriterOptions = { minWidth: 10, padding: 3 };

/**
 * Aligns the tab-separated text as a tabwriter flushed once at the end.
 *
 * @example
 * ```ts
 * tabwrite('NETWORK ID\tNAME\n0f3a9c1d2b4e\tweb\n') // 'NETWORK ID     NAME\n0f3a9c1d2b4e   web\n'
 * ```
 */
export function tabwrite(text: string, o: TabwriterOptions = DOCKER_TABLE): string {
  const lines = text.split('\n').map((l) => l.split('\t'));
  const width = (s: string) => [...s].length;
  const widths: number[] = [];
  let out = '';

  const writeLines = (line0: number, line1: number) => {
    for (let i = line0; i < line1; i++) {
      const cells = lines[i] as string[];
      cells.forEach((cell, j) => {
        out += cell;
        if (j < widths.length && j < cells.length - 1) out += ' '.repeat((widths[j] as number) - width(cell));
      });
      // The last piece has no newline after it (it is what followed the last one).
      if (i + 1 < lines.length) out += '\n';
    }
  };

  const format = (from: number, to: number) => {
    let line0 = from;
    const column = widths.length;
    for (let row = from; row < to; row++) {
      if (column >= (lines[row] as string[]).length - 1) continue;
      // A column block starts here: the lines above it are written with the widths known so far.
      writeLines(line0, row);
      line0 = row;
      let w = o.minWidth;
      for (; row < to; row++) {
        const cells = lines[row] as string[];
        if (column >= cells.length - 1) break;
        w = Math.max(w, width(cells[column] as string) + o.padding);
      }
      widths.push(w);
      format(line0, row);
      widths.pop();
      line0 = row;
    }
    writeLines(line0, to);
  };

  format(0, lines.length);
  return out;
}
