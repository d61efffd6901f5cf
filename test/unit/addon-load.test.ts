// SPDX-License-Identifier: GPL-2.0-or-later
// Loading the addon: what a failed load says, the explicit path a bundled
// program names, loading on first use, and each copy of lib/ getting errors
// of its own classes. No privileges: nothing here reaches the kernel.
import { createRequire } from 'node:module';
import { relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  addonLoadAdvice,
  buildToolsAdvice,
  diagnoseAddonLoad,
  SYSTEM_LIBRARIES_APT,
} from '../../lib/kernel/addon-diagnosis';
import { explainLoadFailure, packageRoot } from '../../lib/kernel/binding';

const require = createRequire(import.meta.url);
// The addon this checkout built (or its prebuild), as node-gyp-build finds it.
const addonFile = (require('node-gyp-build') as { resolve(dir: string): string }).resolve(packageRoot());

describe('why the addon did not load', () => {
  it('a missing system library names both Debian packages in one apt line', () => {
    for (const [text, library, pkg] of [
      ['libnftnl.so.11: cannot open shared object file: No such file or directory', 'libnftnl.so.11', 'libnftnl11'],
      ['libmnl.so.0: cannot open shared object file: No such file or directory', 'libmnl.so.0', 'libmnl0'],
    ] as const) {
      const problem = diagnoseAddonLoad(new Error(text));
      expect(problem).toEqual({ kind: 'missing-library', library, package: pkg });
      for (const when of ['install', 'runtime'] as const) {
        expect(addonLoadAdvice(problem, when)).toContain(SYSTEM_LIBRARIES_APT);
      }
      const error = explainLoadFailure(new Error(text));
      expect(error.code).toBe('CNM_ADDON_LOAD_FAILED');
      expect(error.message).toContain('apt-get install libnftnl11 libmnl0');
      expect(error.message).toContain(library);
    }
  });

  it('no prebuild for this platform is told apart, and says how to build one', () => {
    const problem = diagnoseAddonLoad(
      new Error('No native build was found for platform=linux arch=arm64 runtime=node abi=115 libc=musl'),
    );
    expect(problem.kind).toBe('no-prebuild');
    expect(addonLoadAdvice(problem, 'install')).toMatch(
      /^no prebuilt native addon for linux-\w+ \(.+\).*building it from source$/,
    );
    const runtime = explainLoadFailure(new Error('No native build was found for platform=linux arch=arm64'));
    expect(runtime.message).toContain('no prebuilt native addon');
    expect(runtime.message).toContain('npm rebuild cnm');
    expect(runtime.message).not.toContain(SYSTEM_LIBRARIES_APT);
  });

  it('a prebuild that does not load for another reason is neither of those', () => {
    const problem = diagnoseAddonLoad(
      new Error("/lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.33' not found (required by cnm.glibc.node)"),
    );
    expect(problem.kind).toBe('unloadable');
    expect(addonLoadAdvice(problem, 'runtime')).toContain('GLIBC_2.33');
  });

  it('an explicit path that names no file says so', () => {
    const gone = Object.assign(new Error("Cannot find module '/opt/app/cnm.node'"), { code: 'MODULE_NOT_FOUND' });
    expect(diagnoseAddonLoad(gone, '/opt/app/cnm.node')).toEqual({ kind: 'not-found', path: '/opt/app/cnm.node' });
    expect(explainLoadFailure(gone, '/opt/app/cnm.node').message).toContain('CNM_ADDON_PATH or setAddonPath');
  });

  it('a source build that cannot start names what is missing and the steps', () => {
    const text = buildToolsAdvice({ commands: ['cmake', 'c++'], libraries: ['libnftnl'], packages: ['cmake-js'] });
    expect(text).toContain('missing: cmake, c++, libnftnl (development files), cmake-js');
    expect(text).toContain('apt-get install cmake g++ pkg-config libnftnl-dev libmnl-dev');
    expect(text).toContain('npm install --save-dev cmake-js@8 node-addon-api@8');
    expect(buildToolsAdvice({ commands: [], libraries: [], packages: ['node-addon-api'] })).not.toContain('apt-get');
  });
});

