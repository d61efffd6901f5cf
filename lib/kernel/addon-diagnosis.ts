// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Why the native addon did not load, and what to do about it, for both the
 * error a program gets at run time and the install script's messages (tsup
 * builds this file alone as dist/addon-diagnosis.cjs for scripts/install.cjs).
 * Only Node's own modules: the install script loads it before anything else works.
 */
import { readFileSync } from 'node:fs';

/** Debian's packages for the shared libraries a prebuilt addon links. */
const LIBRARY_PACKAGES: Readonly<Record<string, string>> = {
  'libnftnl.so.11': 'libnftnl11',
  'libmnl.so.0': 'libmnl0',
};

/**
 * One apt line for both libraries, whichever is missing: the loader names
 * only the first library it cannot find, so naming just that one would lead
 * a machine lacking both to a second failure.
 */
export const SYSTEM_LIBRARIES_APT = 'apt-get install libnftnl11 libmnl0';

/** What a source build needs besides the sources, Debian's names. */
export const BUILD_TOOLS_APT = 'apt-get install cmake g++ pkg-config libnftnl-dev libmnl-dev';

/** The npm packages a source build runs; not installed with cnm, which ships prebuilds. */
export const BUILD_PACKAGES_NPM = 'npm install --save-dev cmake-js@8 node-addon-api@8';

/** Why a load failed, as far as the error says. */
export type AddonLoadProblem =
  /** The addon is there but a shared library it links is not installed. */
  | { readonly kind: 'missing-library'; readonly library: string; readonly package: string }
  /** No prebuilt addon matches this platform and none was built from source. */
  | { readonly kind: 'no-prebuild'; readonly platform: string }
  /** An explicitly named addon file (CNM_ADDON_PATH, setAddonPath) is not there. */
  | { readonly kind: 'not-found'; readonly path: string }
  /** Anything else: a prebuild for another C library or an older glibc, a corrupt file. */
  | { readonly kind: 'unloadable'; readonly detail: string };

/**
 * `linux-x64 (glibc)`: what node-gyp-build matches prebuilds against. The C
 * library is read from this process's own mappings: cheap, unlike a
 * diagnostic report, whose network section waits on the kernel's rtnl lock.
 *
 * @example
 * ```ts
 * platformName() // 'linux-x64 (glibc)'
 * ```
 */
export function platformName(): string {
  let maps = '';
  try {
    maps = readFileSync('/proc/self/maps', 'utf8');
  } catch {
    // Not Linux, or no /proc: the libc stays unnamed.
  }
  const libc = /ld-musl|libc\.musl/.test(maps) ? 'musl' : /\/libc\.so\.6\b/.test(maps) ? 'glibc' : 'unknown libc';
  return `${process.platform}-${process.arch} (${libc})`;
}

/**
 * Classifies the error thrown while loading the addon.
 *
 * @example
 * ```ts
 * diagnoseAddonLoad(new Error('libnftnl.so.11: cannot open shared object file: No such file or directory'))
 * // { kind: 'missing-library', library: 'libnftnl.so.11', package: 'libnftnl11' }
 * ```
 */
export function diagnoseAddonLoad(error: unknown, explicitPath?: string): AddonLoadProblem {
  const text = error instanceof Error ? error.message : String(error);
  const missing = /(lib[\w+-]+\.so(?:\.\d+)*): cannot open shared object file/.exec(text);
  const library = missing?.[1];
  if (library && LIBRARY_PACKAGES[library]) {
    return { kind: 'missing-library', library, package: LIBRARY_PACKAGES[library] };
  }
  if (/^No native build was found/.test(text)) return { kind: 'no-prebuild', platform: platformName() };
  const code = (error as { code?: unknown } | null)?.code;
  if (explicitPath && (code === 'MODULE_NOT_FOUND' || /cannot open shared object file/.test(text))) {
    return { kind: 'not-found', path: explicitPath };
  }
  return { kind: 'unloadable', detail: text.split('\n')[0] ?? text };
}

/**
 * What to tell a person: at `install` time (scripts/install.cjs, which then
 * builds from source when it can) or at `runtime` (the CNM_ADDON_LOAD_FAILED
 * error a program gets).
 *
 * @example
 * ```ts
 * console.error(addonLoadAdvice({ kind: 'missing-library', library: 'libmnl.so.0', package: 'libmnl0' }, 'runtime'))
 * ```
 */
export function addonLoadAdvice(problem: AddonLoadProblem, when: 'install' | 'runtime'): string {
  const build = when === 'install' ? 'building it from source' : `build it from source: ${sourceBuildSteps()}`;
  switch (problem.kind) {
    case 'missing-library':
      return (
        `the native addon needs the system library ${problem.library} (Debian package ${problem.package}), ` +
        `which is not installed: ${SYSTEM_LIBRARIES_APT} (the nftables package brings both)`
      );
    case 'no-prebuild':
      return `no prebuilt native addon for ${problem.platform} (cnm ships one for linux-x64 with glibc); ${build}`;
    case 'not-found':
      return `no native addon at ${problem.path} (named by CNM_ADDON_PATH or setAddonPath); give the path of a built cnm.node`;
    case 'unloadable':
      return `the native addon does not load here (${problem.detail}); ${build}`;
  }
}

/** The steps of a source build, for messages. @example `console.log(sourceBuildSteps())` */
export function sourceBuildSteps(): string {
  return `${BUILD_TOOLS_APT}; ${BUILD_PACKAGES_NPM}; npm rebuild cnm`;
}

/**
 * The install script's message when a source build cannot start, naming
 * what is missing: commands, development libraries, npm packages.
 *
 * @example
 * ```ts
 * buildToolsAdvice({ commands: ['cmake'], libraries: [], packages: ['cmake-js'] })
 * ```
 */
export function buildToolsAdvice(missing: {
  readonly commands: readonly string[];
  readonly libraries: readonly string[];
  readonly packages: readonly string[];
}): string {
  const what = [...missing.commands, ...missing.libraries.map((l) => `${l} (development files)`), ...missing.packages];
  const steps: string[] = [];
  if (missing.commands.length > 0 || missing.libraries.length > 0) steps.push(BUILD_TOOLS_APT);
  if (missing.packages.length > 0) steps.push(BUILD_PACKAGES_NPM);
  steps.push('npm rebuild cnm');
  return `cannot build the native addon from source, missing: ${what.join(', ')}. To build it: ${steps.join('; ')}`;
}
