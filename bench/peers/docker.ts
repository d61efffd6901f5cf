// SPDX-License-Identifier: GPL-2.0-or-later
// Docker (Debian's docker.io) as its users drive it: a daemon started for
// the run inside the benchmark's private namespace, containers made
// beforehand on the `none` network (the "namespaces made beforehand" of
// this row, timed as such), then `docker network connect` and
// `docker network disconnect` per container through the docker CLI.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { GATEWAY, type PeerSystem, SUBNET } from './system';

const execFileP = promisify(execFile);
const DOCKERD = '/usr/sbin/dockerd';
const BUSYBOX = '/bin/busybox';
// overlay2 wants a disk filesystem under its data root, not the tmpfs /run:
// a fresh private folder under /var/tmp each run (mkdtemp, mode 0700), never a
// fixed name there, which another local user could plant for root to use.
const ROOT_PREFIX = '/var/tmp/cnm-bench-docker-';
const EXEC_ROOT = '/run/cnm/docker-exec';
// Debian's client, of the daemon's own version, before any other on PATH.
const CLIENT = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';

function docker(env: NodeJS.ProcessEnv, args: readonly string[]): Promise<string> {
  return execFileP(CLIENT, [...args], { env, timeout: 120_000 }).then((r) => r.stdout);
}

