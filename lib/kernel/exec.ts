// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Running things inside a namespace: commands (through `nsenter --net=`, so
 * this process never changes namespace) and TCP sockets opened inside it on
 * the addon's namespace thread, handed to Node as `net.Server`/`net.Socket`.
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { Server, Socket } from 'node:net';
import { withCallerStack } from '../errors';
import { binding, type Netns } from './binding';

/**
 * Spawns `command` inside the namespace's network (`ip netns exec`, without
 * its /sys remount). The child's mount and pid namespaces are this process's.
 *
 * @example
 * ```ts
 * const child = netnsSpawn(ns, 'ping', ['-c1', '10.0.0.2'], { stdio: 'inherit' })
 * ```
 */
export function netnsSpawn(
  ns: Netns,
  command: string,
  args: readonly string[] = [],
  options: SpawnOptions = {},
): ChildProcess {
  if (ns.closed) throw new TypeError('netnsSpawn: the Netns handle is closed');
  return spawn('nsenter', [`--net=${ns.path}`, '--', command, ...args], options);
}

/** What {@link netnsExec} resolves to. */
export interface ExecResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command inside the namespace and collects its output. Bounded: the
 * child is killed after `timeoutMs` (default 30 s).
 *
 * @example
 * ```ts
 * const { stdout } = await netnsExec(ns, 'ip', ['-j', 'link'])
 * ```
 */
export function netnsExec(
  ns: Netns,
  command: string,
  args: readonly string[] = [],
  options: { readonly timeoutMs?: number; readonly input?: string; readonly env?: NodeJS.ProcessEnv } = {},
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = netnsSpawn(ns, command, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(options.env ? { env: options.env } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    // A command that does not read its input closes the pipe: not an error.
    child.stdin?.on('error', () => {});
    child.stdin?.end(options.input ?? '');
  });
}

/**
 * A TCP server listening inside the namespace. The socket is created on the
 * addon's namespace thread; Node serves it like any other.
 *
 * @example
 * ```ts
 * const server = await tcpListen(ns, '10.0.0.2', 8080)
 * server.on('connection', (c) => c.end('hello'))
 * ```
 */
export async function tcpListen(
  ns: Netns,
  host: string,
  port: number,
  options: { readonly backlog?: number } = {},
): Promise<Server> {
  const fd = await withCallerStack(() => binding.tcpListen(ns, host, port, options));
  const server = new Server();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ fd }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

/**
 * A TCP connection made from inside the namespace (bounded by `timeoutMs`,
 * default 5 s).
 *
 * @example
 * ```ts
 * const sock = await tcpConnect(ns, '10.0.0.3', 8080)
 * sock.end('ping')
 * ```
 */
export async function tcpConnect(
  ns: Netns,
  host: string,
  port: number,
  options: { readonly timeoutMs?: number } = {},
): Promise<Socket> {
  const fd = await withCallerStack(() => binding.tcpConnect(ns, host, port, options));
  return new Socket({ fd, readable: true, writable: true });
}

/**
 * The first port in `from`..`to` that a process in the namespace could not
 * bind on `host` for `proto` right now — a listener or a bound socket holds
 * it — or 0 when every one is free. Probed by binding and closing a socket
 * per port, in one crossing. On `::` an IPv4 socket on the port counts too.
 * Rejects (EADDRNOTAVAIL) for an address the namespace does not have.
 *
 * @example
 * ```ts
 * if ((await portBound(host, 'udp', '0.0.0.0', 53)) !== 0) console.log('a DNS server runs here')
 * ```
 */
export function portBound(ns: Netns, proto: 'tcp' | 'udp', host: string, from: number, to = from): Promise<number> {
  return withCallerStack(() => binding.portBound(ns, proto, host, from, to));
}
