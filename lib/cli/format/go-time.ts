// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Timestamps as Go prints them, from the model's ISO 8601 strings with any
 * number of fractional digits (0 to 9): Docker's `Created` is a Go
 * `time.Time`, whose JSON form is RFC 3339 with nanoseconds and whose
 * `String()` (what `ls` shows as `CreatedAt`) is `2006-01-02 15:04:05.999999999
 * +0000 UTC`; both drop trailing zeros of the fraction, and the point with them.
 */
import { GoTime } from './go-values';

const ISO = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:?\d\d)$/i;

/**
 * A `time.Time` (in UTC) from an ISO 8601 timestamp; throws on anything else.
 *
 * @example
 * ```ts
 * goTime('2026-12-01T21:19:15.123456780Z').text    // '2026-12-01 21:19:15.12345678 +0000 UTC'
 * goTime('2026-12-01T21:19:15.123456780Z').rfc3339 // '2026-12-01T21:19:15.12345678Z'
 * goTime('2026-12-01T21:19:15Z').text              // '2026-12-01 21:19:15 +0000 UTC'
 * ```
 */
export function goTime(iso: string): GoTime {
  const m = ISO.exec(iso);
  if (!m) throw new Error(`not an ISO 8601 timestamp: ${JSON.stringify(iso)}`);
  const [, y, mo, d, h, mi, s, fraction = '', zone = 'Z'] = m;
  const offsetMinutes =
    zone.toUpperCase() === 'Z'
      ? 0
      : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2)));
  const seconds =
    Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) / 1000 - offsetMinutes * 60;
  const nanos = Number(fraction.padEnd(9, '0'));
  const utc = new Date(seconds * 1000).toISOString().slice(0, 19);
  const frac = nanos === 0 ? '' : `.${String(nanos).padStart(9, '0').replace(/0+$/, '')}`;
  return new GoTime(seconds, nanos, `${utc.replace('T', ' ')}${frac} +0000 UTC`, `${utc}${frac}Z`);
}
