// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * `docker network ls --filter` as Docker's daemon applies it. Keys:
 * `driver` (exact), `id` and `name` (exact, or a regular expression found
 * anywhere: `name=^web$`), `label` (`key` or `key=value`), `scope`,
 * `type` (`custom` or `builtin`) and `dangling` (`true`/`1` or
 * `false`/`0`). Values of one key OR together, except `label`, whose values
 * must all match (as Docker's); different keys AND together. Bad keys and
 * values are usage errors, worded as Docker's.
 */
import { PREDEFINED_NETWORKS as PREDEFINED, RESERVED_NETWORK_NAMES } from '../drivers/registry';
import { UsageError } from './run-many';

/**
 * The names Docker's engine predefines on Linux — the registry's predefined
 * networks, and `default` (Docker's other name for its default network):
 * `type=builtin` matches these, `prune` never removes them.
 */
export const PREDEFINED_NETWORKS: ReadonlySet<string> = new Set([
  ...PREDEFINED.map((n) => n.name),
  ...RESERVED_NETWORK_NAMES,
]);

/** What a filter looks at in one network. */
export interface FilterableNetwork {
  readonly id: string;
  readonly name: string;
  readonly driver: string;
  readonly scope: string;
  readonly labels: Readonly<Record<string, string>>;
  /** How many endpoints it has (joined or not). */
  readonly endpoints: number;
}

const KEYS = new Set(['driver', 'id', 'label', 'name', 'scope', 'type', 'dangling']);

/**
 * Parses `--filter` values into a predicate; throws a {@link UsageError} for
 * a bad one.
 *
 * @example
 * ```ts
 * const keep = networkFilter(['type=custom', 'dangling=true'])
 * keep({ id: 'f00', name: 'web', driver: 'bridge', scope: 'local', labels: {}, endpoints: 0 }) // true
 * ```
 */
export function networkFilter(filters: readonly string[]): (n: FilterableNetwork) => boolean {
  const byKey = new Map<string, Set<string>>();
  for (const f of filters) {
    if (f === '') continue;
    const at = f.indexOf('=');
    if (at < 0) throw new UsageError('bad format of filter (expected name=value)');
    const key = f.slice(0, at).trim().toLowerCase();
    if (!KEYS.has(key)) throw new UsageError(`invalid filter '${key}'`);
    byKey.set(key, (byKey.get(key) ?? new Set()).add(f.slice(at + 1).trim()));
  }
  const values = (key: string) => [...(byKey.get(key) ?? [])];
  for (const t of values('type')) {
    if (t !== 'custom' && t !== 'builtin') throw new UsageError(`invalid filter: 'type'='${t}'`);
  }
  const dangling = values('dangling');
  if (dangling.length > 1) throw new UsageError('got more than one value for filter key "dangling"');
  const danglingOnly = dangling[0] === undefined ? undefined : parseDangling(dangling[0]);
  const tests: [string, (n: FilterableNetwork, want: string) => boolean][] = [
    ['driver', (n, want) => n.driver === want],
    ['name', (n, want) => matches(want, n.name)],
    ['id', (n, want) => matches(want, n.id)],
    ['scope', (n, want) => n.scope === want],
    ['type', (n, want) => PREDEFINED_NETWORKS.has(n.name) === (want === 'builtin')],
  ];
  return (n) => {
    for (const [key, test] of tests) {
      const wants = values(key);
      if (wants.length > 0 && !wants.some((w) => test(n, w))) return false;
    }
    if (!values('label').every((want) => hasLabel(n.labels, want))) return false;
    if (danglingOnly !== undefined) {
      const unused = !PREDEFINED_NETWORKS.has(n.name) && n.endpoints === 0;
      if (unused !== danglingOnly) return false;
    }
    return true;
  };
}

function parseDangling(value: string): boolean {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new UsageError(`invalid value for filter 'dangling', must be "true" (or "1"), or "false" (or "0")`);
}

// Docker's Match: the value exactly, or as a regular expression found anywhere (a bad one matches nothing).
function matches(pattern: string, value: string): boolean {
  if (pattern === value) return true;
  // Go's (?i) prefix is a flag in JavaScript.
  const insensitive = pattern.startsWith('(?i)');
  try {
    return new RegExp(insensitive ? pattern.slice(4) : pattern, insensitive ? 'iu' : 'u').test(value);
  } catch {
    return false;
  }
}

function hasLabel(labels: Readonly<Record<string, string>>, want: string): boolean {
  const at = want.indexOf('=');
  const key = at < 0 ? want : want.slice(0, at);
  if (!Object.hasOwn(labels, key)) return false;
  return at < 0 || labels[key] === want.slice(at + 1);
}
