// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Runs this command again inside a throwaway network and mount namespace,
 * with a tmpfs over /run: what it creates (links, nft tables, namespaces,
 * state) disappears with it, even if it crashes. `cnm demo` uses it. Node
 * cannot unshare itself (it has many threads), so it re-executes under
 * `unshare`.
 */
import { netnsCurrent } from '../kernel/netns';
import { rtnl } from '../kernel/rtnl';
import { runInherited } from './child';

const INSIDE = 'CNM_IN_PRIVATE_NETNS';

/** Whether this process is the re-executed one. @example `if (!insidePrivateNamespace()) return rerun(argv)` */
export function insidePrivateNamespace(): boolean {
  return process.env[INSIDE] === '1';
}

/**
 * Runs `cnm ARGS` again inside a private network and mount namespace and
 * resolves with its exit code. Root only.
 *
 * @example
 * ```ts
 * process.exitCode = await rerunInPrivateNamespace(['demo', '--json'])
 * ```
 */
export function rerunInPrivateNamespace(args: readonly string[]): Promise<number> {
  const script = process.argv[1] ?? '';
  const env: NodeJS.ProcessEnv = { ...process.env, [INSIDE]: '1' };
  // Inside, the host namespace and the state are the throwaway ones.
  delete env.CNM_HOST_NETNS;
  delete env.CNM_STATE_DIR;
  delete env.CNM_NETNS_DIR;
  const setup = 'mount -t tmpfs -o mode=0755 cnm-private /run && mkdir -p /run/cnm && exec "$@"';
  return runInherited(
    'unshare',
    ['--net', '--mount', '--propagation', 'private', '--', 'sh', '-c', setup, 'cnm'].concat(
      process.execPath,
      process.execArgv,
      script,
      args,
    ),
    env,
  );
}

/** Brings up `lo` in this (fresh) namespace: localhost traffic needs it. @example `await loopbackUp()` */
export async function loopbackUp(): Promise<void> {
  const ns = await netnsCurrent();
  try {
    await rtnl(ns).linkSet({ dev: 'lo', up: true });
  } finally {
    ns.close();
  }
}
