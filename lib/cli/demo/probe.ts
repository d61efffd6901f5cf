// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Real traffic for the demo's checks: a TCP server inside a namespace that
 * greets each connection, and a bounded connection from inside another.
 * Only ever between namespaces the demo made.
 */
import { once } from 'node:events';
import type { Server } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Netns } from '../../kernel/binding';
import { tcpConnect, tcpListen } from '../../kernel/exec';

/**
 * A server on `host:port` in `ns` that writes `greeting` and closes.
 *
 * @example
 * ```ts
 * const server = await greeter(web, '172.18.0.2', 80, 'hello from web')
 * ```
 */
export async function greeter(ns: Netns, host: string, port: number, greeting: string): Promise<Server> {
  const server = await tcpListen(ns, host, port);
  server.on('connection', (c) => c.end(greeting));
  return server;
}

/** What one connection attempt got. */
export type Answer =
  | { readonly ok: true; readonly reply: string; readonly ms: number }
  | { readonly ok: false; readonly why: string };

/**
 * Connects from inside `ns` (at most `timeoutMs`) and reads until the server
 * closes. A refused, unreachable or timed-out connection is an answer too.
 *
 * @example
 * ```ts
 * const a = await ask(client, '172.18.0.2', 80)
 * if (a.ok) console.log(a.reply, a.ms)
 * ```
 */
export async function ask(ns: Netns, host: string, port: number, timeoutMs = 1_000): Promise<Answer> {
  const t0 = performance.now();
  try {
    const sock = await tcpConnect(ns, host, port, { timeoutMs });
    let reply = '';
    sock.setEncoding('utf8').on('data', (d: string) => {
      reply += d;
    });
    const timer = setTimeout(() => sock.destroy(new Error('no reply in time')), timeoutMs);
    try {
      await once(sock, 'end');
    } finally {
      clearTimeout(timer);
      sock.destroy();
    }
    return { ok: true, reply, ms: performance.now() - t0 };
  } catch (error) {
    const e = error as { code?: string; message?: string };
    return { ok: false, why: e.code ?? e.message ?? String(error) };
  }
}

/**
 * An answer in words, for the report.
 *
 * @example
 * ```ts
 * said(await ask(client, '172.18.0.2', 80))   // '"hello from web" in 0.41 ms', or 'blocked (ETIMEDOUT)'
 * ```
 */
export function said(a: Answer): string {
  return a.ok ? `"${a.reply}" in ${a.ms.toFixed(2)} ms` : `blocked (${a.why})`;
}
