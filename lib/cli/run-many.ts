// SPDX-License-Identifier: GPL-2.0-or-later
/** Commands that take several names carry on past a failed one, as Docker's do. */

/** A mistake in how the command was called (exit code 2), not in what it asked for. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The errors of a multi-target command, each already printed; exit code 1. */
export class PartialFailure extends Error {
  override readonly name = 'PartialFailure';
}

/**
 * Runs `fn` for every name in order; a failure is printed on stderr and the
 * rest still run. Then `report` gets the results of those that worked, and
 * if any failed a {@link PartialFailure} is thrown (exit code 1).
 *
 * @example
 * ```ts
 * await eachTarget(['a', 'b'], (name) => ctl.network(name).delete().then(() => name), (names) => console.log(names.join('\n')))
 * ```
 */
export async function eachTarget<T>(
  names: readonly string[],
  fn: (name: string) => Promise<T>,
  report: (results: T[]) => void | Promise<void>,
): Promise<void> {
  const done: T[] = [];
  let failed = 0;
  for (const name of names) {
    try {
      done.push(await fn(name));
    } catch (error) {
      failed++;
      process.stderr.write(`${errorLine(error)}\n`);
    }
  }
  await report(done);
  if (failed > 0) throw new PartialFailure(`${failed} of ${names.length} failed`);
}

/**
 * The one line an error is reported as: `Error CODE: message`.
 *
 * @example
 * ```ts
 * errorLine(new CnmError('CNM_NETWORK_NOT_FOUND', 'network "x" not found')) // 'Error CNM_NETWORK_NOT_FOUND: network "x" not found'
 * ```
 */
export function errorLine(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(error);
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (!code) return `Error: ${message}`;
  return message.startsWith(`${code}:`) ? `Error ${message}` : `Error ${code}: ${message}`;
}
