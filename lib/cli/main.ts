#!/usr/bin/env node
// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The `cnm` command: `docker network`'s verbs over the CNM model, sandboxes,
 * exec, recover, the demo and the benchmarks. Exit codes: 0 success, 1 an
 * error (one line on stderr naming its code), 2 a usage error.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, type Option } from 'commander';
import { runBench } from '../../bench/main';
import { installPeers } from '../../bench/peers/install';
import { packageRoot } from '../kernel/binding';
import { netnsCurrent, netnsOpen } from '../kernel/netns';
import { rtnl } from '../kernel/rtnl';
import { demoCommand } from './demo/command';
import { networkCommand } from './network-commands';
import { printJson } from './output';
import { insidePrivateNamespace, loopbackUp, rerunInPrivateNamespace } from './private-namespace';
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
  cnm.addCommand(benchCommand());
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
        const repaired = await ctl.recover();
        if (g.json) printJson(repaired);
        else console.log(repaired.length > 0 ? repaired.join('\n') : 'nothing to repair');
      });
    });
}

function benchCommand(): Command {
  return withGlobalFlags(new Command('bench'))
    .description('the benchmarks (as npm run bench), in a throwaway namespace: attach | nft | publish [flags]')
    .argument('[args...]', 'the benchmark and its flags; cnm bench --help lists them')
    .helpOption(false)
    .allowUnknownOption()
    .passThroughOptions()
    .action(async (args: string[], _o, cmd: Command) => {
      // --json given before the benchmark's name is the benchmark's too.
      const argv = globals(cmd).json && !args.includes('--json') ? [...args, '--json'] : args;
      if (!insidePrivateNamespace()) {
        // apt reaches its mirrors from the machine's own namespace only.
        if ((argv[0] === 'peers' || argv[0] === 'peers-publish') && !argv.includes('--no-install')) {
          await installPeers((line) => process.stderr.write(`${line}\n`));
        }
        process.exitCode = await rerunInPrivateNamespace(['bench', ...argv]);
        return;
      }
      await loopbackUp();
      await runBench(argv);
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
    if (error instanceof UsageError || isArgumentError(error)) {
      process.stderr.write(`error: ${error.message}\n`);
      return 2;
    }
    if (!(error instanceof PartialFailure)) process.stderr.write(`${errorLine(error)}\n`);
    return 1;
  }
}

// node:util parseArgs (the benchmarks' flags) reports bad flags with these codes.
function isArgumentError(error: unknown): error is Error {
  const code = (error as { code?: unknown }).code;
  return error instanceof Error && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
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
