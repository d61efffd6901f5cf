// SPDX-License-Identifier: GPL-2.0-or-later
// Independent tools (ip, nft) run as child processes, so tests can check
// kernel state with something other than cnm's own dumps.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/** Runs a command (bounded to 30 s) and returns its stdout; rejects on a non-zero exit. */
export async function run(command: string, args: readonly string[]): Promise<string> {
  const { stdout } = await execFileP(command, [...args], { timeout: 30_000, maxBuffer: 64 << 20 });
  return stdout;
}

/** `nsenter --net=PATH ip -j -d ARGS`, parsed. */
export async function ipJson<T = IpLink[]>(nsPath: string, args: readonly string[]): Promise<T> {
  const out = await run('nsenter', [`--net=${nsPath}`, 'ip', '-j', '-d', ...args]);
  return JSON.parse(out.trim() === '' ? '[]' : out) as T;
}

/** The parts of `ip -j -d link` output the tests read. */
export interface IpLink {
  readonly ifindex: number;
  readonly ifname: string;
  readonly flags: string[];
  readonly mtu: number;
  readonly address?: string;
  readonly master?: string;
  readonly group?: string;
  readonly operstate?: string;
  readonly link_index?: number;
  readonly inet6_addr_gen_mode?: string;
  readonly linkinfo?: {
    readonly info_kind?: string;
    readonly info_data?: Record<string, unknown>;
    readonly info_slave_kind?: string;
    readonly info_slave_data?: Record<string, unknown>;
  };
  readonly stats64?: { readonly rx?: { readonly packets: number }; readonly tx?: { readonly packets: number } };
}
