// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Fault injection for crash tests. `CNM_CRASH_AT` names where the process
 * dies by SIGKILL — no cleanup runs, exactly as a crash would leave things:
 *
 * - a named point (`endpoint.join.kernel`), placed between the steps of an
 *   operation, or
 * - `step:N`: right after the N-th step, where a step is a committed store
 *   transaction or a finished kernel transaction. Walking N from 1 to the
 *   number of steps an operation takes kills it in every window it has.
 *
 * `CNM_CRASH_COUNT=1` prints `cnm-steps: N` on stderr at exit, so a test can
 * learn how many steps a command takes. The environment is read once: with
 * neither set, a step costs one `undefined` check.
 */
import { writeSync } from 'node:fs';

const spec = process.env.CNM_CRASH_AT ?? '';
const stepLimit = spec.startsWith('step:') ? Number(spec.slice('step:'.length)) : 0;
const counting = process.env.CNM_CRASH_COUNT === '1';
let steps = 0;

function die(): never {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: SIGKILL did not end the process');
}

/**
 * A named fault-injection point: the process dies here when `CNM_CRASH_AT`
 * names it.
 *
 * @example
 * ```ts
 * crashPoint('endpoint.join.kernel')
 * ```
 */
export function crashPoint(name: string): void {
  if (spec === name) die();
}

/**
 * Called after every store and kernel transaction when step counting is on
 * (`undefined` otherwise, so callers pay one check).
 *
 * @example
 * ```ts
 * crashStep?.()
 * ```
 */
export const crashStep: (() => void) | undefined =
  stepLimit > 0 || counting
    ? () => {
        steps++;
        if (steps === stepLimit) die();
      }
    : undefined;

if (counting) process.on('exit', () => writeSync(2, `cnm-steps: ${steps}\n`));
