// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * What every command shares: the global flags, opening the controller they
 * name, and `--debug`'s log of kernel transactions.
 */
import { type Command, Option } from 'commander';
import { NetworkController } from '../cnm/controller';
import { CnmError } from '../errors';
import { type KernelTraceEvent, setKernelTrace } from '../kernel/trace';

/** The flags every command takes. */
export interface GlobalOptions {
  readonly stateDir?: string;
  readonly hostNetns?: string;
  readonly netnsDir?: string;
  readonly json?: boolean;
  readonly debug?: boolean;
  /** false with `--no-default-bridge` (else the library's default: `CNM_DEFAULT_BRIDGE`, or on). */
  readonly defaultBridge?: boolean;
  /** `--cluster-store etcd://HOST:PORT[,...]`: where global-scope networks live. */
  readonly clusterStore?: string;
  /** `--advertise-addr IP`: this host's underlay address. */
  readonly advertiseAddr?: string;
}

/** The heading the global flags are listed under in every command's help. */
export const GLOBAL_OPTIONS = 'Global options:';

/**
 * Adds the global flags to a command, so they work before or after the verb
 * (`cnm --json network ls` and `cnm network ls --json`).
 */
export function withGlobalFlags(cmd: Command): Command {
  const flags = [
    new Option('--state-dir <dir>', 'where the store lives (default /var/lib/cnm)').env('CNM_STATE_DIR'),
    new Option('--host-netns <path>', "the host network namespace (default: this process's)").env('CNM_HOST_NETNS'),
    new Option('--netns-dir <dir>', 'where sandbox namespaces are made (default /run/cnm/netns)').env('CNM_NETNS_DIR'),
    new Option('--json', 'print JSON'),
    new Option('--debug', 'log every netlink and nftables transaction on stderr'),
    new Option(
      '--no-default-bridge',
      'do not make the predefined bridge network in a new store (also CNM_DEFAULT_BRIDGE=0)',
    ),
    new Option(
      '--cluster-store <url>',
      'the cluster store for global-scope networks, etcd://HOST:PORT[,HOST:PORT...]',
    ).env('CNM_CLUSTER_STORE'),
    new Option('--advertise-addr <ip>', "this host's underlay address (its VTEP)").env('CNM_ADVERTISE_ADDR'),
  ];
  for (const flag of flags) cmd.addOption(flag.helpGroup(GLOBAL_OPTIONS));
  return cmd;
}

/**
 * The global flags as a command sees them, wherever they were given: a flag
 * on the command line wins (the one nearest the verb first), then the
 * environment. (Commander's optsWithGlobals lets the root's environment
 * value override a flag given after the verb.)
 */
export function globals(cmd: Command): GlobalOptions {
  const chain = lineage(cmd);
  const out: Record<string, unknown> = {};
  for (const key of [
    'stateDir',
    'hostNetns',
    'netnsDir',
    'json',
    'debug',
    'defaultBridge',
    'clusterStore',
    'advertiseAddr',
  ]) {
    for (const source of ['cli', 'env']) {
      const from = chain.find((c) => c.getOptionValueSource(key) === source);
      if (from) {
        out[key] = from.getOptionValue(key);
        break;
      }
    }
  }
  return out as GlobalOptions;
}

/** Whether a global flag was written on the command line (not taken from the environment). */
export function givenOnCommandLine(cmd: Command, key: keyof GlobalOptions): boolean {
  return lineage(cmd).some((c) => c.getOptionValueSource(key) === 'cli');
}

// The command and its parents, nearest first.
function lineage(cmd: Command): Command[] {
  const chain: Command[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) chain.push(c);
  return chain;
}

/**
 * Opens the controller the flags name, runs `fn`, and closes it.
 *
 * @example
 * ```ts
 * await withController(globals(cmd), async (ctl) => console.log(ctl.networks().length))
 * ```
 */
export async function withController<T>(g: GlobalOptions, fn: (ctl: NetworkController) => Promise<T>): Promise<T> {
  if (g.debug) setKernelTrace(logTransaction);
  if (g.advertiseAddr && !g.clusterStore) {
    // As Docker refuses --cluster-advertise alone: an underlay address means nothing without a cluster.
    throw new CnmError('CNM_INVALID_CONFIG', '--advertise-addr (CNM_ADVERTISE_ADDR) needs --cluster-store');
  }
  const ctl = await NetworkController.open({
    ...(g.stateDir ? { stateDir: g.stateDir } : {}),
    ...(g.hostNetns ? { hostNetns: g.hostNetns } : {}),
    ...(g.netnsDir ? { netnsDir: g.netnsDir } : {}),
    ...(g.defaultBridge === false ? { defaultBridge: false } : {}),
    ...(g.clusterStore
      ? { cluster: { store: g.clusterStore, ...(g.advertiseAddr ? { advertiseAddress: g.advertiseAddr } : {}) } }
      : {}),
  });
  try {
    return await fn(ctl);
  } finally {
    await ctl.close();
  }
}

/** `--debug`'s line per transaction, then its ops indented. */
export function logTransaction(e: KernelTraceEvent): void {
  const outcome = e.error ? `failed ${e.error}` : 'ok';
  const lines = [`[${e.family} ${e.netns}] ${e.ops.length} op(s) ${e.ms.toFixed(2)} ms ${outcome}`];
  for (const op of e.ops) lines.push(`  ${op}`);
  process.stderr.write(`${lines.join('\n')}\n`);
}
