// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * A private etcd for the demo, the benchmark and the tests: Debian's
 * etcd-server started on 127.0.0.1 of this process's network namespace, or
 * on an address inside a namespace given (nothing listens outside them),
 * with a temporary data directory under /run; SIGKILLed, restarted on the
 * same data, or stopped and its data removed by its caller.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { CnmError } from '../errors';
import type { Netns } from '../kernel/binding';
import { tcpConnect } from '../kernel/exec';

/**
 * The etcd binary: `CNM_ETCD` if set, else `etcd` on the PATH (Debian's
 * etcd-server puts it in /usr/bin; scripts/setup.sh installs it). Undefined
 * when there is none.
 */
export function etcdBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CNM_ETCD !== undefined) return existsSync(env.CNM_ETCD) ? env.CNM_ETCD : undefined;
  return (env.PATH ?? '')
    .split(':')
    .filter(Boolean)
    .map((dir) => join(dir, 'etcd'))
    .find((p) => existsSync(p));
}

/** A running private etcd. */
export interface PrivateEtcd {
  /** `http://ADDRESS:PORT` */
  readonly endpoint: string;
  /** SIGKILLs it (the data stays). */
  kill(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and removes its data. */
  stop(): Promise<void>;
}

/** Whether etcd is installed. @example `if (!etcdInstalled()) console.log('apt-get install etcd-server')` */
export function etcdInstalled(): boolean {
  return etcdBinary() !== undefined;
}

function reachable(host: string, port: number, netns?: Netns): Promise<boolean> {
  if (netns) {
    return tcpConnect(netns, host, port, { timeoutMs: 500 }).then(
      (sock) => {
        sock.destroy();
        return true;
      },
      () => false,
    );
  }
  return new Promise((resolve) => {
    const sock = createConnection({ host, port }, () => {
      sock.destroy();
      resolve(true);
    });
    sock.on('error', () => resolve(false));
  });
}

/**
 * Starts etcd on 127.0.0.1 here, or on `inside.address` inside
 * `inside.netns`, on a random port; resolves once it accepts connections.
 *
 * @example
 * ```ts
 * const etcd = await startPrivateEtcd()
 * const ctl = await NetworkController.open({ cluster: { store: `etcd://${etcd.endpoint.slice(7)}`, advertiseAddress } })
 * await etcd.stop()
 * ```
 */
export async function startPrivateEtcd(inside?: {
  readonly netns: Netns;
  readonly address: string;
}): Promise<PrivateEtcd> {
  const binary = etcdBinary();
  if (!binary) {
    throw new CnmError(
      'CNM_NOT_SUPPORTED',
      'etcd is not installed (no etcd on the PATH, nor CNM_ETCD): apt-get install etcd-server',
    );
  }
  const dir = mkdtempSync('/run/cnm-etcd-');
  const client = 20_000 + Math.floor(Math.random() * 20_000);
  const peer = client + 1;
  const host = inside?.address ?? '127.0.0.1';
  let child: ChildProcess | undefined;
  // However this process ends (an uncaught error included), etcd does not outlive it.
  const orphaned = () => child?.kill('SIGKILL');
  process.once('exit', orphaned);
  const start = async () => {
    // nsenter execs etcd in place: the child is etcd itself.
    const [cmd, ...pre] = inside ? ['nsenter', `--net=${inside.netns.path}`, binary] : [binary];
    child = spawn(
      cmd as string,
      [
        ...pre,
        '--name',
        'private',
        '--data-dir',
        dir,
        '--listen-client-urls',
        `http://${host}:${client}`,
        '--advertise-client-urls',
        `http://${host}:${client}`,
        '--listen-peer-urls',
        `http://${host}:${peer}`,
        '--initial-advertise-peer-urls',
        `http://${host}:${peer}`,
        '--initial-cluster',
        `private=http://${host}:${peer}`,
        '--log-level',
        'error',
      ],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 20_000;
    while (!(await reachable(host, client, inside?.netns))) {
      if (Date.now() > deadline || child.exitCode !== null) {
        throw new CnmError('CNM_STORE_UNAVAILABLE', `the private etcd did not start on ${host}:${client}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const kill = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  try {
    await start();
  } catch (error) {
    await kill();
    process.removeListener('exit', orphaned);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    endpoint: `http://${host}:${client}`,
    kill,
    start,
    async stop() {
      await kill();
      process.removeListener('exit', orphaned);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
