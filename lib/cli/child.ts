// SPDX-License-Identifier: GPL-2.0-or-later
/** A child process that shares the terminal, and its exit status as a shell reports it. */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

/**
 * Runs `command` with this process's stdin, stdout and stderr; resolves with
 * its exit code, or 128 + the signal number if a signal ended it.
 *
 * @example
 * ```ts
 * process.exitCode = await runInherited('nsenter', ['--net=/run/cnm/netns/ab12', '--', 'ip', 'addr'])
 * ```
 */
export function runInherited(command: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', ...(env ? { env } : {}) });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)));
  });
}
