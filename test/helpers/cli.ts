// SPDX-License-Identifier: GPL-2.0-or-later
// Runs the built `cnm` binary (dist/cli.js) as a user would, against a test
// file's host namespace and a state directory of its own.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const CLI = join(import.meta.dirname, '../../dist/cli.js');

/** What cnm runs on its way to a command (`cnm exec`): not the command itself. */
const PLUMBING = new Set(['node', 'unshare', 'nsenter']);

/** The processes below `pid`, from /proc. */
function descendants(pid: number): number[] {
  let children: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`))
      children = children.concat(
        readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
      );
  } catch {
    return [];
  }
  return children.flatMap((c) => [c, ...descendants(c)]);
}

/** Whether the command cnm was asked to run has started below `pid`. */
function runsCommand(pid: number): boolean {
  return descendants(pid).some((d) => {
    try {
      return !PLUMBING.has(readFileSync(`/proc/${d}/comm`, 'utf8').trim());
    } catch {
      return false;
    }
  });
}

/**
 * Sends `name` to cnm `afterMs` after the command it runs has started: sent
 * any earlier (Node starting slowly under load, or under ASan), it finds cnm
 * without its handlers and Node's default one ends it.
 */
async function signalWhenRunning(child: ReturnType<typeof spawn>, name: NodeJS.Signals, afterMs: number) {
  const deadline = Date.now() + 30_000;
  while (child.pid !== undefined && child.exitCode === null && !runsCommand(child.pid) && Date.now() < deadline)
    await sleep(20);
  await sleep(afterMs);
  child.kill(name);
}

/** `cnm ARGS` with the given environment (bounded to `timeoutMs`), stdin from `input`. */
export function cli(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  o: {
    readonly input?: string;
    readonly timeoutMs?: number;
    /** Signals sent to cnm, each a delay after the command it runs has started (to check what it does with them). */
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
    for (const { name, afterMs } of o.signals ?? []) void signalWhenRunning(child, name, afterMs);
    child.on('error', reject);
    child.on('close', (code, signal) =>
      code === null
        ? reject(new Error(`cnm ${args.join(' ')}: ended by ${signal}`))
        : resolve({ code, stdout, stderr }),
    );
    child.stdin.end(o.input ?? '');
  });
}
