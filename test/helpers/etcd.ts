// SPDX-License-Identifier: GPL-2.0-or-later
// A private etcd for a test: Debian's etcd-server, started on 127.0.0.1 of
// the test run's own network namespace (nothing listens outside it), with a
// temporary data directory; stopped (and restartable, same data) by the test.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';

export interface TestEtcd {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  /** SIGKILLs it (the data stays). */
  kill(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and removes its data. */
  stop(): Promise<void>;
}

function reachable(port: number): Promise<boolean> {
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

export async function startEtcd(): Promise<TestEtcd> {
  const dir = mkdtempSync('/run/cnm-test-etcd-');
  const client = 20_000 + Math.floor(Math.random() * 20_000);
  const peer = client + 1;
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(
      'etcd',
      [
        '--name',
        'test',
        '--data-dir',
        dir,
        '--listen-client-urls',
        `http://127.0.0.1:${client}`,
        '--advertise-client-urls',
        `http://127.0.0.1:${client}`,
        '--listen-peer-urls',
        `http://127.0.0.1:${peer}`,
        '--initial-advertise-peer-urls',
        `http://127.0.0.1:${peer}`,
        '--initial-cluster',
        `test=http://127.0.0.1:${peer}`,
        '--log-level',
        'error',
      ],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 20_000;
    while (!(await reachable(client))) {
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
    endpoint: `http://127.0.0.1:${client}`,
    kill,
    start,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
