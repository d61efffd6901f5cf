// SPDX-License-Identifier: GPL-2.0-or-later
// Runs the built `cnm` binary (dist/cli.js) as a user would, against a test
// file's host namespace and a state directory of its own.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const CLI = join(import.meta.dirname, '../../dist/cli.js');

/** `cnm ARGS` with the given environment (bounded to `timeoutMs`), stdin from `input`. */
export function cli(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  o: {
    readonly input?: string;
    readonly timeoutMs?: number;
    /** Signals sent to cnm after a delay each (to check what it does with them). */
    readonly signals?: readonly { readonly name: NodeJS.Signals; readonly afterMs: number }[];
  } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: o.timeoutMs ?? 60_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    for (const { name, afterMs } of o.signals ?? []) setTimeout(() => child.kill(name), afterMs).unref();
    child.on('error', reject);
    child.on('close', (code, signal) =>
      code === null
        ? reject(new Error(`cnm ${args.join(' ')}: ended by ${signal}`))
        : resolve({ code, stdout, stderr }),
    );
    child.stdin.end(o.input ?? '');
  });
}
