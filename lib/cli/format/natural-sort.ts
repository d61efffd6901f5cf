// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The order `docker network ls` lists networks in: natural order, runs of
 * digits compared as numbers (`net2` before `net10`), digits before other
 * characters, other characters by their bytes.
 */

const isDigit = (b: number | undefined) => b !== undefined && b >= 0x30 && b <= 0x39;

/**
 * Compares two names in natural order: negative, zero or positive.
 *
 * @example
 * ```ts
 * ['net10', 'net2', 'net1'].sort(naturalCompare) // ['net1', 'net2', 'net10']
 * ```
 */
export function naturalCompare(left: string, right: string): number {
  const a = Buffer.from(left);
  const b = Buffer.from(right);
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a[i] as number;
    const cb = b[j] as number;
    const da = isDigit(ca);
    const db = isDigit(cb);
    if (da !== db) return da ? -1 : 1;
    if (!da) {
      if (ca !== cb) return ca - cb;
      i++;
      j++;
      continue;
    }
    // Two numbers: skip leading zeros, then the longer is larger, then digit by digit.
    while (a[i] === 0x30) i++;
    while (b[j] === 0x30) j++;
    const si = i;
    const sj = j;
    while (isDigit(a[i])) i++;
    while (isDigit(b[j])) j++;
    if (i - si !== j - sj) return i - si - (j - sj);
    const cmp = Buffer.compare(a.subarray(si, i), b.subarray(sj, j));
    if (cmp !== 0) return cmp;
    // Equal so far: the one whose digits start earlier (fewer zeros) first.
    if (si !== sj) return si - sj;
  }
  // Equal up to the end of one: the shorter first.
  return a.length - b.length;
}
