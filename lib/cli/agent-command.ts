// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * `cnm agent`: the per-host process of a cluster. Runs until SIGTERM or
 * SIGINT, then withdraws the host and exits 0; logs one JSON object per
 * event on stderr (for journald and log shippers).
 */
import { Command } from 'commander';
import type { AgentEvent } from '../cnm/agent';
import { UsageError } from './run-many';
import { globals, withController, withGlobalFlags } from './session';

/** `cnm agent [--ttl SECONDS]` (with `--cluster-store` and `--advertise-addr`). */
export function agentCommand(): Command {
  return withGlobalFlags(new Command('agent'))
    .description('keep this host in the cluster (a lease in the cluster store) until SIGTERM, which withdraws it')
    .option('--ttl <seconds>', 'seconds after the agent stops answering that the other hosts drop this one', '15')
    .action(async (o, cmd: Command) => {
      const ttlSeconds = Number(o.ttl);
      if (!Number.isInteger(ttlSeconds) || ttlSeconds < 2 || ttlSeconds > 3600) {
        throw new UsageError('--ttl: a whole number of seconds from 2 to 3600');
      }
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
      try {
        await withController(globals(cmd), (ctl) =>
          ctl.runAgent({
            ttlSeconds,
            signal: stop.signal,
            log: (e: AgentEvent) => process.stderr.write(`${JSON.stringify(e)}\n`),
          }),
        );
      } finally {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      }
    });
}
