// SPDX-License-Identifier: GPL-2.0-or-later
import { defineConfig, type Options } from 'tsup';

const common: Options = { sourcemap: true, target: 'node20', shims: true, external: ['node-gyp-build'] };

export default defineConfig([
  // The library: ESM and CommonJS, with types.
  {
    ...common,
    entry: { index: 'lib/index.ts' },
    format: ['esm', 'cjs'],
    // Internals tagged @internal (the store's handle, rows, caches) stay out of the public types.
    dts: { compilerOptions: { stripInternal: true } },
    clean: false,
  },
  // The command: ESM only (it awaits at top level), no types.
  { ...common, entry: { cli: 'lib/cli/main.ts' }, format: ['esm'], dts: false, clean: false },
  // The load-failure messages alone, for scripts/install.cjs (which runs before anything else works).
  {
    ...common,
    entry: { 'addon-diagnosis': 'lib/kernel/addon-diagnosis.ts' },
    format: ['cjs'],
    dts: false,
    sourcemap: false,
    clean: false,
  },
]);