// A fresh copy of binding.ts per test: the addon loads once per module instance.
describe('loading on first use', () => {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.CNM_ADDON_PATH;
    delete process.env.CNM_ADDON_PATH;
    vi.resetModules();
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.CNM_ADDON_PATH;
    else process.env.CNM_ADDON_PATH = saved;
  });

  it('setAddonPath takes an absolute path only', async () => {
    const { setAddonPath } = await import('../../lib/kernel/binding');
    expect(() => setAddonPath('cnm.node')).toThrow(/CNM_INVALID_CONFIG/);
  });

  it('loads from the named file on the first call, and refuses another file after', async () => {
    const { binding, setAddonPath } = await import('../../lib/kernel/binding');
    setAddonPath(addonFile);
    expect(binding.socketCacheSize()).toBe(0);
    // The stub replaced itself: the hot path is the native function.
    expect(binding.rtnlEncode.name).toBe('rtnlEncode');
    expect(() => setAddonPath(addonFile)).not.toThrow();
    expect(() => setAddonPath('/elsewhere/cnm.node')).toThrow(/loaded already/);
  });

  it('a named file that is not there fails the first call with CNM_ADDON_LOAD_FAILED, and can be corrected', async () => {
    const { binding, setAddonPath } = await import('../../lib/kernel/binding');
    const { CnmError } = await import('../../lib/errors'); // this copy's class
    setAddonPath('/nonexistent/cnm.node');
    let failure: unknown;
    try {
      binding.socketCacheSize();
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(CnmError);
    expect((failure as InstanceType<typeof CnmError>).code).toBe('CNM_ADDON_LOAD_FAILED');
    expect((failure as InstanceType<typeof CnmError>).message).toContain('no native addon at /nonexistent/cnm.node');
    setAddonPath(addonFile);
    expect(binding.socketCacheSize()).toBe(0);
  });

  it('CNM_ADDON_PATH may be relative to the working directory', async () => {
    process.env.CNM_ADDON_PATH = relative(process.cwd(), addonFile);
    const { binding } = await import('../../lib/kernel/binding');
    expect(binding.socketCacheSize()).toBe(0);
  });

  it('CNM_ADDON_PATH wins over setAddonPath', async () => {
    process.env.CNM_ADDON_PATH = '/from-the-environment/cnm.node';
    const { binding, setAddonPath } = await import('../../lib/kernel/binding');
    setAddonPath(addonFile);
    expect(() => binding.socketCacheSize()).toThrow(/from-the-environment/);
  });
});

describe('two copies of lib/ on one addon instance', () => {
  it('each gets errors of its own classes, whichever bound last', () => {
    // What dist/index.js and dist/index.cjs do when loaded side by side.
    class NetlinkErrorA extends Error {}
    class InvalidOpErrorA extends Error {}
    class NetlinkErrorB extends Error {}
    class InvalidOpErrorB extends Error {}
    const native = require(addonFile) as {
      bind(classes: object): { rtnlEncode(ops: object[]): Buffer[]; nftEncode(ops: object[]): Buffer[][] };
    };
    const a = native.bind({ NetlinkError: NetlinkErrorA, InvalidOpError: InvalidOpErrorA });
    const b = native.bind({ NetlinkError: NetlinkErrorB, InvalidOpError: InvalidOpErrorB });
    const bad = [{ op: 'link.set', dev: 1, mtu: 'x' }];
    expect(() => a.rtnlEncode(bad)).toThrow(InvalidOpErrorA);
    expect(() => b.rtnlEncode(bad)).toThrow(InvalidOpErrorB);
    expect(() => a.nftEncode([{ op: 'table.add', family: 'nope', name: 't' }])).toThrow(InvalidOpErrorA);
    expect(() => a.rtnlEncode(bad)).not.toThrow(InvalidOpErrorB);
  });
});
