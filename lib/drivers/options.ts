// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Reading a driver's `-o` options by the spec it declares: each known
 * option's text checked against its type once, at the door; options no
 * spec names kept as given (Docker stores and shows them, and so do we).
 */
import { isIP } from 'node:net';
import { CnmError } from '../errors';
import type { DriverOptionSpec, ParsedOptions } from './driver';

/** A valid Linux interface name: 1–15 bytes, no '/', ':' or white space. */
export function checkIfname(name: string, field: string): void {
  if (!name || Buffer.byteLength(name) > 15 || /[/:\s]/.test(name) || name === '.' || name === '..') {
    throw new CnmError(
      'CNM_INVALID_CONFIG',
      `${field}: "${name}" is not a valid interface name (1-15 bytes, no '/', ':' or spaces)`,
    );
  }
}

function typed(spec: DriverOptionSpec, text: string): unknown {
  const field = `options.${spec.name}`;
  if (spec.values && !spec.values.includes(text)) {
    throw new CnmError('CNM_INVALID_CONFIG', `${field}: "${text}" is not one of ${spec.values.join(', ')}`);
  }
  switch (spec.type) {
    case 'boolean':
      if (text === 'true' || text === '1') return true;
      if (text === 'false' || text === '0') return false;
      throw new CnmError('CNM_INVALID_CONFIG', `${field}: "${text}" is not true or false`);
    case 'integer': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isInteger(n) || n < (spec.min ?? -Infinity) || n > (spec.max ?? Infinity)) {
        throw new CnmError(
          'CNM_INVALID_CONFIG',
          `${field}: ${text} is not an integer${spec.min !== undefined ? ` from ${spec.min} to ${spec.max}` : ''}`,
        );
      }
      return n;
    }
    case 'ip':
      if (isIP(text) === 0) throw new CnmError('CNM_INVALID_CONFIG', `${field}: "${text}" is not an IP address`);
      return text;
    case 'ifname':
      checkIfname(text, field);
      return text;
    case 'string':
      return text;
  }
}

/** The value type an option spec parses to. */
type ValueOf<S extends DriverOptionSpec> = S['type'] extends 'boolean'
  ? boolean
  : S['type'] extends 'integer'
    ? number
    : string;

/** The typed options a set of specs yields, each present when given. */
export type KnownOptions<T extends Readonly<Record<string, DriverOptionSpec>>> = {
  -readonly [K in keyof T]?: ValueOf<T[K]>;
};

/**
 * The options typed by `specs`, keyed by the spec's key (its short name),
 * and the options no spec names.
 *
 * @example
 * ```ts
 * parseOptionsBySpec('macvlan', { parent: { name: 'parent', type: 'ifname', description: '' } }, { parent: 'eth0', foo: 'x' })
 * // { driver: 'macvlan', known: { parent: 'eth0' }, unknown: { foo: 'x' } }
 * ```
 */
export function parseOptionsBySpec<T extends Readonly<Record<string, DriverOptionSpec>>>(
  driver: string,
  specs: T,
  options: Readonly<Record<string, string>>,
): ParsedOptions<KnownOptions<T>> {
  const byName = new Map(Object.entries(specs).map(([key, spec]) => [spec.name, [key, spec] as const]));
  const known: Record<string, unknown> = {};
  const unknown: Record<string, string> = {};
  for (const [name, text] of Object.entries(options)) {
    const found = byName.get(name);
    if (!found) unknown[name] = text;
    else known[found[0]] = typed(found[1], text);
  }
  return { driver, known: known as KnownOptions<T>, unknown };
}
