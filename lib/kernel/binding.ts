// SPDX-License-Identifier: GPL-2.0-or-later
// The only file that loads the addon. It declares every native export, loads
// the addon on first use (so a bundled program can say where it is first),
// binds lib/errors.ts's classes to it, and explains a failed load.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CnmError, InvalidOpError, NetlinkError } from '../errors';
import { addonLoadAdvice, diagnoseAddonLoad } from './addon-diagnosis';

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

/** The addon's functions, as `bind()` hands them to one copy of lib/. */
export interface BindingFunctions {
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

/** Every native export lib/ uses, typed. */
export interface Binding extends BindingFunctions {
  readonly Netns: abstract new () => Netns;
}

/** What the .node file exports: the Netns class, and bind() for each copy of lib/. */
interface NativeModule {
  readonly Netns: abstract new () => Netns;
  bind(classes: { NetlinkError: unknown; InvalidOpError: unknown }): BindingFunctions;
}

/** Every function the addon exports, by name (the fake kernel serves the same). @internal */
export const FUNCTION_NAMES = [
  'netnsOpen',
  'netnsCreate',
  'netnsDelete',
  'netnsRemovePath',
  'socketCacheSize',
  'setSocketCacheLimit',
  'rtnlBatch',
  'rtnlSequence',
  'rtnlEncode',
  'rtnlParse',
  'nftBatch',
  'nftList',
  'nftEncode',
  'sysctlRead',
  'sysctlWrite',
  'tcpListen',
  'tcpConnect',
  'portBound',
] as const satisfies readonly (keyof BindingFunctions)[];
// Fails to compile when BindingFunctions gains a function FUNCTION_NAMES lacks.
const everyFunctionNamed: Exclude<keyof BindingFunctions, (typeof FUNCTION_NAMES)[number]> extends never
  ? true
  : never = true;
void everyFunctionNamed;

let chosenPath: string | undefined;
let loaded: Binding | undefined;

/**
 * Names the addon file (`cnm.node`) to load, for programs bundled into one
 * file (esbuild, webpack, ncc, a single-executable application), which have
 * no package folder to find it in: copy
 * `node_modules/cnm/prebuilds/linux-x64/cnm.glibc.node` next to the bundle
 * and name it here. Call it before the first kernel call; the addon loads
 * once, on first use. The environment variable `CNM_ADDON_PATH`, when set,
 * wins over this, so a deployment can swap the addon without a code change.
 *
 * @throws CnmError `CNM_INVALID_CONFIG` when the path is not absolute, or the
 *   addon is loaded already from another file.
 * @example
 * ```ts
 * import { setAddonPath, NetworkController } from 'cnm'
 * setAddonPath(join(dirname(fileURLToPath(import.meta.url)), 'cnm.node'))
 * const ctl = await NetworkController.open()
 * ```
 */
export function setAddonPath(path: string): void {
  if (typeof path !== 'string' || !isAbsolute(path)) {
    throw new CnmError(
      'CNM_INVALID_CONFIG',
      `setAddonPath needs an absolute path to a cnm.node file, not ${String(path)}`,
    );
  }
  if (loaded && path !== chosenPath) {
    throw new CnmError(
      'CNM_INVALID_CONFIG',
      'setAddonPath: the native addon is loaded already (by the first kernel call); call setAddonPath before it',
    );
  }
  chosenPath = path;
}

/**
 * The package root: the nearest folder above this file whose package.json
 * names cnm. A bundled program has none; it names the addon instead.
 *
 * @example
 * ```ts
 * const version = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).version
 * ```
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'cnm') return dir;
    const up = dirname(dir);
    if (up === dir) {
      throw new Error(
        'cnm: package.json not found above the module (a bundled program names its addon with setAddonPath or CNM_ADDON_PATH)',
      );
    }
    dir = up;
  }
}

/**
 * Turns a failed addon load into an error that says what to install or do.
 *
 * @example
 * ```ts
 * explainLoadFailure(new Error('libmnl.so.0: cannot open shared object file')).message // names apt-get install libnftnl11 libmnl0
 * ```
 */
export function explainLoadFailure(error: unknown, explicitPath?: string): CnmError {
  const advice = addonLoadAdvice(diagnoseAddonLoad(error, explicitPath), 'runtime');
  return new CnmError('CNM_ADDON_LOAD_FAILED', advice, { cause: error });
}

function loadNative(): NativeModule {
  // The variable wins over setAddonPath (a sanitizer build for the tests, an
  // operator's override; relative to the working directory); without either,
  // the package's own addon.
  const fromEnv = process.env.CNM_ADDON_PATH;
  const explicit = fromEnv ? resolve(fromEnv) : chosenPath;
  try {
    // A require made from the file's own path needs no package root and no
    // import.meta.url (a bundle may have neither), and shares Node's module
    // cache, so every copy of lib/ in a thread gets the one addon instance.
    if (explicit) return createRequire(explicit)(explicit) as NativeModule;
    const require = createRequire(import.meta.url);
    return (require('node-gyp-build') as (dir: string) => NativeModule)(packageRoot());
  } catch (error) {
    throw explainLoadFailure(error, explicit);
  }
}

/** The native functions and Netns class, once loaded (kept to come back to after a fake). */
let native: { functions: BindingFunctions; Netns: abstract new () => Netns } | undefined;
/** A kernel binding a test installed in place of the addon. */
let injected: BindingFunctions | undefined;

function load(): Binding {
  if (loaded) return loaded;
  const module = loadNative();
  // This copy's own functions: their errors are this copy's classes, even
  // with another copy (ESM beside CJS) bound to the same addon instance.
  native = { functions: module.bind({ NetlinkError, InvalidOpError }), Netns: module.Netns };
  loaded = binding;
  // A fake installed while the addon loaded keeps its place.
  if (!injected) installNative();
  return binding;
}

// From now on `binding.x` is the native function itself: the stubs cost one call, once.
function installNative(): void {
  if (!native) return;
  Object.assign(binding, native.functions);
  Object.defineProperty(binding, 'Netns', { value: native.Netns, enumerable: true, configurable: true });
}

function installStubs(target: Record<string, unknown>): void {
  for (const name of FUNCTION_NAMES) {
    target[name] = (...args: unknown[]) => Reflect.apply(load()[name], undefined, args);
  }
  Object.defineProperty(target, 'Netns', { get: () => load().Netns, enumerable: true, configurable: true });
}

/**
 * The addon, loaded on first use (once per thread). Until then each function
 * is a stub that loads it and calls through; loading replaces the stubs with
 * the native functions, so the hot path is one property read.
 */
export const binding: Binding = (() => {
  const stubs: Record<string, unknown> = {};
  installStubs(stubs);
  return stubs as unknown as Binding;
})();

/**
 * Puts another implementation of the addon's functions — the fake kernel of
 * lib/kernel/fake, for unprivileged tests — in the addon's place: every
 * kernel call of lib/ (rtnl, netns, nft, sysctl, and the model above them)
 * goes to it until {@link restoreKernelBinding}. The addon is not loaded for
 * it. For tests only: it is not part of the package's public entry.
 *
 * @example
 * ```ts
 * const fake = new FakeKernel()
 * useKernelBinding(fake.functions())
 * try { await NetworkController.open({ hostNetns: '/fake/host', ... }) } finally { restoreKernelBinding() }
 * ```
 *
 * @internal
 */
export function useKernelBinding(
  functions: BindingFunctions,
  netnsClass?: abstract new (...args: never[]) => Netns,
): void {
  injected = functions;
  const target = binding as unknown as Record<string, unknown>;
  for (const name of FUNCTION_NAMES) {
    const fn = functions[name] as (...args: unknown[]) => unknown;
    if (typeof fn !== 'function') throw new TypeError(`useKernelBinding: ${name} is not a function`);
    target[name] = (...args: unknown[]) => Reflect.apply(fn, functions, args);
  }
  Object.defineProperty(target, 'Netns', {
    value: netnsClass ?? class KernelBindingNetns {},
    enumerable: true,
    configurable: true,
  });
}

/** Whether a kernel binding other than the addon is installed (see {@link useKernelBinding}). @internal */
export function usingInjectedBinding(): boolean {
  return injected !== undefined;
}

/**
 * Puts the addon back after {@link useKernelBinding} (loaded on the next
 * kernel call, if it was not yet).
 *
 * @example
 * ```ts
 * afterAll(() => restoreKernelBinding())
 * ```
 *
 * @internal
 */
export function restoreKernelBinding(): void {
  injected = undefined;
  if (native) installNative();
  else installStubs(binding as unknown as Record<string, unknown>);
}
