// SPDX-License-Identifier: GPL-2.0-or-later
/** `cnm demo`: cnm's main job in one command, in a throwaway namespace. */
import { mkdtemp, rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import { NetworkController } from '../../cnm/controller';
import { CnmError } from '../../errors';
import { setKernelTrace } from '../../kernel/trace';
import { printJson, progress } from '../output';
import { insidePrivateNamespace, loopbackUp, rerunInPrivateNamespace } from '../private-namespace';
import { UsageError } from '../run-many';
import { givenOnCommandLine, globals, logTransaction, withGlobalFlags } from '../session';
import { runChecks } from './checks';
import { macvlanCheck } from './macvlan-check';
import { overlayCheck } from './overlay-check';
import { type DemoReport, renderReport } from './report';
import { measureScale } from './scale';

/** `cnm demo [--sandboxes N] [--json]`. */
export function demoCommand(): Command {
  return withGlobalFlags(new Command('demo'))
    .description('show cnm working, with real traffic and timings, in a throwaway namespace')
    .option('--sandboxes <n>', 'how many sandboxes to attach and tear down for the timings', '200')
    .action(async (o, cmd: Command) => {
      const g = globals(cmd);
      const n = Number(o.sandboxes);
      if (!Number.isInteger(n) || n < 0 || n > 1000) throw new UsageError('--sandboxes: an integer from 0 to 1000');
      for (const key of ['stateDir', 'hostNetns', 'netnsDir'] as const) {
        if (givenOnCommandLine(cmd, key)) {
          throw new UsageError(
            'the demo makes its own namespace and state: --state-dir, --host-netns and --netns-dir do not apply',
          );
        }
      }
      if (!insidePrivateNamespace()) {
        process.exitCode = await rerunInPrivateNamespace(process.argv.slice(2));
        return;
      }
      if (g.debug) setKernelTrace(logTransaction);
      const report = await runDemo(n);
      if (g.json) printJson(report);
      else console.log(renderReport(report));
      const failed = report.checks.filter((c) => !c.ok);
      if (failed.length > 0) {
        throw new CnmError('CNM_CHECK_FAILED', `demo: ${failed.map((c) => c.name).join('; ')}`);
      }
    });
}

/** Runs the checks and the timings with a state directory of its own (on the private /run). */
async function runDemo(n: number): Promise<DemoReport> {
  const t0 = performance.now();
  await loopbackUp();
  const stateDir = await mkdtemp('/run/cnm/demo-state-');
  try {
    const ctl = await NetworkController.open({ stateDir, netnsDir: '/run/cnm/demo-netns' });
    try {
      const checks = [...(await runChecks(ctl)), await macvlanCheck(ctl), await overlayCheck(ctl)];
      if (n === 0) return { ok: checks.every((c) => c.ok), checks, totalMs: performance.now() - t0 };
      const bar = progress(`attaching ${n} sandboxes`, n);
      const scale = await measureScale(ctl, n, (k) => bar.tick(k)).finally(() => bar.done());
      return {
        ok: checks.every((c) => c.ok),
        checks,
        scale,
        attachSpeedup: scale.ipBatch.attachMs / scale.cnm.attachMs,
        totalMs: performance.now() - t0,
      };
    } finally {
      await ctl.close();
    }
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}
