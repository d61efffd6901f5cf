// SPDX-License-Identifier: GPL-2.0-or-later
/** A child process that shares the terminal, and its exit status as a shell reports it. */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

/**
 * Runs `command` with this process's stdin, stdout and stderr; resolves with
 * its exit code, or 128 + the signal number if a signal ended it. While it
 * runs, Ctrl-C and Ctrl-\\ are the child's to handle (the terminal sends
 * them to both), and SIGTERM or SIGHUP sent to cnm is passed on to it.
 *
 * @example
 * ```ts
 * process.exitCode = await runInherited('nsenter', ['--net=/run/cnm/netns/ab12', '--', 'ip', 'addr'])
 * ```
 */
export function runInherited(command: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', ...(env ? { env } : {}) });
    const ignore = () => {};
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    const handlers: [NodeJS.Signals, (s: NodeJS.Signals) => void][] = [
      ['SIGINT', ignore],
      ['SIGQUIT', ignore],
      ['SIGTERM', forward],
      ['SIGHUP', forward],
    ];
    for (const [signal, fn] of handlers) process.on(signal, fn);
    const settle = () => {
      for (const [signal, fn] of handlers) process.off(signal, fn);
    };
    child.on('error', (error) => {
      settle();
      reject(error);
    });
    child.on('close', (code, signal) => {
      settle();
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}
