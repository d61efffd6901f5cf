#!/usr/bin/env node
// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The `cnm` command: `docker network`'s verbs over the CNM model, sandboxes,
 * exec, recover and the demo (the benchmarks run from a source checkout:
 * `npm run bench`). Exit codes: 0 success, 1 an error (one line on stderr
 * naming its code), 2 a usage error.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, type Option } from 'commander';
import { TeardownError } from '../errors';
import { packageRoot } from '../kernel/binding';
import { netnsCurrent, netnsOpen } from '../kernel/netns';
import { rtnl } from '../kernel/rtnl';
import { agentCommand } from './agent-command';
import { demoCommand } from './demo/command';
import { networkCommand } from './network-commands';
import { printJson } from './output';
import { errorLine, PartialFailure, UsageError } from './run-many';
import { execCommand, sandboxCommand } from './sandbox-commands';
import { GLOBAL_OPTIONS, globals, withController, withGlobalFlags } from './session';

function program(): Command {
  const version = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).version as string;
  const cnm = new Command('cnm')
    .description("Docker's container networking (CNM) on Linux: networks, sandboxes, endpoints, published ports")
    .version(version, '-v, --version')
    .enablePositionalOptions();
  withGlobalFlags(cnm);
  cnm.addCommand(networkCommand());
  cnm.addCommand(sandboxCommand());
  cnm.addCommand(execCommand());
  cnm.addCommand(recoverCommand());
  cnm.addCommand(demoCommand());
  cnm.addCommand(agentCommand());
  cnm.addCommand(linksCommand());
  everyCommand(cnm, (c) => {
    c.exitOverride().showHelpAfterError('(add -h for help)');
    // A command's own options first in its help, the global ones after.
    (c.options as Option[]).sort((a, b) => Number(isGlobal(a)) - Number(isGlobal(b)));
  });
  return cnm;
}

function isGlobal(option: Option): boolean {
  return option.helpGroupHeading === GLOBAL_OPTIONS;
}

// Usage errors of every command come back to main() as exceptions (exit code 2).
function everyCommand(cmd: Command, fn: (c: Command) => void): void {
  fn(cmd);
  for (const sub of cmd.commands) everyCommand(sub, fn);
}

function recoverCommand(): Command {
  return withGlobalFlags(new Command('recover'))
    .description('reconcile the kernel with the store after a crash; prints what was repaired')
    .action(async (_o, cmd: Command) => {
      const g = globals(cmd);
      await withController(g, async (ctl) => {
        const repaired = await ctl.recover().catch((error: unknown) => {
          // What was repaired is still worth saying before what could not be.
          if (error instanceof TeardownError && !g.json) for (const line of error.report) console.log(line);
          throw error;
        });
        if (g.json) printJson(repaired);
        else console.log(repaired.length > 0 ? repaired.join('\n') : 'nothing to repair');
      });
    });
}

function linksCommand(): Command {
  return new Command('links')
    .description("list a namespace's links as JSON (ip -j link)")
    .option('--netns <path>', 'the namespace (default: this process’s)')
    .action(async (o) => {
      const ns = o.netns ? await netnsOpen(o.netns) : await netnsCurrent();
      try {
        printJson(await rtnl(ns).links());
      } finally {
        ns.close();
      }
    });
}

/** Runs the command line and resolves with the exit code. */
async function main(argv: readonly string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander printed the message (or the help) already; help asked for exits 0.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n`);
      return 2;
    }
    if (!(error instanceof PartialFailure)) process.stderr.write(`${errorLine(error)}\n`);
    return 1;
  }
}

// Resolves once everything written so far has reached the pipe or file.
function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}

const code = await main(process.argv.slice(2));
// Exit explicitly (an open handle must not keep a finished command alive), but
// only after stdout and stderr are flushed: a pipe takes 64 KiB at a time.
await Promise.all([drained(process.stdout), drained(process.stderr)]);
process.exit(code);
