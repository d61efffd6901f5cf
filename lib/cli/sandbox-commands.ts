// SPDX-License-Identifier: GPL-2.0-or-later
/** `cnm sandbox …` and `cnm exec`: the network half of a container. */
import { Command } from 'commander';
import type { NetworkController } from '../cnm/controller';
import type { Sandbox } from '../cnm/sandbox';
import { runInherited } from './child';
import { inspectSandbox } from './docker-json';
import { headerContext, SANDBOX_HEADERS, sandboxInspectView, sandboxRow } from './format/docker-views';
import { checkInspectFormat, listFormat, renderInspect, renderList } from './formatted';
import { keyValues } from './ipam-flags';
import { printInspect, printJson, printNames, shortId, writeInspect } from './output';
import { eachTarget, errorLine, PartialFailure, UsageError } from './run-many';
import { globals, withController, withGlobalFlags } from './session';

/** `cnm sandbox ls`'s default table. */
export const SANDBOX_TABLE = 'table {{.ID}}\t{{.Name}}\t{{.Networks}}\t{{.Netns}}';

/** `cnm sandbox` and its verbs. */
export function sandboxCommand(): Command {
  const sandbox = withGlobalFlags(new Command('sandbox')).description(
    'manage sandboxes (network namespaces with endpoints)',
  );
  sandbox.addCommand(
    withGlobalFlags(new Command('create'))
      .description('create a sandbox (a new namespace, or adopt one); prints its id')
      .argument('<name>')
      .option('--netns <path>', 'adopt this namespace file (left in place on rm)')
      .option('--pid <pid>', "adopt this process's namespace (left in place on rm)")
      .option(
        '--sysctl <name=value>',
        'a network sysctl for the namespace, as docker run --sysctl (repeatable; beside Docker’s defaults)',
        (value: string, previous: string[]) => [...previous, value],
        [],
      )
      .option('--no-default-sysctls', 'leave out Docker’s defaults (unprivileged ports from 0, ping for every group)')
      .action(async (name: string, o, cmd: Command) => {
        const g = globals(cmd);
        if (o.netns !== undefined && o.pid !== undefined) throw new UsageError('give --netns or --pid, not both');
        const sysctls = keyValues(o.sysctl, '--sysctl');
        const pid = o.pid === undefined ? undefined : Number(o.pid);
        if (pid !== undefined && !(Number.isInteger(pid) && pid > 0)) {
          throw new UsageError(`--pid ${o.pid}: not a process id`);
        }
        await withController(g, async (ctl) => {
          const sb = await ctl.createSandbox({
            name,
            ...(o.netns !== undefined ? { netnsPath: o.netns } : {}),
            ...(pid !== undefined ? { pid } : {}),
            ...(Object.keys(sysctls).length > 0 ? { sysctls } : {}),
            ...(o.defaultSysctls === false ? { defaultSysctls: false } : {}),
          });
          if (g.json) printInspect(sandboxInspectView(inspectSandbox(ctl, sb)));
          else console.log(sb.id);
        });
      }),
  );
  sandbox.addCommand(
    withGlobalFlags(new Command('ls'))
      .alias('list')
      .description('list sandboxes, oldest first')
      .option('-q, --quiet', 'only ids')
      .option('--no-trunc', 'full ids')
      .option('--format <format>', "table (default), json, 'table TEMPLATE' or a Go template (docs/cli.md)")
      .action(async (o, cmd: Command) => {
        const g = globals(cmd);
        const format = listFormat(o, SANDBOX_TABLE, headerContext(SANDBOX_HEADERS));
        await withController(g, async (ctl) => {
          const docs = ctl.sandboxes().map((sb) => inspectSandbox(ctl, sb));
          if (g.json) {
            if (o.quiet) printJson(docs.map((d) => (o.trunc ? shortId(d.Id) : d.Id)));
            else process.stdout.write(renderInspect(undefined, docs.map(sandboxInspectView)));
            return;
          }
          process.stdout.write(
            renderList(
              format,
              docs.map((d) => sandboxRow(d, o.trunc)),
            ),
          );
        });
      }),
  );
  sandbox.addCommand(
    withGlobalFlags(new Command('inspect'))
      .description('show sandboxes as docker inspect shows a container’s networking')
      .argument('<sandbox...>')
      .option('-f, --format <format>', 'json (one line) or a Go template run over each sandbox (docs/cli.md)')
      .action(async (names: string[], o, cmd: Command) => {
        checkInspectFormat(o.format);
        await withController(globals(cmd), async (ctl) => {
          await eachTarget(
            names,
            async (name) => sandboxInspectView(inspectSandbox(ctl, ctl.sandbox(name))),
            (views) => writeInspect(o.format, views),
          );
        });
      }),
  );
  sandbox.addCommand(
    withGlobalFlags(new Command('rm'))
      .alias('remove')
      .description('remove sandboxes: their endpoints leave, namespaces cnm made are deleted')
      .argument('<sandbox...>')
      .action(async (names: string[], _o, cmd: Command) => {
        const g = globals(cmd);
        await withController(g, async (ctl) => {
          // Found first (unknown names reported, repeats once), then deleted together.
          const found = new Map<string, { name: string; sb: Sandbox }>();
          const find = async (name: string) => {
            const sb = ctl.sandbox(name);
            if (!found.has(sb.id)) found.set(sb.id, { name, sb });
          };
          await eachTarget(names, find, async () => {
            const { removed, failed } = await removeAll(ctl, [...found.values()]);
            printNames(removed, g.json);
            if (failed > 0) throw new PartialFailure(`${failed} sandbox(es) could not be removed`);
          });
        });
      }),
  );
  return sandbox;
}

/** `cnm exec SANDBOX -- COMMAND [ARGS...]`. */
export function execCommand(): Command {
  return withGlobalFlags(new Command('exec'))
    .description("run a command in a sandbox's network namespace; exits with its code")
    .argument('<sandbox>')
    .argument('<command...>')
    .passThroughOptions()
    .action(async (name: string, command: string[], _o, cmd: Command) => {
      const path = await withController(globals(cmd), async (ctl) => ctl.sandbox(name).info().netnsPath);
      // With passThroughOptions commander keeps the `--` that separates the command.
      const argv = command[0] === '--' ? command.slice(1) : command;
      if (argv.length === 0) throw new UsageError('exec: no command given');
      // nsenter switches only the network namespace: files, processes and users stay the caller's.
      process.exitCode = await runInherited('nsenter', [`--net=${path}`, '--', ...argv]);
    });
}

/**
 * Deletes the sandboxes in one go (one wait for all their links); if that
 * fails, each one still there is deleted alone so every failure is named.
 * Resolves with the names that are gone and how many failed (each failure
 * printed).
 */
async function removeAll(
  ctl: NetworkController,
  items: readonly { name: string; sb: Sandbox }[],
): Promise<{ removed: string[]; failed: number }> {
  const exists = (sb: Sandbox) => ctl.sandboxes().some((s) => s.id === sb.id);
  let failed = 0;
  try {
    await ctl.deleteSandboxes(items.map((i) => i.sb));
  } catch {
    for (const { sb } of items.filter((i) => exists(i.sb))) {
      try {
        await sb.delete();
      } catch (error) {
        failed++;
        process.stderr.write(`${errorLine(error)}\n`);
      }
    }
  }
  return { removed: items.filter((i) => !exists(i.sb)).map((i) => i.name), failed };
}