async function untilUp(env: NodeJS.ProcessEnv, daemon: ChildProcess, said: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (daemon.exitCode !== null) throw new Error(`dockerd exited with ${daemon.exitCode}: ${said()}`);
    if (
      await docker(env, ['version']).then(
        () => true,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`dockerd did not answer within 60 s: ${said()}`);
}

// dockerd runs in a process group of its own, with the containerd, shims and containers it started.
async function stop(daemon: ChildProcess): Promise<void> {
  const group = -(daemon.pid ?? 0);
  if (daemon.exitCode === null) {
    const gone = new Promise((r) => daemon.once('exit', r));
    process.kill(group, 'SIGTERM');
    const timer = setTimeout(() => process.kill(group, 'SIGKILL'), 30_000);
    await gone;
    clearTimeout(timer);
  }
  try {
    process.kill(group, 'SIGKILL');
  } catch {
    // The whole group is gone already.
  }
}

// An image with busybox only: enough to keep a container running with `sleep`.
async function importImage(env: NodeJS.ProcessEnv, root: string): Promise<void> {
  const rootfs = `${root}/rootfs`;
  await mkdir(`${rootfs}/bin`, { recursive: true });
  await copyFile(BUSYBOX, `${rootfs}/bin/busybox`);
  await chmod(`${rootfs}/bin/busybox`, 0o755);
  for (const applet of ['sh', 'sleep']) await symlink('busybox', `${rootfs}/bin/${applet}`);
  // tar's archive into docker import, as `tar -c . | docker import -` would.
  const archive = await execFileP('tar', ['-C', rootfs, '-c', '.'], { encoding: 'buffer', maxBuffer: 64 << 20 });
  await new Promise<void>((resolve, reject) => {
    const imp = spawn(CLIENT, ['import', '-', 'cnm-bench-bb:latest'], { env, stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    imp.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    const timer = setTimeout(() => imp.kill('SIGKILL'), 120_000);
    imp.on('error', reject);
    imp.on('close', (code) => {
      clearTimeout(timer);
      code === 0 ? resolve() : reject(new Error(`docker import: exit ${code}: ${err.trim()}`));
    });
    imp.stdin.end(archive.stdout);
  });
}

/** A running dockerd of the benchmark's, with its image, its network, and how to call and stop it. */
export interface DockerDaemon {
  /** Runs the docker CLI against this daemon; resolves with stdout. */
  call(args: readonly string[], timeoutMs?: number): Promise<string>;
  /** Removes these containers, stops the daemon and everything it started, and its files. */
  stop(containers: readonly string[]): Promise<void>;
}

/**
 * Starts dockerd inside the benchmark's private namespace (its data in a
 * private folder under /var/tmp, its run state under /run/cnm), imports the busybox image and
 * creates the `benchnet` bridge network on the benchmark's subnet.
 */
export async function startDocker(): Promise<DockerDaemon> {
  const root = await mkdtemp(ROOT_PREFIX);
  await mkdir(`${root}/data`);
  const sock = `unix://${root}/docker.sock`;
  const env = { ...process.env, DOCKER_HOST: sock };
  // dockerd 20.10 writes its trust key under /etc unless told otherwise, and only a config file can tell it.
  await writeFile(`${root}/daemon.json`, JSON.stringify({ 'deprecated-key-path': `${root}/key.json` }));
  const daemon = spawn(
    DOCKERD,
    [
      '--data-root',
      `${root}/data`,
      '--exec-root',
      EXEC_ROOT,
      '--pidfile',
      `${root}/docker.pid`,
      '-H',
      sock,
      '--config-file',
      `${root}/daemon.json`,
      '--storage-driver',
      'overlay2',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  let stderr = '';
  daemon.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-2_000);
  });
  const said = () => stderr.trim().split('\n').slice(-3).join(' | ');
  const stopAll = async (containers: readonly string[]) => {
    for (let k = 0; k < containers.length; k += 100) {
      await docker(env, ['rm', '-f', ...containers.slice(k, k + 100)]).catch(() => {});
    }
    await stop(daemon);
    // Whatever overlay or shm mounts are left under the data root and the exec root go before the files.
    for (const dir of [root, EXEC_ROOT]) {
      await execFileP('umount', ['-R', '-l', dir]).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    }
  };
  try {
    await untilUp(env, daemon, said);
    await importImage(env, root);
    await docker(env, [
      'network',
      'create',
      '--driver',
      'bridge',
      '--subnet',
      SUBNET,
      '--gateway',
      GATEWAY,
      'benchnet',
    ]);
  } catch (error) {
    await stopAll([]);
    throw error;
  }
  return {
    call: (args, timeoutMs = 120_000) =>
      execFileP(CLIENT, [...args], { env, timeout: timeoutMs, maxBuffer: 16 << 20 }).then((r) => r.stdout),
    stop: stopAll,
  };
}

/** Why Docker cannot run here, or undefined. */
export async function dockerUnavailable(): Promise<string | undefined> {
  if (!existsSync(DOCKERD)) return `${DOCKERD} not found (Debian package docker.io)`;
  if (!existsSync(BUSYBOX)) return `${BUSYBOX} not found (Debian package busybox-static, for the image)`;
  return execFileP(CLIENT, ['--version']).then(
    () => undefined,
    () => 'no docker client on PATH',
  );
}

export const dockerSystem: PeerSystem = {
  name: 'Docker',
  describe: 'dockerd (docker.io) in the private namespace; docker network connect/disconnect per running container',
  unavailable: dockerUnavailable,
  async open(ns, _tmp, budgetMs) {
    const d = await startDocker();
    const names: string[] = [];
    const close = () => d.stop(names);
    try {
      // The containers, made beforehand within the budget: their creation is this row's "namespace" time.
      const made: number[] = [];
      const started = performance.now();
      for (let i = 0; i < ns.names.length && performance.now() - started < budgetMs; i++) {
        const name = `pb${i}`;
        const t0 = performance.now();
        await d.call(['run', '-d', '--name', name, '--network', 'none', 'cnm-bench-bb:latest', '/bin/sleep', '86400']);
        made.push(performance.now() - t0);
        names.push(name);
        // A container on `none` cannot join another network until it leaves it.
        await d.call(['network', 'disconnect', 'none', name]);
      }
      return {
        prepared: { count: names.length, ms: made },
        async attach(i) {
          await d.call(['network', 'connect', 'benchnet', `pb${i}`]);
        },
        async detach(i) {
          await d.call(['network', 'disconnect', 'benchnet', `pb${i}`]);
        },
        close,
      };
    } catch (error) {
      await close();
      throw error;
    }
  },
};
