// SPDX-License-Identifier: GPL-2.0-or-later
// The only file that loads the addon. It declares every native export, hands
// lib/errors.ts's classes to the addon once, and explains a failed load.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CnmError, InvalidOpError, NetlinkError } from '../errors';

/**
 * An open network namespace. Holding it keeps the namespace alive; `close()`
 * lets it go (in-flight batches keep their own reference).
 */
export interface Netns {
  /** `dev:inode` of the namespace: equal for two handles of one namespace. */
  readonly id: string;
  readonly dev: number;
  readonly ino: number;
  /** The file it was created at or opened from. */
  readonly path: string;
  readonly closed: boolean;
  close(): void;
}

export interface TcpOptions {
  readonly backlog?: number;
  readonly timeoutMs?: number;
}

/** Every native export, typed. */
export interface Binding {
  readonly Netns: abstract new () => Netns;
  setErrorClasses(classes: { NetlinkError: unknown; InvalidOpError: unknown }): void;
  netnsOpen(path: string): Promise<Netns>;
  netnsCreate(dir: string, name: string, options?: { sysctls?: Readonly<Record<string, string>> }): Promise<Netns>;
  netnsDelete(ns: Netns): Promise<void>;
  netnsRemovePath(path: string): Promise<void>;
  socketCacheSize(): number;
  setSocketCacheLimit(limit: number): void;
  rtnlBatch(ns: Netns, ops: readonly object[], options?: { timeoutMs?: number }): Promise<unknown[]>;
  rtnlSequence(
    steps: readonly ({ netns: object; ops: readonly object[] } | { create: object })[],
    options?: { timeoutMs?: number },
  ): Promise<unknown[][]>;
  rtnlEncode(ops: readonly object[]): Buffer[];
  rtnlParse(messages: readonly Buffer[]): unknown[];
  nftBatch(ns: Netns, ops: readonly object[], options?: { timeoutMs?: number }): Promise<null>;
  nftList(
    ns: Netns,
    what: 'tables' | 'chains' | 'rules' | 'sets' | 'elements',
    filter?: { family?: string; table?: string; set?: string },
  ): Promise<unknown[]>;
  nftEncode(ops: readonly object[]): Buffer[][];
  sysctlRead(ns: Netns, key: string): Promise<string>;
  sysctlWrite(ns: Netns, key: string, value: string): Promise<void>;
  tcpListen(ns: Netns, host: string, port: number, options?: TcpOptions): Promise<number>;
  tcpConnect(ns: Netns, host: string, port: number, options?: TcpOptions): Promise<number>;
  portBound(ns: Netns, proto: 'tcp' | 'udp', host: string, from: number, to: number): Promise<number>;
}

const here = dirname(fileURLToPath(import.meta.url));

/** The package root: the nearest folder above this file whose package.json names cnm. */
export function packageRoot(): string {
  let dir = here;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'cnm') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cnm: package.json not found above the module');
    dir = up;
  }
}

/** Turns a failed addon load into an error that says what to install. */
export function explainLoadFailure(error: unknown): CnmError {
  const text = error instanceof Error ? error.message : String(error);
  const missing = /lib(nftnl|mnl)\.so[.\d]*: cannot open shared object file/.exec(text);
  if (missing) {
    const pkg = missing[1] === 'nftnl' ? 'libnftnl11' : 'libmnl0';
    return new CnmError(
      'CNM_ADDON_LOAD_FAILED',
      `the native addon needs ${pkg} (apt-get install ${pkg}, or the nftables package): ${text}`,
      { cause: error },
    );
  }
  return new CnmError('CNM_ADDON_LOAD_FAILED', `could not load the native addon (run npm run build:native): ${text}`, {
    cause: error,
  });
}

function load(): Binding {
  const require = createRequire(import.meta.url);
  let addon: Binding;
  try {
    // CNM_ADDON_PATH names the .node file to load (a sanitizer build, or a
    // bundled program that has no package root); otherwise the package's own.
    const explicit = process.env.CNM_ADDON_PATH;
    if (explicit) addon = require(explicit) as Binding;
    else addon = (require('node-gyp-build') as (dir: string) => Binding)(packageRoot());
  } catch (error) {
    throw explainLoadFailure(error);
  }
  addon.setErrorClasses({ NetlinkError, InvalidOpError });
  return addon;
}

/** The loaded addon (loaded once per thread, on first import). */
export const binding: Binding = load();
