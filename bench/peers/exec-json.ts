// SPDX-License-Identifier: GPL-2.0-or-later
// Runs a peer's binary as a runtime does: environment, JSON on stdin, JSON
// (or an error) on stdout.
import { spawn } from 'node:child_process';

/** Runs `command` with `input` on stdin; resolves with stdout, rejects with what it said on failure. */
export function execJson(
  command: string,
  args: readonly string[],
  input: string,
  env: Readonly<Record<string, string>> = {},
  timeoutMs = 120_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
      timeout: timeoutMs,
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`${command} ${args.join(' ')}: exit ${code}: ${(out + err).trim()}`)),
    );
    child.stdin.end(input);
  });
}
