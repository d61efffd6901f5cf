// SPDX-License-Identifier: GPL-2.0-or-later
// A private etcd for a test: Debian's etcd-server, started on 127.0.0.1 of
// the test run's own network namespace, or on an address inside a namespace
// the test made (nothing listens outside them), with a temporary data
// directory; stopped (and restartable, same data) by the test.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import type { Netns } from '../../lib/kernel/binding';
import { tcpConnect } from '../../lib/kernel/exec';

export interface TestEtcd {
  /** `http://ADDRESS:PORT` */
  readonly endpoint: string;
  /** SIGKILLs it (the data stays). */
  kill(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and removes its data. */
  stop(): Promise<void>;
}

function reachable(port: number, inside?: { readonly netns: Netns; readonly address: string }): Promise<boolean> {
  if (inside) {
    return tcpConnect(inside.netns, inside.address, port, { timeoutMs: 500 }).then(
      (sock) => {
        sock.destroy();
        return true;
      },
      () => false,
    );
  }
  return new Promise((resolve) => {
    const sock = createConnection({ host: '127.0.0.1', port }, () => {
      sock.destroy();
      resolve(true);
    });
    sock.on('error', () => resolve(false));
  });
}

/** Whether Debian's etcd is installed (scripts/setup.sh installs it). */
export function etcdInstalled(): boolean {
  return existsSync('/usr/bin/etcd');
}

/** Starts etcd on 127.0.0.1 here, or on `inside.address` inside `inside.netns`. */
export async function startEtcd(inside?: { readonly netns: Netns; readonly address: string }): Promise<TestEtcd> {
  const dir = mkdtempSync('/run/cnm-test-etcd-');
  const client = 20_000 + Math.floor(Math.random() * 20_000);
  const peer = client + 1;
  const host = inside?.address ?? '127.0.0.1';
  let child: ChildProcess | undefined;
  const start = async () => {
    // nsenter execs etcd in place: the child is etcd itself.
    const [cmd, ...pre] = inside ? ['nsenter', `--net=${inside.netns.path}`, 'etcd'] : ['etcd'];
    child = spawn(
      cmd as string,
      [
        ...pre,
        '--name',
        'test',
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
        `test=http://${host}:${peer}`,
        '--log-level',
        'error',
      ],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 20_000;
    while (!(await reachable(client, inside))) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`etcd did not start on ${client}`);
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
  await start();
  return {
    endpoint: `http://${host}:${client}`,
    kill,
    start,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
